"""Repeat offenders (DSA Art. 23): strikes per author and ground, a warning, then suspension.

A *strike* is a restriction that removes or withholds an author's content (automated, by a
reviewer, on a notice or a trusted flagger's report; not an authority's order, which answers to
its own law, and not one reversed on appeal or by a reviewer). Each new restriction has a
``strike.count`` due job (written by the recorder); its effect counts the author's strikes on the
same ground within the pack's ``clocks.strike_window`` and

- at ``clocks.strikes_to_warn`` sends the author a **warning** (a notice, ledgered
  ``account.warned`` on ``account:<author>``), once per window and ground;
- at ``clocks.strikes_to_suspend``, and only once a warning was given in the window — Art. 23(1)
  asks for a prior warning — **suspends** the account for ``clocks.suspension``.

The suspension is a restriction (``ActionType.SUSPEND_ACCOUNT``, source ``repeat_offender``,
global, expiring) recorded on the content item whose strike triggered it: every decision in
Nigran is about a stored item (the ``decisions`` table's key), so the suspension's statement of
reasons names the content that tipped the balance, it is appealed like any other restriction
(``nigran appeals``, per restriction id), and its expiry lifts it through the same due job as any
expiring restriction. ``suspended(conn, author)`` says whether an account is suspended now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, select

from nigran import enforce, ledger, record
from nigran.legal import clocks, notice_text, notices
from nigran.legal.locate import locate
from nigran.model import (
    Action,
    ActionType,
    Decision,
    Lifter,
    Restriction,
    RestrictionSource,
    RuleHit,
    Scope,
)
from nigran.policy.durations import Duration
from nigran.policy.packs import PackSet, default_packs
from nigran.store.tables import content, restrictions

STRIKE_ACTIONS = (ActionType.REMOVE.value, ActionType.WITHHOLD.value)
STRIKE_SOURCES = (
    RestrictionSource.AUTOMATED.value,
    RestrictionSource.REVIEWER.value,
    RestrictionSource.NOTICE.value,
    RestrictionSource.TRUSTED_FLAGGER.value,
    RestrictionSource.APPEAL.value,
)
REVERSED = (Lifter.APPEAL.value, Lifter.REVIEWER.value)
"""Lifts that mean the restriction was wrong: it is no strike."""

WARNING_TEXT = (
    "Warning: {n} of your posts were restricted for {ground} in the last {window}. If this "
    "happens again, your account may be suspended for {suspension} (DSA Art. 23)."
)


def _span(d: Duration) -> timedelta:
    return d.fixed + timedelta(days=30 * d.months + 365 * d.years)


def count(
    conn: Connection, author: str, ground_kind: str, ground_code: str, since: datetime
) -> int:
    """The author's strikes on one ground since ``since``."""
    mine = select(content.c.content_id).where(content.c.author == author).distinct()
    n = conn.execute(
        select(func.count(func.distinct(restrictions.c.id))).where(
            restrictions.c.content_id.in_(mine),
            restrictions.c.ground_kind == ground_kind,
            restrictions.c.ground_code == ground_code,
            restrictions.c.action.in_(STRIKE_ACTIONS),
            restrictions.c.source.in_(STRIKE_SOURCES),
            restrictions.c.created_at >= since,
            (restrictions.c.lifted_by.is_(None)) | (restrictions.c.lifted_by.not_in(REVERSED)),
        )
    ).scalar()
    return int(n or 0)


def _account_events(conn: Connection, author: str, kind: str, ground: str, since: datetime) -> int:
    """Warnings (or suspensions) of ``author`` on ``ground`` since ``since``, from the ledger."""
    n = 0
    for e in ledger.for_subject(conn, f"account:{author}"):
        data = e.data()
        if e.kind == kind and data.get("ground") == ground:
            n += datetime.fromisoformat(str(data["at"])) >= since
    return n


