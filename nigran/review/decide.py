"""A reviewer's decision: recorded by the one recorder, like every other decision.

One transaction checks the claim, records a human ``Decision`` (``automated=False``,
``decided_by``) through :func:`nigran.record.record`: its actions become restrictions whose
source is the reviewer (lifted only on appeal), and the automated restrictions the case was
opened to check end (a person may lift what automation put in place; never what another person
or an authority did). It closes the case, records the outcome for QA and the labels for the text
learning loop, and ledgers all of it. If the claim is not the caller's or has run out, nothing is
written.

QA and golden cases are blind re-reviews: their outcome is recorded and compared, never enforced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update

from nigran import ledger, record
from nigran.errors import InvalidInput, InvalidTransition, NotFound
from nigran.model import (
    Action,
    ActionType,
    Content,
    Decision,
    Ground,
    RestrictionSource,
    Scope,
    utcnow,
)
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.review.cases import held
from nigran.store import Store
from nigran.store.tables import cases, content
from nigran.store.tables_review import outcomes, review_labels

HUMAN_POLICY_VERSION = "human-review-1"
NO_VIOLATION = "none"
BANK_ACTIONS = ("add", "negative")
_LAW = re.compile(r"^[A-Z]{2}\.[A-Z0-9_.-]{1,60}$")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the reviewer chose on the case page."""

    action: str
    """``none`` (no violation) or an action type: label, reduce_reach, age_restrict, ..."""
    ground: str | None = None
    """``policy:<category>`` or ``law:<CC.GROUND>``; needed for any action."""
    countries: tuple[str, ...] | None = None
    statement: str = ""
    min_age: int | None = None
    bank_action: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    case_id: str
    decision_id: int | None
    label: str
    ledger: list[int]
    correct: bool | None
    banked: tuple[int, ...] = ()
    """Hash-bank entries made from the item's media when the reviewer asked for it (set by
    :func:`nigran.banks.reviewer.bank_after_decision`)."""
    bank_error: str | None = None
    """Why banking failed, if it did (the decision itself stands: it was already committed)."""


@lru_cache(maxsize=1)
def _packs() -> PackSet:
    return default_packs()


def parse_ground(raw: str) -> Ground:
    kind, _, code = raw.partition(":")
    if kind == "policy":
        if code not in taxonomy():
            raise InvalidInput(
                f"{code!r} is not a category of the taxonomy ({', '.join(sorted(taxonomy()))})",
                where="ground",
            )
        return Ground(kind="policy", code=code)
    if kind == "law":
        if not _LAW.match(code):
            raise InvalidInput(
                f"{code!r} is not a legal ground code like 'PK.PPC_295C'", where="ground"
            )
        try:
            _packs().ground(code)
        except NotFound as exc:
            raise InvalidInput(exc.message, where="ground") from None
        return Ground(kind="law", code=code)
    raise InvalidInput(
        f"ground must be 'policy:<category>' or 'law:<CC.CODE>', not {raw!r}", where="ground"
    )


def default_statement(action: Action) -> str:
    """A plain statement of reasons when the reviewer writes none (they may edit it)."""
    what = {
        ActionType.LABEL: "has been labelled",
        ActionType.REDUCE_REACH: "will be shown to fewer people",
        ActionType.AGE_RESTRICT: f"is only shown to viewers aged {action.min_age} or over",
        ActionType.WITHHOLD: "has been withheld",
        ActionType.REMOVE: "has been removed",
        ActionType.SUSPEND_ACCOUNT: "led to the account being suspended",
    }[action.type]
    where = "" if action.scope.is_global else f" in {', '.join(action.scope.countries or ())}"
    if action.ground.kind == "policy":
        cat = taxonomy()[action.ground.code]
        why = f"breaks our community guidelines on {cat.name.lower()}"
    else:
        why = f"is unlawful under {action.ground.code}"
    return f"After human review, we found that this content {why}. It {what}{where}."


def build_actions(v: Verdict) -> list[Action]:
    if v.action == NO_VIOLATION:
        return []
    if v.ground is None:
        raise InvalidInput(
            "an action needs a ground (policy:<category> or law:<CC.CODE>)", where="ground"
        )
    try:
        kind = ActionType(v.action)
    except ValueError:
        raise InvalidInput(
            f"unknown action {v.action!r}; use none or {', '.join(a.value for a in ActionType)}",
            where="action",
        ) from None
    try:
        ground = parse_ground(v.ground)
        if v.countries:
            scope = Scope.only(*v.countries)
        elif ground.kind == "law":
            # A legal ground acts where its law applies unless the reviewer says otherwise.
            scope = _packs().ground_scope(ground.code)
        else:
            scope = Scope.everywhere()
        return [Action(type=kind, scope=scope, ground=ground, min_age=v.min_age)]
    except ValidationError as exc:
        raise InvalidInput(exc.errors()[0]["msg"], where="action") from None


