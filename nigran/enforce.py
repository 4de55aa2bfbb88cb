"""Enforcement: what each decision means for who can see the content, where.

State is one row per content and country (``'*'`` for the global row); no row means visible. A
viewer in country C sees the more severe of C's row and the global row, so a post withheld in PK
and untouched elsewhere is invisible in PK and visible in DE. The latest decision on a content
item (any version) sets its rows; every row that changes is ledgered in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from nigran import ledger
from nigran.model import Decision, Visibility, utcnow
from nigran.policy.visibility import (
    ACTION_VISIBILITY,
    GLOBAL,
    LEVEL,
    VisibilityIndex,
    add_row,
    from_rows,
)
from nigran.store import Store
from nigran.store.tables import decisions, enforcement, ledger_head
from nigran.store.tables import ledger as ledger_table

# One severity order and one action -> visibility mapping for the store rows and the index.
SEVERITY = LEVEL


@dataclass(frozen=True, slots=True)
class Restriction:
    visibility: Visibility
    ground: str | None = None
    min_age: int | None = None
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class Answer:
    visible: bool
    visibility: Visibility
    ground: str | None = None
    min_age: int | None = None


def restrictions_for(decision: Decision) -> dict[str, Restriction]:
    """The rows a decision asks for: per country (or ``'*'``), the most severe restriction."""
    out: dict[str, Restriction] = {}
    for action in decision.actions:
        vis = ACTION_VISIBILITY.get(action.type)
        if vis is None:
            continue  # labels, reach and account actions do not change who can see the item
        for country in action.scope.countries or (GLOBAL,):
            new = Restriction(vis, str(action.ground), action.min_age, action.expires_at)
            old = out.get(country)
            if old is None or SEVERITY[new.visibility] > SEVERITY[old.visibility]:
                out[country] = new
            elif new.visibility is old.visibility is Visibility.AGE_RESTRICTED:
                out[country] = Restriction(
                    vis, old.ground, max(old.min_age or 0, new.min_age or 0), old.expires_at
                )
    return out


def resolve(
    rows: Mapping[str, Restriction],
    country: str | None,
    viewer_age: int | None = None,
    now: datetime | None = None,
) -> Answer:
    """Pure visibility rule; unknown viewer age counts as too young for age-restricted items."""
    now = now or utcnow()
    best: Restriction | None = None
    gate = 0
    for key in (GLOBAL, country.upper() if country else None):
        r = rows.get(key) if key else None
        if r is None or not r.active(now):
            continue
        if r.visibility is Visibility.AGE_RESTRICTED:
            gate = max(gate, r.min_age or 18)  # two gates apply: the stricter one
        if best is None or SEVERITY[r.visibility] > SEVERITY[best.visibility]:
            best = r
    if best is None:
        return Answer(True, Visibility.VISIBLE)
    if best.visibility is Visibility.AGE_RESTRICTED:
        ok = viewer_age is not None and viewer_age >= gate
        return Answer(ok, best.visibility, best.ground, gate)
    return Answer(False, best.visibility, best.ground)


def current(conn: Connection, content_id: str) -> dict[str, Restriction]:
    rows = conn.execute(select(enforcement).where(enforcement.c.content_id == content_id)).all()
    return {
        r.country: Restriction(Visibility(r.visibility), r.ground, r.min_age, r.expires_at)
        for r in rows
    }


def visibility(
    conn: Connection, content_id: str, country: str | None, viewer_age: int | None = None
) -> Answer:
    return resolve(current(conn, content_id), country, viewer_age)


def apply(
    conn: Connection, decision: Decision, decision_id: int, *, now: datetime | None = None
) -> list[dict[str, object]]:
    """Bring the content's rows to what ``decision`` asks; returns one change record per
    country whose visibility changed (the payloads of ``enforcement.changed`` entries)."""
    now = now or utcnow()
    cid = decision.content_id
    old = current(conn, cid)
    new = restrictions_for(decision)
    changes: list[dict[str, object]] = []
    for country in sorted(set(old) | set(new)):
        before, after = old.get(country), new.get(country)
        if before == after:
            continue
        where = (enforcement.c.content_id == cid) & (enforcement.c.country == country)
        if after is None:
            conn.execute(delete(enforcement).where(where))
        else:
            values = {
                "visibility": after.visibility.value,
                "ground": after.ground,
                "min_age": after.min_age,
                "expires_at": after.expires_at,
                "decision_id": decision_id,
                "version": decision.content_version,
                "updated_at": now,
            }
            if before is None:
                conn.execute(insert(enforcement).values(content_id=cid, country=country, **values))
            else:
                conn.execute(update(enforcement).where(where).values(**values))
        changes.append(
            {
                "content_id": cid,
                "version": decision.content_version,
                "country": country,
                "from": before.visibility.value if before else Visibility.VISIBLE.value,
                "to": after.visibility.value if after else Visibility.VISIBLE.value,
                "ground": after.ground if after else None,
                "min_age": after.min_age if after else None,
                "decision_id": decision_id,
            }
        )
    return changes


def apply_and_record(
    conn: Connection, decision: Decision, decision_id: int, *, now: datetime | None = None
) -> list[int]:
    """``apply`` plus one ledger entry per change, in the caller's transaction."""
    changes = apply(conn, decision, decision_id, now=now)
    return ledger.append_many(
        conn, [("enforcement.changed", decision.content_id, c) for c in changes]
    )


