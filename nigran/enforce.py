"""Enforcement in the store: the restrictions in force, and the visibility they fold into.

The ``restrictions`` table is the record: one row per action in force on an item, with its source
(automated, reviewer, order, notice, trusted flagger, appeal), what decided it and, once lifted,
by what. Nothing else decides who can see an item. ``enforcement`` is the fold of an item's active
restrictions per country (``'*'`` for the global row; no row means visible), rewritten whenever
they change, so the serving path and the API read one row per country; each row that changes is
ledgered (``enforcement.changed``) in the same transaction as the change.

Writing restrictions is :mod:`nigran.record`'s job (the one recorder); this module reads them,
folds them and lifts expired ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from nigran import ledger
from nigran.model import Lifter, Restriction, Visibility, utcnow
from nigran.policy.visibility import (
    Answer,
    CountryState,
    VisibilityIndex,
    add_restriction,
    country_states,
    from_restrictions,
    resolve,
)
from nigran.store import Store
from nigran.store.queries import country_states_of as current
from nigran.store.queries import restriction_from_row, restriction_row
from nigran.store.tables import enforcement, ledger_head, restrictions
from nigran.store.tables import ledger as ledger_table

__all__ = [
    "Answer",
    "CountryState",
    "Enforcer",
    "active",
    "current",
    "expire_due",
    "refresh",
    "resolve",
    "restriction_from_row",
    "restriction_row",
    "visibility",
    "visible",
]


# -- restrictions as rows ------------------------------------------------------------------------


def restriction_payload(r: Restriction) -> dict[str, Any]:
    """A restriction as its ledger entries carry it (JSON)."""
    return r.model_dump(mode="json", exclude_none=True)


def active(conn: Connection, content_ids: Iterable[str]) -> dict[str, list[Restriction]]:
    """The restrictions not lifted on each item (expired ones included until they are lifted)."""
    ids = sorted(set(content_ids))
    out: dict[str, list[Restriction]] = {cid: [] for cid in ids}
    for chunk in range(0, len(ids), 500):
        rows = conn.execute(
            select(restrictions)
            .where(
                restrictions.c.content_id.in_(ids[chunk : chunk + 500]),
                restrictions.c.lifted_at.is_(None),
            )
            .order_by(restrictions.c.created_at, restrictions.c.id)
        ).all()
        for row in rows:
            out[row.content_id].append(restriction_from_row(row))
    return out


def get(conn: Connection, restriction_id: str) -> Restriction | None:
    row = conn.execute(
        select(restrictions).where(restrictions.c.id == restriction_id)
    ).one_or_none()
    return None if row is None else restriction_from_row(row)


# -- the per-country fold ------------------------------------------------------------------------


def visibility(
    conn: Connection, content_id: str, country: str | None, viewer_age: int | None = None
) -> Answer:
    return resolve(current(conn, content_id), country, viewer_age)


def refresh(
    conn: Connection,
    content_id: str,
    in_force: Sequence[Restriction],
    *,
    version: int,
    decision_id: int | None,
    now: datetime,
    old: dict[str, CountryState] | None = None,
) -> list[dict[str, object]]:
    """Bring an item's per-country rows to the fold of ``in_force``; returns one change record
    per country whose visibility changed (the payloads of ``enforcement.changed`` entries).
    ``old``: the rows as they are, when the caller knows them (none, for an item that had
    nothing in force); read from the store otherwise."""
    old = current(conn, content_id) if old is None else old
    new = country_states(in_force, now)
    changes: list[dict[str, object]] = []
    inserts: list[dict[str, object]] = []
    for country in sorted(set(old) | set(new)):
        before, after = old.get(country), new.get(country)
        if before == after:
            continue
        values: dict[str, object] = {}
        if after is not None:
            values = {
                "visibility": after.visibility.value,
                "ground": after.ground,
                "min_age": after.min_age,
                "expires_at": after.expires_at,
                "decision_id": decision_id or 0,
                "version": version,
                "updated_at": now,
                "restriction_id": after.restriction_id,
            }
        if before is None:
            inserts.append({"content_id": content_id, "country": country, **values})
        else:
            where = (enforcement.c.content_id == content_id) & (enforcement.c.country == country)
            if after is None:
                conn.execute(delete(enforcement).where(where))
            else:
                conn.execute(update(enforcement).where(where).values(**values))
        if (
            before is not None
            and after is not None
            and (before.visibility, before.ground, before.min_age, before.expires_at)
            == (after.visibility, after.ground, after.min_age, after.expires_at)
        ):
            continue  # the same state, now held by another restriction: not a change
        changes.append(
            {
                "content_id": content_id,
                "version": version,
                "country": country,
                "from": before.visibility.value if before else Visibility.VISIBLE.value,
                "to": after.visibility.value if after else Visibility.VISIBLE.value,
                "ground": after.ground if after else None,
                "min_age": after.min_age if after else None,
                "decision_id": decision_id,
                "restriction_id": after.restriction_id if after else None,
            }
        )
    if inserts:
        conn.execute(insert(enforcement), inserts)
    return changes


def visible(
    store: Store, content_id: str, country: str | None, viewer_age: int | None = None
) -> bool:
    """The serving path's question: may a viewer in ``country`` (of ``viewer_age``) see it?

    Unknown content is visible: enforcement only ever restricts what it has decided on.
    """
    with store.read() as conn:
        return visibility(conn, content_id, country, viewer_age).visible


# -- expiry ---------------------------------------------------------------------------------------


def expire_due(conn: Connection, now: datetime | None = None) -> list[str]:
    """Lift restrictions whose time is up (``Lifter.EXPIRY``), ledgering each lift and each change
    of visibility it causes; returns the ids of the restrictions lifted."""
    now = now or utcnow()
    rows = conn.execute(
        select(restrictions).where(
            restrictions.c.lifted_at.is_(None),
            restrictions.c.expires_at.is_not(None),
            restrictions.c.expires_at <= now,
        )
    ).all()
    entries: list[tuple[str, str, object]] = []
    by_item: dict[str, list[Restriction]] = {}
    for row in rows:
        r = restriction_from_row(row).model_copy(
            update={"lifted_at": now, "lifted_by": Lifter.EXPIRY, "lifted_ref": None}
        )
        conn.execute(
            update(restrictions)
            .where(restrictions.c.id == r.id)
            .values(lifted_at=now, lifted_by=Lifter.EXPIRY.value)
        )
        by_item.setdefault(r.content_id, []).append(r)
        entries.append(
            (
                "restriction.lifted",
                r.content_id,
                {
                    "restriction_id": r.id,
                    "lifted_by": Lifter.EXPIRY.value,
                    "expired_at": r.action.expires_at.isoformat() if r.action.expires_at else None,
                    "at": now.isoformat(),
                },
            )
        )
    still = active(conn, by_item)
    for cid, lifted in by_item.items():
        latest = max(r.version for r in lifted)
        entries.extend(
            ("enforcement.expired", cid, change)
            for change in refresh(conn, cid, still[cid], version=latest, decision_id=None, now=now)
        )
    ledger.append_many(conn, entries)
    return [r.id for rs in by_item.values() for r in rs]


# -- the serving path's in-memory view ------------------------------------------------------------


class Enforcer:
    """The serving path's in-memory view of enforcement, kept in sync with the store.

    It loads every active restriction once, then follows the ledger: each restriction or
    enforcement entry after the last one seen names an item whose restrictions are re-read. So a
    worker on another machine that withholds an item is reflected here within one ``sync``.
    ``visible`` itself touches no database.
    """

    SYNC_KINDS = (
        "restriction.added",
        "restriction.lifted",
        "enforcement.changed",
        "enforcement.expired",
    )

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = VisibilityIndex()
        self.watermark = 0
        self.load()

    def load(self) -> None:
        with self.store.read() as conn:
            head = conn.execute(select(ledger_head.c.seq)).scalar_one()
            rows = conn.execute(select(restrictions).where(restrictions.c.lifted_at.is_(None)))
            self.index = from_restrictions(restriction_from_row(r) for r in rows)
        self.watermark = int(head)

    def sync(self) -> int:
        """Apply changes recorded since the last sync; returns how many items were refreshed."""
        with self.store.read() as conn:
            rows = conn.execute(
                select(ledger_table.c.seq, ledger_table.c.subject)
                .where(ledger_table.c.seq > self.watermark)
                .where(ledger_table.c.kind.in_(self.SYNC_KINDS))
                .order_by(ledger_table.c.seq)
            ).all()
            if not rows:
                return 0
            changed = sorted({r.subject for r in rows})
            fresh = active(conn, changed)
        for cid in changed:
            self.index.reverse_all(cid)
            for r in fresh[cid]:
                add_restriction(self.index, r)
        self.watermark = int(rows[-1].seq)
        return len(changed)

    def visible(self, content_id: str, country: str | None, viewer_age: int | None = None) -> bool:
        return self.index.visible(content_id, country.upper() if country else None, viewer_age)

    def answer(self, content_id: str, country: str | None, viewer_age: int | None = None) -> Answer:
        cc = country.upper() if country else None
        vis, gate = self.index.state(content_id, cc)
        ok = self.index.visible(content_id, cc, viewer_age)
        grounds = [
            r.ground
            for r in self.index.restrictions(content_id)
            if r.visibility is vis
            and (r.countries is None or (cc is not None and cc in r.countries))
        ]
        return Answer(ok, vis, grounds[0] if grounds else None, gate)
