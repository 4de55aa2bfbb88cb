"""Statements of reasons: what the author of restricted content is told, in their language.

Every restrictive decision (automated or human, on an order, a report or the platform's own
terms) gets one notice naming the restriction, where it applies and for how long, the facts, the
ground (law or terms), whether automation was used, and every way to challenge it that the
regime of the applicable pack gives (DSA Art. 17(3); the PK pack also asks for a
government-request flag). The words are in :mod:`nigran.legal.notice_text` (en, ur, de, hi, fr);
the author's profile language wins, else the language detected on the content. Where a pack says
the law forbids telling the user (e.g. India's s.69A blocking directions), the notice is
*recorded* as withheld by law, with the citation, and no text is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select

from nigran import languages, ledger
from nigran.legal import notice_text
from nigran.model import Action, Decision, Restriction, RestrictionSource
from nigran.policy.durations import Duration, parse_duration
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.store.tables import decisions, restrictions
from nigran.store.tables_legal import notices, orders

LANGUAGES = languages.notice_languages()
COUNTRY_UR = notice_text.COUNTRY["ur"]
GROUND_UR = notice_text.GROUND_UR
Facts = notice_text.Facts
render = notice_text.render


def choose_language(profile_language: str | None, content_language: str | None) -> str:
    """The author's profile language if we have a template for it, else by detection."""
    for lang in (profile_language, content_language):
        if not lang:
            continue
        # The table says which language a reader of ``lang`` gets notices in (Urdu for
        # Arabic-script languages of Pakistan and Roman Urdu); a code it does not know, or
        # "undetermined", says nothing: the next clue decides.
        found = languages.find(lang)
        if found is not None and found.notice:
            return found.notice
    return "en"


def regime(packs: PackSet, pack_id: str | None) -> str | None:
    """Which redress regime a pack belongs to: ``dsa`` (the EU pack and the packs that extend
    it), ``pk``, ``in``, or None (the platform's own appeal only)."""
    seen: set[str] = set()
    while pack_id is not None and pack_id not in seen:
        seen.add(pack_id)
        if pack_id in ("EU", "PK", "IN"):
            return {"EU": "dsa", "PK": "pk", "IN": "in"}[pack_id]
        pack_id = packs.pack(pack_id).extends
    return None


def facts_for(
    action: Action,
    *,
    content_id: str,
    packs: PackSet,
    pack_id: str | None,
    source: str,
    automated: bool,
    automated_detection: bool,
    authority: str | None = None,
) -> notice_text.Facts:
    """What a notice about ``action`` says, in no language yet."""
    law = action.ground.kind == "law"
    g = packs.grounds.get(action.ground.code) if law else None
    cat = taxonomy().get(action.ground.code) if not law else None
    pack = packs.pack(pack_id) if pack_id else None
    decide = pack.appeal.get("decide_within") if pack else None
    return notice_text.Facts(
        content_id=content_id,
        action=action,
        ground_basis=(g.legal_basis if g else action.ground.code) if law else None,
        ground_label_en=(g.label if g else action.ground.code)
        if law
        else (cat.name if cat else action.ground.code),
        category=(g.categories[0] if g and g.categories else None) if law else action.ground.code,
        source=source,
        automated=automated,
        automated_detection=automated_detection,
        appeal_window=appeal_window(packs, pack_id),
        routes=notice_text.routes_for(regime(packs, pack_id), law=law, order=source == "order"),
        authority=authority,
        decide_within=parse_duration(decide) if isinstance(decide, str) else None,
    )


def pack_for_action(action: Action, packs: PackSet, upload_country: str | None) -> str | None:
    """Which pack's appeal rules apply: the law's own pack, else the upload country's."""
    if action.ground.kind == "law" and action.ground.code in packs.grounds:
        return packs.grounds[action.ground.code].pack
    if upload_country:
        hits = packs.packs_for_country(upload_country)
        if hits:
            return hits[0].id
    return None


_SOURCES = {
    "voluntary": "voluntary",
    "reviewer": "reviewer",
    "user_report": "user_report",
    "notice": "user_report",
    "trusted_flagger": "trusted_flagger",
    "order": "order",
    "appeal": "appeal",
}
"""``issue``'s ``source`` -> the facts sentence a notice opens its facts with."""

DEFAULT_APPEAL_WINDOW = Duration("P6M", months=6)
"""Where a pack sets no window, the platform's own: six months, the DSA's minimum."""


def appeal_window(packs: PackSet, pack_id: str | None) -> Duration:
    if pack_id is None:
        return DEFAULT_APPEAL_WINDOW
    return packs.pack(pack_id).appeal_window or DEFAULT_APPEAL_WINDOW


