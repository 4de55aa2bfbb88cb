"""Appeals: the author contests one restriction; a different person decides.

- An appeal is against one restriction (an item may have several, each appealable at once:
  an automated age gate and a reviewer's removal are two appeals). It is filed by the content's
  author within the window of the pack whose rule applied (six months in the EU, Art. 20; the
  platform's own six months where a pack sets none), counted from the restriction's notice.
- The pack's clock for deciding applies (India: the grievance officer decides within 7 days);
  it is the appeal case's deadline.
- Decided by a person who did not take the original decision (Art. 20(6): never solely
  automated): the deciding user's id is compared with the restriction's ``decided_by``.
- An appeal against a restriction an authority's order put in place goes to the legal team of
  that jurisdiction and needs the ``legal`` role to decide; filing and outcome are recorded on the
  order, where the authority sees them. Reversed, the restriction is lifted through the order's
  workflow (``Lifter.ORDER``); any other reversed restriction is lifted by the appeal.
- ``overturn_rates`` gives QA the reversal share by ground and by automated/human origin.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select, update

from nigran import enforce, ledger, record
from nigran.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from nigran.legal import notices, orders
from nigran.legal.locate import content_of, locate
from nigran.model import Decision, Lifter, Restriction, RestrictionSource, RuleHit
from nigran.policy.durations import add_duration, parse_duration
from nigran.policy.packs import PackSet, default_packs
from nigran.review.cases import CaseRequest, close, open_cases
from nigran.store.tables_legal import appeals
from nigran.store.tables_legal import notices as notices_t

HUMAN_POLICY_VERSION = "appeal-1"


def _order_id(r: Restriction) -> str | None:
    if r.source is RestrictionSource.ORDER and r.source_ref and r.source_ref.startswith("order:"):
        return r.source_ref.split(":", 1)[1]
    return None


def _notice_of(conn: Connection, r: Restriction) -> Any:
    return conn.execute(
        select(notices_t)
        .where(notices_t.c.restriction_id == r.id, notices_t.c.kind == "restriction")
        .order_by(notices_t.c.created_at, notices_t.c.id)
        .limit(1)
    ).one_or_none()


def _which(conn: Connection, content_id: str, restriction_id: str | None) -> Restriction:
    """The restriction appealed: the one named, or the item's only one in force."""
    in_force = enforce.active(conn, [content_id])[content_id]
    if restriction_id is not None:
        r = next((x for x in in_force if x.id == restriction_id), None)
        if r is None:
            raise NotFound(
                f"no restriction {restriction_id!r} in force on {content_id}",
                where="restriction_id",
            )
        return r
    if not in_force:
        raise InvalidInput(f"content {content_id} has no restriction to appeal", where="content_id")
    if len(in_force) > 1:
        listed = "; ".join(
            f"{r.id}: {r.action.type.value} {r.action.scope} on {r.action.ground}" for r in in_force
        )
        raise InvalidInput(
            f"content {content_id} has {len(in_force)} restrictions in force; name the one "
            f"appealed (restriction_id): {listed}",
            where="restriction_id",
        )
    return in_force[0]