def decide(
    store: Store,
    case_id: str,
    reviewer: str,
    verdict: Verdict,
    *,
    now: datetime | None = None,
) -> Result:
    """Decide a held case. ``verdict.bank_action`` is validated and ledgered here; the banking
    itself is :func:`nigran.banks.reviewer.bank_after_decision`, called once this returns."""
    if verdict.bank_action not in (None, *BANK_ACTIONS):
        raise InvalidInput(
            f"bank_action must be add, negative or empty, not {verdict.bank_action!r}",
            where="bank_action",
        )
    actions = build_actions(verdict)  # validate before touching the database
    now = now or utcnow()
    label = actions[0].type.value if actions else NO_VIOLATION
    with store.transaction() as conn:
        row = held(conn, case_id, reviewer, now)
        if row.source == "appeal":
            raise InvalidTransition(
                f"case {case_id} is an appeal: decide it as an appeal (nigran appeals decide, "
                "or the appeal's page), so the appellant is told and the restriction is lifted "
                "or kept"
            )
        body = conn.execute(
            select(content.c.body).where(
                content.c.content_id == row.content_id, content.c.version == row.version
            )
        ).scalar_one()
        item = Content.model_validate(body)
        entries: list[tuple[str, str, Any]] = []
        decision_id: int | None = None
        enforce_it = row.kind in ("primary", "second_opinion")
        if enforce_it:
            statement = verdict.statement.strip() or (
                default_statement(actions[0]) if actions else ""
            )
            d = Decision(
                content_id=row.content_id,
                content_version=row.version,
                actions=actions,
                automated=False,
                decided_by=reviewer,
                policy_version=HUMAN_POLICY_VERSION,
                statement=statement,
                decided_at=now,
            )
            # Like the pipeline, one ledger append at the end, so the ledger head is locked
            # only until the commit.
            done = record.record(
                conn,
                d,
                source=RestrictionSource.REVIEWER,
                source_ref=f"case:{case_id}",
                replace_automated=True,
                extra={"case_id": case_id},
                now=now,
                append=False,
            )
            decision_id = done.decision_id
            entries.extend(done.entries)
        correct: bool | None = None
        if row.kind == "golden" and row.expected is not None:
            correct = row.expected.get("label") == label
        conn.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(
                status="decided",
                closed_at=now,
                claim_expires_at=None,
                **({"decision_id": decision_id} if decision_id is not None else {}),
            )
        )
        ground = str(actions[0].ground) if actions else None
        conn.execute(
            insert(outcomes).values(
                case_id=case_id,
                root_id=row.parent_id or case_id,
                kind=row.kind,
                content_id=row.content_id,
                version=row.version,
                queue=row.queue,
                language=row.language,
                category=row.category,
                severity=row.severity,
                reviewer=reviewer,
                label=label,
                ground=ground,
                decision_id=decision_id,
                correct=correct,
                decided_at=now,
            )
        )
        category = (
            actions[0].ground.code
            if actions and actions[0].ground.kind == "policy"
            else row.category
        )
        label_rows = [
            {
                "content_id": row.content_id,
                "version": row.version,
                "field": f.value,
                "text": t,
                "language": row.language,
                "category": category,
                "label": "not_violating" if label == NO_VIOLATION else "violating",
                "bank_action": verdict.bank_action,
                "reviewer": reviewer,
                "case_id": case_id,
                "labelled_at": now,
            }
            for f, t in item.texts.items()
            if t.strip()
        ]
        if label_rows and row.kind != "golden":
            conn.execute(insert(review_labels), label_rows)
        entries.append(
            (
                "case.decided",
                row.content_id,
                {
                    "case_id": case_id,
                    "kind": row.kind,
                    "reviewer": reviewer,
                    "label": label,
                    "ground": ground,
                    "decision_id": decision_id,
                    "correct": correct,
                    "bank_action": verdict.bank_action,
                    "queue": row.queue,
                    "claim_seq": row.claim_seq,
                },
            )
        )
        seqs = ledger.append_many(conn, entries)
        result = Result(case_id, decision_id, label, seqs, correct)
    # "Add to bank" happens after the commit, at the edge that took the verdict
    # (nigran.banks.reviewer.bank_after_decision), so this room never imports the banks.
    return result
