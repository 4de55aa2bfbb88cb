"""The in-memory visibility structure the serving path asks: may this viewer see this item?

Restrictions are held by id (a decision's action, an order, a reviewer's call) so that one of them
can be reversed (an appeal upheld, an order withdrawn) without touching the others. Each item's
restrictions are compiled into a small table: per country with a row of its own, and a default for
every other country, the visibility level and the age gate, plus the instant of the next expiry.
``visible`` is then one dictionary lookup for the (overwhelmingly common) unrestricted item and
two for a restricted one; expired restrictions drop out lazily on the first check after expiry.

Semantics (the same as :func:`resolve` over the per-country rows of :func:`country_states`):
- a viewer in country C gets the most severe of the global restrictions and C's own;
- removed and withheld are invisible; age-restricted is visible only to a viewer whose age is
  known and at least the largest ``min_age`` in force there (unknown age counts as too young);
- an expired restriction no longer applies; a reversed one is gone.

Pure and single-process: the enforcement module keeps it in sync with the store (load the rows at
start, then apply each change after its transaction commits).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from nigran.errors import InvalidInput
from nigran.model import Action, ActionType, Decision, Restriction, Visibility

GLOBAL = "*"
_INF = math.inf
LEVEL = {
    Visibility.VISIBLE: 0,
    Visibility.AGE_RESTRICTED: 1,
    Visibility.WITHHELD: 2,
    Visibility.REMOVED: 3,
}
_BY_LEVEL = {v: k for k, v in LEVEL.items()}
ACTION_VISIBILITY = {
    ActionType.REMOVE: Visibility.REMOVED,
    ActionType.WITHHOLD: Visibility.WITHHELD,
    ActionType.AGE_RESTRICT: Visibility.AGE_RESTRICTED,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One restriction as the index holds it."""

    id: str
    content_id: str
    visibility: Visibility
    countries: tuple[str, ...] | None  # None: everywhere
    min_age: int = 0
    expires_at: float = _INF  # POSIX seconds
    ground: str | None = None


@dataclass(frozen=True, slots=True)
class CountryState:
    """What one country (or ``'*'``, everywhere) sees of an item: the most severe restriction."""

    visibility: Visibility
    ground: str | None = None
    min_age: int | None = None
    expires_at: datetime | None = None
    restriction_id: str | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class Answer:
    visible: bool
    visibility: Visibility
    ground: str | None = None
    min_age: int | None = None


def country_states(
    restrictions: Iterable[Restriction | Action], now: datetime | None = None
) -> dict[str, CountryState]:
    """The fold: per country (or ``'*'``), the most severe of the restrictions in force.

    Labels, reach and account actions do not change who can see the item. Two age gates in one
    place keep the higher age. Restrictions that expired by ``now`` are left out.
    """
    out: dict[str, CountryState] = {}
    # A stable order, so that the same set of restrictions gives the same rows however it came.
    items = sorted(
        ((r.action, r.id) if isinstance(r, Restriction) else (r, None) for r in restrictions),
        key=lambda p: (p[1] or "", str(p[0].scope), str(p[0].ground), p[0].type.value),
    )
    for action, rid in items:
        vis = ACTION_VISIBILITY.get(action.type)
        if vis is None:
            continue
        if now is not None and action.expires_at is not None and action.expires_at <= now:
            continue
        # Removal is global by definition, as in the index: a takedown in one country is a
        # withholding, so the two views of one restriction can never disagree.
        places = (GLOBAL,) if vis is Visibility.REMOVED else action.scope.countries or (GLOBAL,)
        for country in places:
            new = CountryState(vis, str(action.ground), action.min_age, action.expires_at, rid)
            old = out.get(country)
            if old is None or LEVEL[new.visibility] > LEVEL[old.visibility]:
                out[country] = new
            elif new.visibility is old.visibility is Visibility.AGE_RESTRICTED:
                out[country] = CountryState(
                    vis,
                    old.ground,
                    max(old.min_age or 0, new.min_age or 0),
                    old.expires_at,
                    old.restriction_id,
                )
    return out


