"""Appeals: the author contests a restriction; a different human decides.

- Filed by the content's author within the window of the pack whose rule applied (six months
  in the EU, Art. 20; the platform's own six months where a pack sets none), counted from the
  notice.
- Decided by a human who did not take the original decision (Art. 20(6): never solely
  automated); the reviewer's id is checked against the decision's ``decided_by``.
- ``reversed`` writes a new decision without the appealed restriction (``nigran.enforce``
  restores visibility), ``upheld`` leaves it; either way the author is notified.
- ``overturn_rates`` gives QA the reversal share by ground and by automated/human origin.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select, update

from nigran import ledger
from nigran.errors import InvalidInput, InvalidTransition, NotFound
from nigran.legal import casework, notices
from nigran.legal.restrict import decision_by_id, latest_decision, locate, record
from nigran.model import Action, ActionType, Ground
from nigran.policy.durations import add_duration
from nigran.policy.packs import PackSet, default_packs
from nigran.store.tables_legal import appeals
from nigran.store.tables_legal import notices as notices_t


def _restrictive_notice(conn: Connection, content_id: str) -> Any:
    return conn.execute(
        select(notices_t)
        .where(notices_t.c.content_id == content_id, notices_t.c.kind == "restriction")
        .order_by(notices_t.c.created_at.desc(), notices_t.c.id)
        .limit(1)
    ).one_or_none()


def file(
    conn: Connection,
    *,
    content_id: str,
    appellant: str,
    reason: str,
    now: datetime,
    packs: PackSet | None = None,
) -> dict[str, Any]:
    packs = packs or default_packs()
    item = locate(conn, content_id)
    if item is None:
        raise NotFound(f"no content {content_id!r}", where="content_id")
    if appellant != item.author:
        raise InvalidInput(
            "only the author of the content can appeal its restriction", where="appellant"
        )
    if not reason.strip():
        raise InvalidInput("say why the decision is wrong", where="reason")
    n = _restrictive_notice(conn, item.id)
    if n is None:
        raise InvalidInput(f"content {content_id} has no restriction to appeal", where="content_id")
    open_ = conn.execute(
        select(appeals.c.id).where(appeals.c.content_id == item.id, appeals.c.status == "open")
    ).first()
    if open_ is not None:
        raise InvalidTransition(f"appeal {open_.id} on {content_id} is still open")
    d = decision_by_id(conn, int(n.decision_id))
    assert d is not None
    pack_id = None
    if n.ground_kind and n.ground_code:
        act = Action(
            type=ActionType.WITHHOLD, ground=Ground(kind=n.ground_kind, code=n.ground_code)
        )
        pack_id = notices.pack_for_action(act, packs, item.upload_country)
    window = notices.appeal_window(packs, pack_id)
    tz = packs.pack(pack_id).tz if pack_id else ZoneInfo("UTC")
    ends = add_duration(n.created_at, window, tz)
    if now > ends:
        raise InvalidInput(
            f"the appeal window ({window}) ended at {ends.isoformat()}", where="filed_at"
        )
    appeal_id = uuid.uuid4().hex[:20]
    case_id = casework.open_for(
        conn,
        item,
        category=n.ground_code or "appeal",
        severity=2,
        source="user_report",
        deadline=None,
        now=now,
        subject=item.id,
        fallback_queue="appeals",
        decision_id=n.decision_id,
        excluded_reviewer=d.decided_by,
        route=False,
    )
    conn.execute(
        insert(appeals).values(
            id=appeal_id,
            content_id=item.id,
            decision_id=n.decision_id,
            notice_id=n.id,
            appellant=appellant,
            reason=reason,
            filed_at=now,
            window_ends_at=ends,
            status="open",
            original_decider=d.decided_by,
            case_id=case_id,
        )
    )
    ledger.append(
        conn,
        "appeal.filed",
        item.id,
        {
            "appeal_id": appeal_id,
            "decision_id": n.decision_id,
            "notice_id": n.id,
            "appellant": appellant,
            "case_id": case_id,
            "at": now.isoformat(),
            "window_ends_at": ends.isoformat(),
        },
    )
    return get(conn, appeal_id)


def get(conn: Connection, appeal_id: str) -> dict[str, Any]:
    row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).one_or_none()
    if row is None:
        raise NotFound(f"no appeal {appeal_id!r}", where="appeal")
    return dict(row._mapping)


def decide(
    conn: Connection,
    appeal_id: str,
    *,
    reviewer: str,
    outcome: Literal["reversed", "upheld"],
    reason: str,
    profile_language: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    a = get(conn, appeal_id)
    if a["status"] != "open":
        raise InvalidTransition(f"appeal {appeal_id} was already decided ({a['status']})")
    if not reviewer or reviewer.startswith("auto"):
        raise InvalidInput("an appeal is decided by a named human reviewer", where="reviewer")
    if a["original_decider"] and reviewer == a["original_decider"]:
        raise InvalidTransition(
            f"{reviewer} took the original decision; another reviewer must decide the appeal"
        )
    if not reason.strip():
        raise InvalidInput("give the reasons for the outcome", where="reason")
    item = locate(conn, a["content_id"])
    assert item is not None
    n = conn.execute(select(notices_t).where(notices_t.c.id == a["notice_id"])).one()
    appealed = decision_by_id(conn, int(a["decision_id"]))
    assert appealed is not None
    # The restriction the notice was about: its ground and scope in the appealed decision.
    drop = [
        x
        for x in appealed.actions
        if str(x.ground) == f"{n.ground_kind}:{n.ground_code}" and str(x.scope) == n.scope
    ]
    new_id = None
    if outcome == "reversed":
        current = latest_decision(conn, item.id)
        in_force = [x for x in (current[1].actions if current else []) if x in drop]
        if in_force:
            new_id, _, _ = record(
                conn,
                item,
                drop=in_force,
                decided_by=reviewer,
                automated=False,
                policy_version=appealed.policy_version,
                statement=f"Appeal {appeal_id} reversed: {reason}",
                rule=f"appeal:{appeal_id}",
                reason=reason,
                now=now,
            )
    elif outcome != "upheld":
        raise InvalidInput("outcome is 'reversed' or 'upheld'", where="outcome")
    conn.execute(
        update(appeals)
        .where(appeals.c.id == appeal_id)
        .values(
            status=outcome,
            decided_by=reviewer,
            decided_at=now,
            outcome_reason=reason,
            new_decision_id=new_id,
        )
    )
    casework.close(conn, a["case_id"], outcome, now)
    ledger.append(
        conn,
        "appeal.decided",
        item.id,
        {
            "appeal_id": appeal_id,
            "outcome": outcome,
            "reviewer": reviewer,
            "reason": reason,
            "new_decision_id": new_id,
            "at": now.isoformat(),
        },
    )
    lang = notices.choose_language(profile_language, item.language)
    scope_en = "everywhere" if n.scope == "global" else f"in {n.scope}"
    scope_ur = (
        "ہر جگہ"
        if n.scope == "global"
        else "، ".join(notices.COUNTRY_UR.get(c, c) for c in n.scope.split(",")) + " میں"
    )
    texts = {
        "en": (
            f"Your appeal {appeal_id} about content {item.id} was decided by a human reviewer "
            "who did not take the original decision: "
            + (
                f"the decision was reversed and your content is visible again {scope_en}."
                if outcome == "reversed"
                else "the decision was upheld."
            )
            + f" Reasons: {reason}"
        ),
        "ur": (
            f"آپ کی اپیل ({appeal_id}) پر، جو مواد ({item.id}) سے متعلق تھی، ایک ایسے انسانی "
            "جائزہ کار نے فیصلہ کیا ہے جس نے اصل فیصلہ نہیں کیا تھا: "
            + (
                f"سابقہ فیصلہ واپس لے لیا گیا ہے اور آپ کا مواد {scope_ur} دوبارہ دیکھا جا سکتا ہے۔"
                if outcome == "reversed"
                else "سابقہ فیصلہ برقرار رکھا گیا ہے۔"
            )
            + f" وجوہات: {reason}"
        ),
    }
    notices.message(
        conn,
        kind="appeal_outcome",
        recipient=a["appellant"],
        subject=item.id,
        texts=texts,
        language=lang,
        content_id=item.id,
        now=now,
    )
    return get(conn, appeal_id)


def overturn_rates(conn: Connection) -> list[dict[str, Any]]:
    """Decided appeals by ground and automated origin, with the reversal share (for QA)."""
    rows = conn.execute(
        select(
            notices_t.c.ground_kind,
            notices_t.c.ground_code,
            notices_t.c.automated,
            appeals.c.status,
            func.count(),
        )
        .select_from(appeals.join(notices_t, notices_t.c.id == appeals.c.notice_id))
        .where(appeals.c.status.in_(("reversed", "upheld")))
        .group_by(
            notices_t.c.ground_kind,
            notices_t.c.ground_code,
            notices_t.c.automated,
            appeals.c.status,
        )
    ).all()
    out: dict[tuple[str, bool], dict[str, Any]] = {}
    for kind, code, automated, status, n in rows:
        key = (f"{kind}:{code}", bool(automated))
        e = out.setdefault(key, {"ground": key[0], "automated": key[1], "reversed": 0, "upheld": 0})
        e[status] += int(n)
    for e in out.values():
        e["decided"] = e["reversed"] + e["upheld"]
        e["overturn_rate"] = e["reversed"] / e["decided"]
    return sorted(out.values(), key=lambda e: (e["ground"], e["automated"]))