def visible(
    store: Store, content_id: str, country: str | None, viewer_age: int | None = None
) -> bool:
    """The serving path's question: may a viewer in ``country`` (of ``viewer_age``) see it?

    Unknown content is visible: enforcement only ever restricts what it has decided on.
    """
    with store.read() as conn:
        return visibility(conn, content_id, country, viewer_age).visible


class Enforcer:
    """The serving path's in-memory view of enforcement, kept in sync with the store.

    It loads every restriction once, then follows the ledger: each ``enforcement.changed`` (or
    ``enforcement.expired``) entry after the last one seen names an item whose rows are re-read.
    So a worker on another machine that withholds an item is reflected here within one ``sync``.
    ``visible`` itself touches no database.
    """

    SYNC_KINDS = ("enforcement.changed", "enforcement.expired")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = VisibilityIndex()
        self.watermark = 0
        self.load()

    def load(self) -> None:
        with self.store.read() as conn:
            head = conn.execute(select(ledger_head.c.seq)).scalar_one()
            self.index = from_rows(conn.execute(select(enforcement)).all())
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
            fresh = conn.execute(
                select(enforcement).where(enforcement.c.content_id.in_(changed))
            ).all()
        for cid in changed:
            self.index.reverse_all(cid)
        for r in fresh:
            add_row(self.index, r)
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


def expire_due(conn: Connection, now: datetime | None = None) -> list[int]:
    """Delete restrictions whose time is up, ledgering each (``enforcement.expired``)."""
    now = now or utcnow()
    rows = conn.execute(
        select(enforcement).where(
            enforcement.c.expires_at.is_not(None), enforcement.c.expires_at <= now
        )
    ).all()
    entries = []
    for r in rows:
        conn.execute(
            delete(enforcement).where(
                (enforcement.c.content_id == r.content_id) & (enforcement.c.country == r.country)
            )
        )
        entries.append(
            (
                "enforcement.expired",
                r.content_id,
                {
                    "content_id": r.content_id,
                    "country": r.country,
                    "from": r.visibility,
                    "to": Visibility.VISIBLE.value,
                    "ground": r.ground,
                    "decision_id": r.decision_id,
                    "expired_at": r.expires_at.isoformat(),
                },
            )
        )
    return ledger.append_many(conn, entries)


def record_decision(
    conn: Connection,
    decision: Decision,
    signal_ids: Sequence[int] = (),
    *,
    now: datetime | None = None,
    extra: Mapping[str, object] | None = None,
) -> tuple[int, list[tuple[str, str, object]]]:
    """Store one decision made outside the batch pipeline (a reviewer's, an order's, a
    retroactive match's) and bring enforcement in line with it.

    Returns the decision id and its ledger entries (``decision.made``, then one
    ``enforcement.changed`` per country row that changed; ``extra`` joins the decision's
    payload). The caller appends them, in the same transaction, together with its own.
    """
    from nigran.store.queries import decision_row

    did = int(
        conn.execute(
            insert(decisions).returning(decisions.c.id), [decision_row(decision, list(signal_ids))]
        ).scalar_one()
    )
    payload = {
        "decision_id": did,
        **(extra or {}),
        **decision_row(decision, list(signal_ids), json=True),
    }
    entries: list[tuple[str, str, object]] = [("decision.made", decision.content_id, payload)]
    entries += [
        ("enforcement.changed", decision.content_id, change)
        for change in apply(conn, decision, did, now=now)
    ]
    return did, entries