def suspended(conn: Connection, author: str, *, now: datetime) -> bool:
    mine = select(content.c.content_id).where(content.c.author == author).distinct()
    row = conn.execute(
        select(restrictions.c.id)
        .where(
            restrictions.c.content_id.in_(mine),
            restrictions.c.action == ActionType.SUSPEND_ACCOUNT.value,
            restrictions.c.lifted_at.is_(None),
            and_(
                (restrictions.c.expires_at.is_(None)) | (restrictions.c.expires_at > now),
            ),
        )
        .limit(1)
    ).first()
    return row is not None


def on_restriction(
    conn: Connection, restriction_id: str, *, now: datetime, packs: PackSet | None = None
) -> str | None:
    """The ``strike.count`` job's effect. Returns ``"warned"``, ``"suspended"`` or None."""
    packs = packs or default_packs()
    r = enforce.get(conn, restriction_id)
    if r is None or r.action.type.value not in STRIKE_ACTIONS:
        return None
    if r.source.value not in STRIKE_SOURCES or r.lifted_by in (Lifter.APPEAL, Lifter.REVIEWER):
        return None
    item = locate(conn, r.content_id)
    if item is None:
        return None
    pack_id = notices.pack_for_action(r.action, packs, item.upload_country)
    c = clocks.of(packs.pack(pack_id) if pack_id else None)
    since = now - _span(c.strike_window)
    ground = str(r.action.ground)
    n = count(conn, item.author, r.action.ground.kind, r.action.ground.code, since)
    if suspended(conn, item.author, now=now):
        return None
    warned = _account_events(conn, item.author, "account.warned", ground, since)
    if n >= c.strikes_to_suspend and warned:
        _suspend(conn, r, item.author, n, c, packs, now=now)
        return "suspended"
    if n >= c.strikes_to_warn and not warned:
        f = notices.facts_for(
            r.action,
            content_id=r.content_id,
            packs=packs,
            pack_id=pack_id,
            source=r.source.value,
            automated=False,
            automated_detection=False,
        )
        en = notice_text.ground_text(f, "en", r.action.ground.code)
        notices.message(
            conn,
            kind="strike_warning",
            recipient=item.author,
            subject=f"account:{item.author}",
            texts={
                "en": WARNING_TEXT.format(
                    n=n, ground=en, window=c.strike_window, suspension=c.suspension
                )
            },
            language="en",
            content_id=r.content_id,
            now=now,
        )
        ledger.append(
            conn,
            "account.warned",
            f"account:{item.author}",
            {"ground": ground, "strikes": n, "restriction_id": r.id, "at": now.isoformat()},
        )
        return "warned"
    return None


def _suspend(
    conn: Connection,
    strike: Restriction,
    author: str,
    n: int,
    c: clocks.Clocks,
    packs: PackSet,
    *,
    now: datetime,
) -> None:
    item = locate(conn, strike.content_id)
    assert item is not None
    act = Action(
        type=ActionType.SUSPEND_ACCOUNT,
        scope=Scope.everywhere(),
        ground=strike.action.ground,
        expires_at=now + _span(c.suspension),
    )
    d = Decision(
        content_id=item.id,
        content_version=item.version,
        actions=[act],
        automated=True,
        policy_version=packs.version[:64],
        statement=(
            f"Your account is suspended for {c.suspension}: {n} of your posts were restricted "
            f"on the same ground within {c.strike_window}, after a warning (DSA Art. 23)."
        ),
        explanation=[
            RuleHit(rule="repeat_offender", reason=f"{n} strikes on {strike.action.ground}")
        ],
        decided_at=now,
    )
    done = record.record(
        conn, d, source=RestrictionSource.REPEAT_OFFENDER, source_ref=f"account:{author}", now=now
    )
    notices.issue(
        conn,
        decision=d,
        restrictions=done.added,
        recipient=author,
        upload_country=item.upload_country,
        content_language=item.language,
        source="voluntary",
        packs=packs,
        now=now,
    )
    ledger.append(
        conn,
        "account.suspended",
        f"account:{author}",
        {
            "ground": str(strike.action.ground),
            "strikes": n,
            "restriction_id": done.added[0].id if done.added else None,
            "until": act.expires_at.isoformat() if act.expires_at else None,
            "at": now.isoformat(),
        },
    )