def resolve(
    rows: dict[str, CountryState],
    country: str | None,
    viewer_age: int | None = None,
    now: datetime | None = None,
) -> Answer:
    """Pure visibility rule over per-country rows; unknown viewer age counts as too young for
    age-restricted items."""
    now = now or datetime.fromtimestamp(time.time(), tz=UTC)
    best: CountryState | None = None
    gate = 0
    for key in (GLOBAL, country.upper() if country else None):
        r = rows.get(key) if key else None
        if r is None or not r.active(now):
            continue
        if r.visibility is Visibility.AGE_RESTRICTED:
            gate = max(gate, r.min_age or 18)  # two gates apply: the stricter one
        if best is None or LEVEL[r.visibility] > LEVEL[best.visibility]:
            best = r
    if best is None:
        return Answer(True, Visibility.VISIBLE)
    if best.visibility is Visibility.AGE_RESTRICTED:
        ok = viewer_age is not None and viewer_age >= gate
        return Answer(ok, best.visibility, best.ground, gate)
    return Answer(False, best.visibility, best.ground)


# A compiled item: (next expiry, default (level, min_age), {country: (level, min_age)}).
_Compiled = tuple[float, tuple[int, int], dict[str, tuple[int, int]]]


def _ts(value: datetime | float | None) -> float:
    if value is None:
        return _INF
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("expires_at must carry a timezone")
        return value.timestamp()
    return float(value)


def _merge(a: tuple[int, int], level: int, min_age: int) -> tuple[int, int]:
    lvl = max(a[0], level)
    age = max(a[1], min_age) if level == 1 or a[0] == 1 else a[1]
    return (lvl, age)


