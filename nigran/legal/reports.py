"""User reports (DSA Art. 16 notices), trusted flaggers, and abusive-reporter suspension.

- A report carries what Art. 16 needs: a substantiated explanation, the exact location, the
  reporter's name and email (not required for child sexual abuse reports) and a good-faith
  statement. A report missing any of them is refused with every missing field named.
- Trusted flaggers are accounts awarded the status by a coordinator, per jurisdiction and areas
  of expertise (:func:`add_trusted_flagger`, :func:`revoke_trusted_flagger`); a notice is a
  trusted flagger's only when that account files it authenticated (``flagger``), within its
  areas. Their reports go to their own lane (``trusted:<CC>``) with their own priority and the
  pack's trusted-flagger clock (Art. 22).
- Every other report's priority is the category's severity times the reporter's weight, a
  smoothed share of their past reports found founded: reporters with a record of unfounded
  reports sink in the queue. Past ``WARN_AT`` unfounded reports they are warned; past
  ``SUSPEND_AT`` (after a warning, and with most of their reports unfounded) they are suspended
  from reporting for ``SUSPENSION`` (Art. 23), with a notice each time.
- The notifier hears from us twice (Art. 16(4) and (5)): a receipt when the report arrives, and
  the decision with the redress open to them. A decision not to act can be contested within
  ``CONTEST_WINDOW`` (Art. 20): :func:`contest` reopens the report as ``contested`` with a case
  in the appeals lane that its first decider may not take; the new decision (:func:`resolve`,
  by another person) may then act, as an ``appeal`` restriction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert, select, update

from nigran import ledger, record
from nigran.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ReporterSuspended,
)
from nigran.legal import notices
from nigran.legal.locate import content_of, locate
from nigran.model import (
    Action,
    ActionType,
    Country,
    Decision,
    Ground,
    RestrictionSource,
    RuleHit,
    Scope,
)
from nigran.policy.deadlines import order_deadline
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.review.cases import CaseRequest, close, open_cases
from nigran.store.tables import cases
from nigran.store.tables_legal import reporters, reports, trusted_flaggers

WARN_AT = 3
SUSPEND_AT = 5
SUSPEND_SHARE = 0.7
"""Suspend only reporters most of whose decided reports were unfounded."""
SUSPENSION = timedelta(days=30)
CONTEST_WINDOW = timedelta(days=183)
"""Art. 20(1): a complaint may be lodged for at least six months after the decision."""
IDENTITY_EXEMPT = frozenset({"child_safety"})
"""Categories whose reporters need not give name and email (Art. 16(2)(c))."""
MIN_EXPLANATION = 10


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(description="The exact location: content id or URL.")
    reporter: str
    category: str
    explanation: str = ""
    reporter_name: str | None = None
    reporter_email: str | None = None
    good_faith: bool = False
    jurisdiction: Country | None = None
    legal_ground: str | None = None
    confidential: bool = False
    """The notifier asks that their identity be withheld from the author (it is anyway where the
    pack's notice type says ``complainant_confidential``)."""


WITHHELD = "withheld (confidential)"
_IDENTITY = ("reporter", "reporter_name", "reporter_email")


def view(row: dict[str, Any], *, legal: bool) -> dict[str, Any]:
    """A report as someone may see it: a confidential notifier's identity only for staff with the
    legal role (the author, the platform acting for users, authorities and reviewers see
    :data:`WITHHELD` instead)."""
    if legal or not row.get("complainant_confidential"):
        return row
    return {**row, **{k: WITHHELD for k in _IDENTITY if row.get(k) is not None}}


def add_trusted_flagger(
    conn: Connection,
    id: str,
    name: str,
    jurisdiction: str,
    *,
    awarded_by: str,
    expertise: Sequence[str],
    account: str | None = None,
    awarded_at: datetime | None = None,
    recorded_by: str | None = None,
    priority: float = 1.0,
    now: datetime,
) -> dict[str, Any]:
    """Award trusted-flagger status (DSA Art. 22) in ``jurisdiction`` to the platform account
    ``account`` (default ``id``): status awarded by ``awarded_by`` (a Digital Services
    Coordinator, e.g. Bundesnetzagentur) on ``awarded_at`` for the taxonomy categories in
    ``expertise``; recorded by the legal staff member ``recorded_by``. Only notices that account
    files authenticated (``submit(..., flagger=account)``), within those areas, count as a
    trusted flagger's. Awarding again (after a revocation, or to change the areas) updates it."""
    if not awarded_by.strip():
        raise InvalidInput(
            "a trusted flagger needs the authority that awarded its status", where="awarded_by"
        )
    areas = sorted(set(expertise))
    unknown = [c for c in areas if c not in taxonomy()]
    if not areas or unknown:
        raise InvalidInput(
            f"expertise must name taxonomy categories (unknown: {unknown})"
            if unknown
            else "a trusted flagger needs at least one area of expertise",
            where="expertise",
        )
    values = {
        "name": name,
        "jurisdiction": jurisdiction.upper(),
        "priority": priority,
        "active": True,
        "awarded_by": awarded_by.strip(),
        "expertise": areas,
        "account": account or id,
        "awarded_at": awarded_at or now,
        "recorded_by": recorded_by,
        "revoked_at": None,
        "revoked_by": None,
    }
    have = conn.execute(select(trusted_flaggers.c.id).where(trusted_flaggers.c.id == id)).first()
    if have is None:
        conn.execute(insert(trusted_flaggers).values(id=id, created_at=now, **values))
    else:
        conn.execute(update(trusted_flaggers).where(trusted_flaggers.c.id == id).values(**values))
    entry = {
        "id": id,
        **{k: v for k, v in values.items() if k not in ("active", "revoked_at", "revoked_by")},
        "awarded_at": (awarded_at or now).isoformat(),
        "at": now.isoformat(),
    }
    ledger.append(conn, "trusted_flagger.added", f"reporter:{id}", entry)
    return {"id": id, **values}


def revoke_trusted_flagger(
    conn: Connection, id: str, *, by: str, reason: str, now: datetime
) -> dict[str, Any]:
    """Revoke a trusted flagger's status (the coordinator withdrew it, Art. 22(6)); its notices
    from now on are ordinary notices. Recorded by the legal staff member ``by``, ledgered."""
    row = conn.execute(select(trusted_flaggers).where(trusted_flaggers.c.id == id)).one_or_none()
    if row is None:
        raise NotFound(f"no trusted flagger {id!r}", where="trusted_flagger")
    if not row.active:
        raise InvalidTransition(f"trusted flagger {id} is not active (revoked {row.revoked_at})")
    if not reason.strip():
        raise InvalidInput("say why the status is revoked", where="reason")
    conn.execute(
        update(trusted_flaggers)
        .where(trusted_flaggers.c.id == id)
        .values(active=False, revoked_at=now, revoked_by=by)
    )
    ledger.append(
        conn,
        "trusted_flagger.revoked",
        f"reporter:{id}",
        {"id": id, "by": by, "reason": reason.strip(), "at": now.isoformat()},
    )
    return {**dict(row._mapping), "active": False, "revoked_at": now, "revoked_by": by}


def list_trusted_flaggers(conn: Connection) -> list[dict[str, Any]]:
    """Every trusted flagger, active or revoked, with its award (for legal staff)."""
    rows = conn.execute(select(trusted_flaggers).order_by(trusted_flaggers.c.id))
    return [dict(r._mapping) for r in rows]


def trusted_flagger_of(
    conn: Connection, account: str, jurisdiction: str | None, category: str
) -> Any:
    """The trusted-flagger status ``account`` holds for a notice in ``jurisdiction`` on
    ``category``, or None: the account must hold active status there, within its expertise."""
    if not jurisdiction:
        return None
    row = conn.execute(
        select(trusted_flaggers).where(
            trusted_flaggers.c.account == account,
            trusted_flaggers.c.jurisdiction == jurisdiction,
            trusted_flaggers.c.active.is_(True),
        )
    ).first()
    # Status holds only within the areas it was awarded for (Art. 22(2)(a)).
    if row is None or category not in (row.expertise or ()):
        return None
    return row


def _reporter(conn: Connection, rid: str) -> Any:
    return conn.execute(select(reporters).where(reporters.c.id == rid)).one_or_none()


def weight(founded: int, unfounded: int) -> float:
    """Laplace-smoothed share of founded reports: a new reporter starts at 0.5 (times 2 = 1)."""
    return 2.0 * (founded + 1) / (founded + unfounded + 2)


def _notice_type(
    packs: PackSet, jurisdiction: str | None, trusted: bool, now: datetime
) -> tuple[datetime | None, bool]:
    """The pack's clock for a notice (trusted-flagger notice or ordinary notice/complaint), and
    whether that notice type keeps the complainant's identity confidential."""
    if not jurisdiction:
        return None, False
    for p in packs.packs_for_country(jurisdiction):
        for o in p.order_types.values():
            if not o.active or o.kind not in ("notice", "complaint"):
                continue
            if trusted != any("TRUSTED" in f for f in o.from_):
                continue
            if not trusted and not any(
                p2.regulators.get(f, {}).get("type") in ("user", "notifier")
                for p2 in packs.packs.values()
                for f in o.from_
            ):
                continue
            try:
                return order_deadline(p, o.id, now).act_by, o.complainant_confidential
            except Exception:  # no term in force on that date: no clock
                continue
    return None, False


def submit(
    conn: Connection,
    r: ReportIn,
    *,
    now: datetime,
    packs: PackSet | None = None,
    flagger: str | None = None,
) -> dict[str, Any]:
    """File a notice. ``flagger`` is the authenticated account filing it (a ``flagger`` API
    key's principal): the notice is a trusted flagger's only if that account holds the status
    in the notice's jurisdiction and category; it is then filed under the flagger's id."""
    packs = packs or default_packs()
    if r.category not in taxonomy():
        raise InvalidInput(f"unknown category {r.category!r}", where="category")
    # Trusted-flagger status is the authenticated account's, never a reporter id in the body.
    tf = trusted_flagger_of(conn, flagger, r.jurisdiction, r.category) if flagger else None
    if flagger is not None:
        r = r.model_copy(update={"reporter": tf.id if tf is not None else flagger})
    rep = _reporter(conn, r.reporter)
    if rep is not None and rep.suspended_until is not None and rep.suspended_until > now:
        raise ReporterSuspended(
            f"reporter {r.reporter} is suspended from reporting until "
            f"{rep.suspended_until.isoformat()} (too many unfounded reports)",
            where="reporter",
        )
    exempt = r.category in IDENTITY_EXEMPT
    problems = []
    if len(r.explanation.strip()) < MIN_EXPLANATION:
        problems.append(
            f"explanation: say why the content is illegal or breaks the terms "
            f"(at least {MIN_EXPLANATION} characters)"
        )
    if not r.content.strip():
        problems.append("content: the exact location (id or URL) is required")
    if not exempt and tf is None:
        if not (r.reporter_name or "").strip():
            problems.append("reporter_name: required (except for child sexual abuse reports)")
        if "@" not in (r.reporter_email or ""):
            problems.append(
                "reporter_email: a valid email is required (except for child sexual abuse reports)"
            )
    if not r.good_faith:
        problems.append(
            "good_faith: confirm the report is accurate and complete to the best of your knowledge"
        )
    if problems:
        raise InvalidInput("; ".join(problems), where="report")
    item = locate(conn, r.content)
    if item is None:
        raise NotFound(f"no content at {r.content!r}", where="content")
    severity = taxonomy()[r.category].severity
    # ``priority`` here is the factor on the review room's case priority (which already ranks
    # trusted flaggers above users): the flagger's own, or the reporter's record.
    if tf is not None:
        source, lane, w = "trusted_flagger", f"trusted:{r.jurisdiction}", 1.0
        priority = float(tf.priority)
    else:
        source = "notice"
        lane = f"reports:{r.jurisdiction}" if r.jurisdiction else "reports"
        w = weight(rep.founded, rep.unfounded) if rep is not None else 1.0
        priority = w
    due, confidential = _notice_type(packs, r.jurisdiction, tf is not None, now)
    report_id = uuid.uuid4().hex[:20]
    (case_id,), _ = open_cases(
        conn,
        [
            CaseRequest(
                subject=item.id,
                item=content_of(conn, item),
                language=item.language,
                category=r.category,
                severity=severity,
                source="trusted_flagger" if tf is not None else "user_report",
                legal_deadline=due,
                priority_factor=priority,
                ref=f"report:{report_id}",
            )
        ],
        now=now,
    )
    case = conn.execute(select(cases.c.queue, cases.c.priority).where(cases.c.id == case_id)).one()
    lane, priority = case.queue, float(case.priority)
    conn.execute(
        insert(reports).values(
            id=report_id,
            content_id=item.id,
            reporter=r.reporter,
            source=source,
            jurisdiction=r.jurisdiction,
            category=r.category,
            legal_ground=r.legal_ground,
            explanation=r.explanation,
            location=r.content,
            reporter_name=r.reporter_name,
            reporter_email=r.reporter_email,
            identity_exempt=exempt,
            good_faith=r.good_faith,
            lane=lane,
            priority=priority,
            weight=w,
            status="open",
            case_id=case_id,
            received_at=now,
            complainant_confidential=confidential or r.confidential,
        )
    )
    if rep is None:
        conn.execute(
            insert(reporters).values(id=r.reporter, founded=0, unfounded=0, updated_at=now)
        )
    ledger.append(
        conn,
        "report.received",
        item.id,
        {
            "report_id": report_id,
            "source": source,
            "jurisdiction": r.jurisdiction,
            "lane": lane,
            "priority": priority,
            "weight": w,
            "category": r.category,
            "case_id": case_id,
            "at": now.isoformat(),
            "deadline": due.isoformat() if due else None,
        },
    )
    notices.message(
        conn,
        kind="report_receipt",
        recipient=r.reporter,
        subject=f"report:{report_id}",
        language="en",
        content_id=item.id,
        now=now,
        texts={
            "en": f"We received your report {report_id} about {r.content} "
            f"({r.category}) on {now:%Y-%m-%d %H:%M} UTC. We will tell you what we decide."
        },
    )
    return get(conn, report_id)


def get(conn: Connection, report_id: str) -> dict[str, Any]:
    row = conn.execute(select(reports).where(reports.c.id == report_id)).one_or_none()
    if row is None:
        raise NotFound(f"no report {report_id!r}", where="report")
    return dict(row._mapping)


def reporter_status(conn: Connection, rid: str) -> dict[str, Any]:
    row = _reporter(conn, rid)
    if row is None:
        raise NotFound(f"no reporter {rid!r}", where="reporter")
    out = dict(row._mapping)
    out["weight"] = weight(row.founded, row.unfounded)
    return out


def resolve(
    conn: Connection,
    report_id: str,
    *,
    founded: bool,
    reviewer: str,
    action: ActionType | None = None,
    scope: str | None = None,
    now: datetime,
    packs: PackSet | None = None,
) -> dict[str, Any]:
    """Decide a report. A founded report may act on the content (``action`` in ``scope``:
    ``global`` or a country); an unfounded one counts against the reporter."""
    packs = packs or default_packs()
    r = get(conn, report_id)
    contested = r["status"] == "contested"
    if r["status"] not in ("open", "contested"):
        raise InvalidTransition(f"report {report_id} was already resolved ({r['status']})")
    if contested and reviewer.lower() == str(r["resolved_by"]).lower():
        raise Forbidden(
            f"{reviewer} decided report {report_id} before: a complaint is decided by another "
            "person (DSA Art. 20(6))",
            where="reviewer",
        )
    status = "founded" if founded else "unfounded"
    conn.execute(
        update(reports)
        .where(reports.c.id == report_id)
        .values(status=status, resolved_at=now, resolved_by=reviewer)
    )
    close(conn, r["case_id"], status, now)
    ledger.append(
        conn,
        "report.resolved",
        r["content_id"],
        {"report_id": report_id, "status": status, "reviewer": reviewer, "at": now.isoformat()},
    )
    if founded and action is not None:
        item = locate(conn, r["content_id"])
        assert item is not None
        where = Scope.everywhere() if scope in (None, "global") else Scope.only(scope)
        ground = (
            Ground(kind="law", code=r["legal_ground"])
            if r["legal_ground"]
            else Ground(kind="policy", code=r["category"])
        )
        act = Action(
            type=action,
            scope=where,
            ground=ground,
            min_age=18 if action is ActionType.AGE_RESTRICT else None,
        )
        d = Decision(
            content_id=item.id,
            content_version=item.version,
            actions=[act],
            automated=False,
            decided_by=reviewer,
            policy_version=packs.version[:64],
            statement=f"Reported content reviewed ({r['category']}).",
            explanation=[
                RuleHit(
                    rule=f"report:{report_id}", reason=f"{r['source']} report on {r['category']}"
                )
            ],
            decided_at=now,
        )
        done = record.record(
            conn,
            d,
            source=RestrictionSource.APPEAL
            if contested
            else RestrictionSource.TRUSTED_FLAGGER
            if r["source"] == "trusted_flagger"
            else RestrictionSource.NOTICE,
            source_ref=f"report:{report_id}",
            extra={"report_id": report_id},
            now=now,
        )
        notices.issue(
            conn,
            decision=d,
            restrictions=done.added,
            recipient=item.author,
            upload_country=item.upload_country,
            content_language=item.language,
            source=r["source"],
            automated_detection=False,
            packs=packs,
            now=now,
        )
    if r["source"] != "trusted_flagger":
        if contested:
            # The complaint replaces the first decision in the reporter's record.
            conn.execute(
                update(reporters)
                .where(reporters.c.id == r["reporter"])
                .values(unfounded=reporters.c.unfounded - 1)
            )
        _count(conn, r["reporter"], founded, now)
    _tell_decision(conn, r, founded=founded, acted=founded and action is not None, now=now)
    return get(conn, report_id)


def _tell_decision(
    conn: Connection, r: dict[str, Any], *, founded: bool, acted: bool, now: datetime
) -> None:
    """The notifier's decision notice (Art. 16(5)), with the redress open to them."""
    if acted:
        text = (
            f"We reviewed your report {r['id']} about {r['location']} and acted on it: the "
            "content is restricted. Thank you."
        )
    elif founded:
        text = f"We reviewed your report {r['id']} about {r['location']}: you were right."
    else:
        text = (
            f"We reviewed your report {r['id']} about {r['location']} and did not find that it "
            f"breaks the law or our terms. You can contest this decision until "
            f"{now + CONTEST_WINDOW:%Y-%m-%d} (DSA Art. 20); another person will review it."
        )
    notices.message(
        conn,
        kind="report_decision",
        recipient=r["reporter"],
        subject=f"report:{r['id']}",
        language="en",
        content_id=r["content_id"],
        now=now,
        texts={"en": text},
    )


def contest(
    conn: Connection,
    report_id: str,
    *,
    by: str,
    reasons: str,
    now: datetime,
) -> dict[str, Any]:
    """The notifier's complaint against a decision not to act on their report (DSA Art. 20):
    the report is ``contested`` again, with a case in the appeals lane its first decider may not
    take, and :func:`resolve` by another person decides it (and may act)."""
    r = get(conn, report_id)
    if by.lower() != str(r["reporter"]).lower():
        raise Forbidden("only the notifier may contest the decision on a report", where="by")
    if r["status"] != "unfounded":
        raise InvalidTransition(
            f"report {report_id} is {r['status']}: only a decision not to act can be contested"
        )
    if r["resolved_at"] is not None and now > r["resolved_at"] + CONTEST_WINDOW:
        raise InvalidTransition(
            f"the decision on report {report_id} can no longer be contested (after "
            f"{r['resolved_at'] + CONTEST_WINDOW:%Y-%m-%d})"
        )
    if len(reasons.strip()) < MIN_EXPLANATION:
        raise InvalidInput("say why the decision is wrong", where="reasons")
    item = locate(conn, r["content_id"])
    if item is None:
        raise NotFound(f"content {r['content_id']} is gone", where="content")
    (case_id,), _ = open_cases(
        conn,
        [
            CaseRequest(
                subject=item.id,
                item=content_of(conn, item),
                language=item.language,
                category=r["category"],
                severity=taxonomy()[r["category"]].severity,
                source="appeal",
                excluded_reviewer=r["resolved_by"],
                ref=f"report:{report_id}",
            )
        ],
        now=now,
    )
    conn.execute(
        update(reports).where(reports.c.id == report_id).values(status="contested", case_id=case_id)
    )
    ledger.append(
        conn,
        "report.contested",
        r["content_id"],
        {
            "report_id": report_id,
            "by": by,
            "reasons": reasons,
            "case_id": case_id,
            "first_decided_by": r["resolved_by"],
            "at": now.isoformat(),
        },
    )
    notices.message(
        conn,
        kind="complaint_receipt",
        recipient=r["reporter"],
        subject=f"report:{report_id}",
        language="en",
        content_id=r["content_id"],
        now=now,
        texts={
            "en": f"We received your complaint about our decision on report {report_id}. "
            "Someone who did not take that decision will review it."
        },
    )
    return get(conn, report_id)


def _count(conn: Connection, rid: str, founded: bool, now: datetime) -> None:
    rep = _reporter(conn, rid)
    f = rep.founded + (1 if founded else 0)
    u = rep.unfounded + (0 if founded else 1)
    values: dict[str, Any] = {"founded": f, "unfounded": u, "updated_at": now}
    share = u / (f + u)
    if not founded and u >= SUSPEND_AT and share >= SUSPEND_SHARE and rep.warned_at is not None:
        until = now + SUSPENSION
        values["suspended_until"] = until
        notices.message(
            conn,
            kind="reporter_suspension",
            recipient=rid,
            subject=f"reporter:{rid}",
            language="en",
            now=now,
            texts={
                "en": f"You are suspended from reporting until {until:%Y-%m-%d} because {u} of "
                f"your {f + u} reports were found unfounded (DSA Art. 23). You can "
                "contest this suspension.",
                "ur": f"آپ کی {f + u} رپورٹس میں سے {u} بے بنیاد پائی گئیں، اس لیے آپ "
                f"{until:%Y-%m-%d} تک رپورٹ نہیں کر سکیں گے۔ آپ اس معطلی کو چیلنج کر "
                "سکتے ہیں۔",
            },
        )
        ledger.append(
            conn,
            "reporter.suspended",
            f"reporter:{rid}",
            {
                "reporter": rid,
                "until": until.isoformat(),
                "unfounded": u,
                "founded": f,
                "at": now.isoformat(),
            },
        )
    elif not founded and u >= WARN_AT and rep.warned_at is None:
        values["warned_at"] = now
        notices.message(
            conn,
            kind="reporter_warning",
            recipient=rid,
            subject=f"reporter:{rid}",
            language="en",
            now=now,
            texts={
                "en": f"{u} of your reports were found unfounded. If this continues you may be "
                "suspended from reporting for a time (DSA Art. 23).",
                "ur": f"آپ کی {u} رپورٹس بے بنیاد پائی گئیں۔ اگر یہ سلسلہ جاری رہا تو آپ کو "
                "کچھ عرصے کے لیے رپورٹ کرنے سے روکا جا سکتا ہے۔",
            },
        )
        ledger.append(
            conn,
            "reporter.warned",
            f"reporter:{rid}",
            {"reporter": rid, "unfounded": u, "founded": f, "at": now.isoformat()},
        )
    conn.execute(update(reporters).where(reporters.c.id == rid).values(**values))