def issue(
    conn: Connection,
    *,
    decision: Decision,
    restrictions: Sequence[Restriction],
    recipient: str,
    upload_country: str | None,
    content_language: str | None,
    profile_language: str | None = None,
    source: str = "voluntary",
    automated_detection: bool | None = None,
    government_request: bool = False,
    withheld_by_law: str | None = None,
    order_id: str | None = None,
    packs: PackSet | None = None,
    now: datetime,
) -> list[str]:
    """One statement of reasons per restriction ``decision`` put in place, in the author's
    language, its facts written from the restriction's own facts (never from free text);
    ``withheld_by_law`` is the citation when the law forbids telling the author (the notice is
    recorded, not sent)."""
    packs = packs or default_packs()
    lang = choose_language(profile_language, content_language)
    kind = "order" if government_request or order_id else source
    authority = None
    if order_id is not None:
        authority = conn.execute(
            select(orders.c.authority_id).where(orders.c.id == order_id)
        ).scalar()
    ids = []
    entries: list[tuple[str, str, object]] = []
    for restriction in restrictions:
        action = restriction.action
        pack_id = pack_for_action(action, packs, upload_country)
        facts = facts_for(
            action,
            content_id=decision.content_id,
            packs=packs,
            pack_id=pack_id,
            source=_SOURCES.get(kind, "reviewer"),
            automated=decision.automated,
            automated_detection=decision.automated
            if automated_detection is None
            else automated_detection,
            authority=authority,
        )
        text = "" if withheld_by_law else render(lang, facts)
        nid = uuid.uuid4().hex
        conn.execute(
            insert(notices).values(
                id=nid,
                kind="restriction",
                content_id=decision.content_id,
                decision_id=restriction.decision_id,
                restriction_id=restriction.id,
                recipient=recipient,
                language=lang,
                text=text,
                ground_kind=action.ground.kind,
                ground_code=action.ground.code,
                scope=str(action.scope),
                automated=decision.automated,
                source=source,
                withheld_by_law=withheld_by_law is not None,
                withheld_citation=withheld_by_law,
                order_id=order_id,
                created_at=now,
            )
        )
        entries.append(
            (
                "notice.withheld_by_law" if withheld_by_law else "notice.sent",
                decision.content_id,
                {
                    "notice_id": nid,
                    "decision_id": restriction.decision_id,
                    "restriction_id": restriction.id,
                    "recipient": recipient,
                    "language": lang,
                    "ground": str(action.ground),
                    "scope": str(action.scope),
                    "citation": withheld_by_law,
                    "at": now.isoformat(),
                },
            )
        )
        ids.append(nid)
    ledger.append_many(conn, entries)
    return ids


def message(
    conn: Connection,
    *,
    kind: str,
    recipient: str,
    subject: str,
    texts: dict[str, str],
    language: str,
    content_id: str = "",
    now: datetime,
) -> str:
    """A notice that is not a statement of reasons (appeal outcome, reporter warning...)."""
    lang = language if language in texts else "en"
    nid = uuid.uuid4().hex
    conn.execute(
        insert(notices).values(
            id=nid,
            kind=kind,
            content_id=content_id,
            recipient=recipient,
            language=lang,
            text=texts[lang],
            automated=False,
            source="platform",
            withheld_by_law=False,
            created_at=now,
        )
    )
    ledger.append(
        conn,
        "notice.sent",
        subject,
        {"notice_id": nid, "kind": kind, "recipient": recipient, "language": lang},
    )
    return nid


def issue_pending(
    conn: Connection, *, packs: PackSet | None = None, now: datetime, limit: int = 10_000
) -> list[str]:
    """Statements of reasons for automated restrictions that have none yet (the pipeline's);
    the people's workflows (reviewers, orders, notices, appeals) send their own."""
    from nigran.legal.locate import locate
    from nigran.store.queries import decision_from_row, restriction_from_row

    have = select(notices.c.restriction_id).where(notices.c.restriction_id.is_not(None))
    rows = conn.execute(
        select(restrictions)
        .where(
            restrictions.c.source == RestrictionSource.AUTOMATED.value,
            restrictions.c.lifted_at.is_(None),
            restrictions.c.id.not_in(have),
        )
        .order_by(restrictions.c.decision_id, restrictions.c.id)
        .limit(limit)
    ).all()
    by_decision: dict[int, list[Restriction]] = {}
    for r in rows:
        by_decision.setdefault(int(r.decision_id), []).append(restriction_from_row(r))
    out: list[str] = []
    for did, rs in by_decision.items():
        d = decision_from_row(conn.execute(select(decisions).where(decisions.c.id == did)).one())
        item = locate(conn, d.content_id)
        if item is None:
            continue
        out += issue(
            conn,
            decision=d,
            restrictions=rs,
            recipient=item.author,
            upload_country=item.upload_country,
            content_language=item.language,
            source="voluntary",
            packs=packs,
            now=now,
        )
    return out