class VisibilityIndex:
    def __init__(self) -> None:
        self._compiled: dict[str, _Compiled] = {}
        self._items: dict[str, dict[str, Entry]] = {}
        self._owner: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._compiled)

    # -- writes ------------------------------------------------------------------------------

    def apply(
        self,
        content_id: str,
        restriction_id: str,
        visibility: Visibility,
        countries: Iterable[str] | None = None,
        *,
        min_age: int | None = None,
        expires_at: datetime | float | None = None,
        ground: str | None = None,
    ) -> Entry:
        """Add (or replace, by id) one restriction on one item."""
        if visibility is Visibility.VISIBLE:
            raise InvalidInput("a restriction must restrict; use reverse() to lift one")
        if visibility is Visibility.AGE_RESTRICTED and not min_age:
            raise InvalidInput("an age restriction needs min_age")
        scope = None if countries is None else tuple(sorted({c.upper() for c in countries}))
        if scope is not None and not scope:
            raise InvalidInput("a country scope needs at least one country (None = everywhere)")
        if visibility is Visibility.REMOVED:
            scope = None  # removal is global by definition
        old_owner = self._owner.get(restriction_id)
        if old_owner is not None and old_owner != content_id:
            raise InvalidInput(f"restriction {restriction_id!r} belongs to {old_owner!r}")
        r = Entry(
            restriction_id,
            content_id,
            visibility,
            scope,
            int(min_age or 0),
            _ts(expires_at),
            ground,
        )
        self._items.setdefault(content_id, {})[restriction_id] = r
        self._owner[restriction_id] = content_id
        self._recompile(content_id, time.time())
        return r

    def reverse(self, restriction_id: str) -> Entry | None:
        """Lift one restriction (appeal upheld, order withdrawn); returns it, or None if unknown."""
        cid = self._owner.pop(restriction_id, None)
        if cid is None:
            return None
        r = self._items[cid].pop(restriction_id)
        if not self._items[cid]:
            del self._items[cid]
        self._recompile(cid, time.time())
        return r

    def apply_decision(self, decision: Decision, key: str) -> list[Entry]:
        """Restrictions for a decision's visibility actions, ids ``{key}/{n}`` (e.g. the decision
        id); labels, reach and account actions do not change who can see the item."""
        out = []
        for n, a in enumerate(decision.actions):
            vis = ACTION_VISIBILITY.get(a.type)
            if vis is None:
                continue
            out.append(
                self.apply(
                    decision.content_id,
                    f"{key}/{n}",
                    vis,
                    a.scope.countries,
                    min_age=a.min_age,
                    expires_at=a.expires_at,
                    ground=str(a.ground),
                )
            )
        return out

    def reverse_all(self, content_id: str, prefix: str = "") -> list[Entry]:
        """Lift every restriction on an item whose id starts with ``prefix`` (a whole decision)."""
        ids = [rid for rid in self._items.get(content_id, {}) if rid.startswith(prefix)]
        return [r for rid in ids if (r := self.reverse(rid)) is not None]

    def _recompile(self, content_id: str, now: float) -> _Compiled | None:
        rs = self._items.get(content_id)
        if rs:
            expired = [rid for rid, r in rs.items() if r.expires_at <= now]
            for rid in expired:
                del rs[rid]
                del self._owner[rid]
            if not rs:
                del self._items[content_id]
                rs = None
        if not rs:
            self._compiled.pop(content_id, None)
            return None
        default = (0, 0)
        for r in rs.values():
            if r.countries is None:
                default = _merge(default, LEVEL[r.visibility], r.min_age)
        by_country: dict[str, tuple[int, int]] = {}
        for r in rs.values():
            for c in r.countries or ():
                by_country[c] = _merge(by_country.get(c, default), LEVEL[r.visibility], r.min_age)
        nxt = min(r.expires_at for r in rs.values())
        compiled = (nxt, default, by_country)
        self._compiled[content_id] = compiled
        return compiled

    # -- reads (the hot path) --------------------------------------------------------------------

    def visible(
        self,
        content_id: str,
        country: str | None,
        viewer_age: int | None = None,
        now: float | None = None,
    ) -> bool:
        """May a viewer in ``country`` (upper-case ISO code) aged ``viewer_age`` see the item?"""
        c = self._compiled.get(content_id)
        if c is None:
            return True
        if c[0] != _INF and (time.time() if now is None else now) >= c[0]:
            c = self._recompile(content_id, time.time() if now is None else now)
            if c is None:
                return True
        level, age = c[2].get(country, c[1]) if country else c[1]
        if level == 0:
            return True
        if level == 1:
            return viewer_age is not None and viewer_age >= age
        return False

    def state(
        self, content_id: str, country: str | None, now: float | None = None
    ) -> tuple[Visibility, int | None]:
        """The visibility level in ``country`` and, for age-restricted items, the age gate."""
        c = self._compiled.get(content_id)
        if c is not None and c[0] != _INF and (time.time() if now is None else now) >= c[0]:
            c = self._recompile(content_id, time.time() if now is None else now)
        if c is None:
            return Visibility.VISIBLE, None
        level, age = c[2].get(country, c[1]) if country else c[1]
        return _BY_LEVEL[level], (age if level == 1 else None)

    def restrictions(self, content_id: str) -> list[Entry]:
        return sorted(self._items.get(content_id, {}).values(), key=lambda r: r.id)

    def withheld_in(self, country: str, now: float | None = None) -> list[str]:
        """Items a viewer in ``country`` cannot see at all (withheld there or removed)."""
        t = time.time() if now is None else now
        out = []
        for cid in list(self._compiled):
            vis, _ = self.state(cid, country, t)
            if vis in (Visibility.WITHHELD, Visibility.REMOVED):
                out.append(cid)
        return sorted(out)


def add_restriction(ix: VisibilityIndex, r: Restriction) -> None:
    """Add one active restriction of the store to the index, by its own id."""
    vis = ACTION_VISIBILITY.get(r.action.type)
    if vis is None or r.lifted_at is not None:
        return
    ix.apply(
        r.content_id,
        r.id,
        vis,
        r.action.scope.countries,
        min_age=r.action.min_age,
        expires_at=r.action.expires_at,
        ground=str(r.action.ground),
    )


def from_restrictions(restrictions: Iterable[Restriction]) -> VisibilityIndex:
    """An index over the store's active restrictions (see :func:`add_restriction`)."""
    ix = VisibilityIndex()
    for r in restrictions:
        add_restriction(ix, r)
    return ix