def file(
    conn: Connection,
    *,
    content_id: str,
    appellant: str,
    reason: str,
    restriction_id: str | None = None,
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
    r = _which(conn, item.id, restriction_id)
    open_ = conn.execute(
        select(appeals.c.id).where(appeals.c.restriction_id == r.id, appeals.c.status == "open")
    ).first()
    if open_ is not None:
        raise InvalidTransition(f"appeal {open_.id} on restriction {r.id} is still open")
    n = _notice_of(conn, r)
    pack_id = notices.pack_for_action(r.action, packs, item.upload_country)
    window = notices.appeal_window(packs, pack_id)
    tz = packs.pack(pack_id).tz if pack_id else ZoneInfo("UTC")
    ends = add_duration(n.created_at if n is not None else r.created_at, window, tz)
    if now > ends:
        raise InvalidInput(
            f"the appeal window ({window}) ended at {ends.isoformat()}", where="filed_at"
        )
    within = packs.pack(pack_id).appeal.get("decide_within") if pack_id else None
    due = add_duration(now, parse_duration(within), tz) if within else None
    appeal_id = uuid.uuid4().hex[:20]
    order_id = _order_id(r)
    (case_id,), _ = open_cases(
        conn,
        [
            CaseRequest(
                subject=item.id,
                item=content_of(conn, item),
                language=item.language,
                category=r.action.ground.code if r.action.ground.kind == "policy" else "appeal",
                severity=3 if order_id else 2,
                source="authority_order" if order_id else "appeal",
                jurisdiction=pack_id if order_id else None,
                decision_id=r.decision_id,
                legal_deadline=due,
                excluded_reviewer=r.decided_by,
                escalated_to="legal" if order_id else None,
                ref=f"appeal:{appeal_id}",
            )
        ],
        now=now,
    )
    conn.execute(
        insert(appeals).values(
            id=appeal_id,
            content_id=item.id,
            decision_id=r.decision_id or 0,
            notice_id=n.id if n is not None else None,
            restriction_id=r.id,
            order_id=order_id,
            appellant=appellant,
            reason=reason,
            filed_at=now,
            window_ends_at=ends,
            due_at=due,
            status="open",
            original_decider=r.decided_by,
            case_id=case_id,
        )
    )
    ledger.append(
        conn,
        "appeal.filed",
        item.id,
        {
            "appeal_id": appeal_id,
            "restriction_id": r.id,
            "decision_id": r.decision_id,
            "notice_id": n.id if n is not None else None,
            "order_id": order_id,
            "appellant": appellant,
            "case_id": case_id,
            "at": now.isoformat(),
            "window_ends_at": ends.isoformat(),
            "due_at": due.isoformat() if due else None,
        },
    )
    if order_id:
        orders.note_appeal(
            conn,
            order_id,
            "appeal_filed",
            actor=f"author:{appellant}",
            now=now,
            detail={"appeal_id": appeal_id, "item": item.id, "restriction_id": r.id},
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
    reviewer_roles: Collection[str] = ("reviewer",),
    profile_language: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """``reviewer`` is the deciding person's user id (authenticated by the edge: a console
    session, an API key, or the CLI's named user), ``reviewer_roles`` their roles."""
    a = get(conn, appeal_id)
    if a["status"] != "open":
        raise InvalidTransition(f"appeal {appeal_id} was already decided ({a['status']})")
    if not reviewer or reviewer.startswith(("auto", "policy:")):
        raise InvalidInput("an appeal is decided by a named person", where="reviewer")
    if a["original_decider"] and reviewer.casefold() == str(a["original_decider"]).casefold():
        raise InvalidTransition(
            f"{reviewer} took the original decision; another person must decide the appeal"
        )
    if outcome not in ("reversed", "upheld"):
        raise InvalidInput("outcome is 'reversed' or 'upheld'", where="outcome")
    if not reason.strip():
        raise InvalidInput("give the reasons for the outcome", where="reason")
    order_id = a.get("order_id")
    if order_id and not ({"legal", "admin"} & set(reviewer_roles)):
        raise Forbidden(
            f"appeal {appeal_id} is against a restriction ordered by an authority "
            f"(order {order_id}): a person with the legal role decides it",
            where=reviewer,
        )
    item = locate(conn, a["content_id"])
    assert item is not None
    r = enforce.get(conn, a["restriction_id"]) if a.get("restriction_id") else None
    if r is None:
        raise NotFound(f"appeal {appeal_id} names no restriction", where="appeal")
    new_id = None
    if outcome == "reversed" and r.lifted_at is None:
        done = record.record(
            conn,
            Decision(
                content_id=item.id,
                content_version=item.version,
                actions=[],
                automated=False,
                decided_by=reviewer,
                policy_version=HUMAN_POLICY_VERSION,
                statement=f"Appeal {appeal_id} reversed: {reason}",
                explanation=[RuleHit(rule=f"appeal:{appeal_id}", reason=reason)],
                decided_at=now,
            ),
            source=RestrictionSource.APPEAL,
            source_ref=f"appeal:{appeal_id}",
            lift=[r],
            # An order's restriction ends through the order's own workflow: a legal decision.
            lifter=Lifter.ORDER if order_id else Lifter.APPEAL,
            lifted_ref=f"appeal:{appeal_id}",
            extra={"appeal_id": appeal_id},
            now=now,
        )
        new_id = done.decision_id
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
    close(conn, a["case_id"], outcome, now)
    ledger.append(
        conn,
        "appeal.decided",
        item.id,
        {
            "appeal_id": appeal_id,
            "restriction_id": r.id,
            "outcome": outcome,
            "reviewer": reviewer,
            "reason": reason,
            "new_decision_id": new_id,
            "within_clock": None if a.get("due_at") is None else now <= a["due_at"],
            "at": now.isoformat(),
        },
    )
    if order_id:
        orders.note_appeal(
            conn,
            order_id,
            "appeal_decided",
            actor=f"reviewer:{reviewer}",
            now=now,
            detail={
                "appeal_id": appeal_id,
                "item": item.id,
                "restriction_id": r.id,
                "outcome": outcome,
            },
        )
    _tell(conn, a, item.id, item.language, r, outcome, reason, profile_language, now)
    return get(conn, appeal_id)


def _tell(
    conn: Connection,
    a: dict[str, Any],
    content_id: str,
    language: str | None,
    r: Restriction,
    outcome: str,
    reason: str,
    profile_language: str | None,
    now: datetime,
) -> None:
    appeal_id = a["id"]
    lang = notices.choose_language(profile_language, language)
    countries = r.action.scope.countries
    scope_en = "everywhere" if countries is None else "in " + ", ".join(countries)
    scope_ur = (
        "ہر جگہ"
        if countries is None
        else "، ".join(notices.COUNTRY_UR.get(c, c) for c in countries) + " میں"
    )
    texts = {
        "en": (
            f"Your appeal {appeal_id} about content {content_id} was decided by a person "
            "who did not take the original decision: "
            + (
                f"the restriction was lifted ({r.action.type.value} {scope_en})."
                if outcome == "reversed"
                else "the decision was upheld."
            )
            + f" Reasons: {reason}"
        ),
        "ur": (
            f"آپ کی اپیل ({appeal_id}) پر، جو مواد ({content_id}) سے متعلق تھی، ایک ایسے "
            "شخص نے فیصلہ کیا ہے جس نے اصل فیصلہ نہیں کیا تھا: "
            + (
                f"{scope_ur} لگائی گئی پابندی ختم کر دی گئی ہے۔"
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
        subject=content_id,
        texts=texts,
        language=lang,
        content_id=content_id,
        now=now,
    )


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
