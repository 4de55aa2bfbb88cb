"""Recording a decision: the one place it happens.

Every path that decides about content — the pipeline, a reviewer, a legal reviewer on an
authority's order, a reviewed user notice, an appeal, a retroactive hash match — calls this module,
which in the caller's transaction

1. stores the decision (its own actions, not a copy of everything in force),
2. adds a restriction per action, with its source and reference, and lifts the restrictions the
   decision ends — only those its lifter may lift (``model.LIFTABLE_BY``): an order's restriction
   only through the order, a person's through appeal, an automated one by a person or by
   re-moderating a newer version,
3. folds the item's active restrictions into per-country visibility (``nigran.enforce.refresh``),
4. adds the due jobs the new restrictions create (``nigran.jobs``): the author's statement of
   reasons for an automated restriction, due at once, and the lift of a restriction with an
   expiry, due then — so a duty exists exactly when its restriction does,
5. and returns the ledger entries for all of it (``decision.made``, ``restriction.added`` /
   ``restriction.lifted``, ``enforcement.changed``), appended by :func:`record` or, for a batch,
   by the caller in one append.

Re-moderation is deterministic: an automated decision on version *v* changes the automated
restrictions only if no newer version of the item is stored; it lifts the automated restrictions it
no longer asks for and adds those it newly asks for, and never touches restrictions from people
or authorities, which bind every version. So whatever the batch size, arrival order or
redelivery, the item ends with the restrictions of its newest version's automated decision plus
those people and authorities put in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from nigran import enforce, jobs, ledger
from nigran.errors import Forbidden, InvalidInput
from nigran.model import (
    ActionType,
    Binding,
    Decision,
    Lifter,
    Restriction,
    RestrictionSource,
)
from nigran.store.queries import decision_row, restriction_row
from nigran.store.tables import content, decisions, restrictions

Entry = tuple[str, str, object]


@dataclass(slots=True)
class Recorded:
    """What one decision did."""

    decision_id: int
    added: list[Restriction] = field(default_factory=list)
    lifted: list[Restriction] = field(default_factory=list)
    changes: list[dict[str, object]] = field(default_factory=list)
    """Per-country visibility changes (``enforcement.changed`` payloads)."""
    entries: list[Entry] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    """Ledger entry numbers, once appended."""
    superseded: bool = False
    """An automated decision on a version older than one already stored: it changed nothing."""
    jobs: list[dict[str, Any]] = field(default_factory=list)
    """The due jobs the added restrictions create (inserted by :func:`apply` unless the caller
    batches them: ``schedule=False``)."""


# -- decisions as rows ----------------------------------------------------------------------------


def insert_decisions(
    conn: Connection, batch: Sequence[tuple[Decision, Sequence[int]]]
) -> list[int]:
    """Store many decisions in one statement; ids in the order given."""
    if not batch:
        return []
    return [
        int(i)
        for i in conn.execute(
            insert(decisions).returning(decisions.c.id, sort_by_parameter_order=True),
            [decision_row(d, sids) for d, sids in batch],
        ).scalars()
    ]


def newest_versions(conn: Connection, content_ids: Sequence[str]) -> dict[str, int]:
    ids = sorted(set(content_ids))
    out: dict[str, int] = {}
    for chunk in range(0, len(ids), 500):
        rows = conn.execute(
            select(content.c.content_id, func.max(content.c.version))
            .where(content.c.content_id.in_(ids[chunk : chunk + 500]))
            .group_by(content.c.content_id)
        ).all()
        out.update({cid: int(v) for cid, v in rows})
    return out


def _decider(d: Decision) -> str:
    if d.automated:
        return f"policy:{d.policy_version}"
    if not d.decided_by:
        raise InvalidInput("a decision by a person names who took it", where="decided_by")
    return d.decided_by


# -- the verb ------------------------------------------------------------------------------------


def apply(
    conn: Connection,
    decision: Decision,
    decision_id: int,
    *,
    in_force: list[Restriction],
    source: RestrictionSource,
    source_ref: str | None = None,
    lift: Sequence[Restriction] = (),
    lifter: Lifter | None = None,
    lifted_ref: str | None = None,
    remoderate: bool = False,
    replace_automated: bool = False,
    newest_version: int | None = None,
    schedule: bool = True,
    deferred: dict[str, dict[str, object]] | None = None,
    now: datetime,
) -> Recorded:
    """Restrictions and visibility for a stored decision (see the module docstring).

    ``in_force``: the item's active restrictions before this decision; it is updated in place,
    so a batch can carry it from one version of an item to the next.
    ``remoderate``: an automated decision that replaces the item's automated restrictions (the
    pipeline, a retroactive match). ``replace_automated``: a person's decision on a review case,
    which ends the automated restrictions it was asked to check. ``lift``: restrictions this
    decision ends, each checked against ``lifter``. ``deferred``: for a batch, new restriction
    rows are collected here (by id) for one insert at the end instead of one per item; a lift of
    one of them changes the collected row.
    """
    out = Recorded(decision_id)
    # Visibility rows are the fold of what is in force: with nothing in force, there are none.
    had_none = not in_force
    if remoderate and newest_version is not None and newest_version > decision.content_version:
        out.superseded = True
        return out
    to_lift: list[Restriction] = []
    if lift:
        if lifter is None:
            raise InvalidInput("lifting a restriction needs a lifter", where="lifter")
        for r in lift:
            if not r.liftable_by(lifter):
                raise Forbidden(
                    f"restriction {r.id} ({r.action.type.value} {r.action.scope} on "
                    f"{r.action.ground}) comes from {r.source.value}"
                    + (f" {r.source_ref}" if r.source_ref else "")
                    + f": a {lifter.value} cannot lift it"
                    + (
                        "; only the order's own workflow can"
                        if r.source is RestrictionSource.ORDER
                        else "; only an appeal can"
                        if lifter is not Lifter.APPEAL
                        else ""
                    ),
                    where=r.id,
                )
            if r.lifted_at is None:
                to_lift.append(r)
    wanted = list(decision.actions)
    if remoderate:
        lifter, lifted_ref = Lifter.REMODERATION, f"decision:{decision_id}"
        automated = [r for r in in_force if r.source is RestrictionSource.AUTOMATED]
        to_lift += [r for r in automated if not any(r.same_effect(a) for a in wanted)]
        # What people or authorities already hold in force needs no automated twin.
        wanted = [a for a in wanted if not any(r.same_effect(a) for r in in_force)]
    elif replace_automated:
        to_lift += [r for r in in_force if r.source is RestrictionSource.AUTOMATED]
        lifter, lifted_ref = Lifter.REVIEWER, f"decision:{decision_id}"
    decided_by = _decider(decision)
    binds = Binding.VERSION if source is RestrictionSource.AUTOMATED else Binding.ITEM
    ref = source_ref or f"decision:{decision_id}"
    for r in dict.fromkeys(to_lift):
        gone = r.model_copy(
            update={"lifted_at": now, "lifted_by": lifter, "lifted_ref": lifted_ref}
        )
        lift_values = {
            "lifted_at": now,
            "lifted_by": lifter.value if lifter else None,
            "lifted_ref": lifted_ref,
        }
        if deferred is not None and r.id in deferred:
            deferred[r.id].update(lift_values)  # added earlier in this batch, not yet written
        else:
            conn.execute(
                update(restrictions)
                .where(restrictions.c.id == r.id, restrictions.c.lifted_at.is_(None))
                .values(**lift_values)
            )
        out.lifted.append(gone)
        in_force[:] = [x for x in in_force if x.id != r.id]
        out.entries.append(
            (
                "restriction.lifted",
                decision.content_id,
                {
                    "restriction_id": r.id,
                    "lifted_by": lifter.value if lifter else None,
                    "lifted_ref": lifted_ref,
                    "decision_id": decision_id,
                    "at": now.isoformat(),
                },
            )
        )
    for action in wanted:
        r = Restriction(
            id=uuid.uuid4().hex[:24],
            content_id=decision.content_id,
            version=decision.content_version,
            binds=binds,
            action=action,
            source=source,
            source_ref=ref,
            decision_id=decision_id,
            decided_by=decided_by,
            created_at=now,
        )
        out.added.append(r)
        in_force.append(r)
    if out.added:
        if deferred is not None:
            deferred.update((r.id, restriction_row(r)) for r in out.added)
        else:
            conn.execute(insert(restrictions), [restriction_row(r) for r in out.added])
        out.entries.extend(
            ("restriction.added", r.content_id, enforce.restriction_payload(r)) for r in out.added
        )
        out.jobs = due_jobs(out.added, now=now)
        if schedule:
            jobs.add(conn, out.jobs)
    if out.added or out.lifted:
        out.changes = enforce.refresh(
            conn,
            decision.content_id,
            in_force,
            version=decision.content_version,
            decision_id=decision_id,
            old={} if had_none else None,
            now=now,
        )
        out.entries.extend(("enforcement.changed", decision.content_id, c) for c in out.changes)
    return out


STRIKES = frozenset({ActionType.REMOVE, ActionType.WITHHOLD})
NO_STRIKE = frozenset({RestrictionSource.ORDER, RestrictionSource.REPEAT_OFFENDER})
"""A restriction that removes or withholds content is a strike against its author (counted by the
``strike.count`` job, DSA Art. 23), unless an authority ordered it (the order answers to its own
law) or it is itself a suspension."""


def due_jobs(added: Sequence[Restriction], *, now: datetime) -> list[dict[str, Any]]:
    """The duties new restrictions create.

    An automated restriction's statement of reasons is a job due now, run by the scheduler's next
    tick (every second in ``serve``/``worker``), not issued here: rendering a notice needs the
    legal layer (packs, language, redress), which sits above this one, and the pipeline's batch
    path should not render thousands of notices inside its transaction. People's workflows
    (review, orders, reports, appeals) issue their statements in their own transaction.
    """
    out = []
    for r in added:
        if r.source is RestrictionSource.AUTOMATED:
            out.append(jobs.due(jobs.STATEMENT, r.id, now, now=now))
        if r.action.type in STRIKES and r.source not in NO_STRIKE:
            out.append(jobs.due(jobs.STRIKE, r.id, now, now=now))
        if r.action.expires_at is not None:
            out.append(jobs.due(jobs.EXPIRE, r.id, r.action.expires_at, now=now))
    return out


def record(
    conn: Connection,
    decision: Decision,
    *,
    source: RestrictionSource,
    signal_ids: Sequence[int] = (),
    source_ref: str | None = None,
    lift: Sequence[Restriction] = (),
    lifter: Lifter | None = None,
    lifted_ref: str | None = None,
    remoderate: bool = False,
    replace_automated: bool = False,
    extra: Mapping[str, Any] | None = None,
    now: datetime,
    append: bool = True,
) -> Recorded:
    """Store ``decision`` and everything it does, in the caller's transaction.

    With ``append`` (the default) the ledger entries are appended here; otherwise the caller
    appends ``Recorded.entries`` together with its own, in the same transaction.
    """
    (did,) = insert_decisions(conn, [(decision, signal_ids)])
    in_force = enforce.active(conn, [decision.content_id])[decision.content_id]
    newest = (
        newest_versions(conn, [decision.content_id]).get(decision.content_id)
        if remoderate
        else None
    )
    out = apply(
        conn,
        decision,
        did,
        in_force=in_force,
        source=source,
        source_ref=source_ref,
        lift=lift,
        lifter=lifter,
        lifted_ref=lifted_ref,
        remoderate=remoderate,
        replace_automated=replace_automated,
        newest_version=newest,
        now=now,
    )
    out.entries.insert(
        0,
        ("decision.made", decision.content_id, made_payload(decision, did, signal_ids, out, extra)),
    )
    if append:
        out.seqs = ledger.append_many(conn, out.entries)
    return out


def made_payload(
    decision: Decision,
    decision_id: int,
    signal_ids: Sequence[int],
    out: Recorded,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, object]:
    """The ``decision.made`` entry: the decision, and the restrictions it added and lifted."""
    payload: dict[str, object] = {
        "decision_id": decision_id,
        **(extra or {}),
        **decision_row(decision, signal_ids, json=True),
    }
    if out.added:
        payload["restrictions_added"] = [r.id for r in out.added]
    if out.lifted:
        payload["restrictions_lifted"] = [r.id for r in out.lifted]
    if out.superseded:
        payload["superseded"] = True
    return payload
