from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from nigran import enforce
from nigran.errors import InvalidInput
from nigran.model import Visibility
from nigran.policy.visibility import VisibilityIndex


def test_per_country_withholding() -> None:
    ix = VisibilityIndex()
    ix.apply("p", "order-1", Visibility.WITHHELD, ["pk"], ground="law:PK.DECENCY")
    assert not ix.visible("p", "PK", 40)
    assert ix.visible("p", "DE", 40) and ix.visible("p", None, 40)
    assert ix.visible("other", "PK")
    assert ix.withheld_in("PK") == ["p"] and ix.withheld_in("DE") == []


def test_age_gate_unknown_age_counts_as_too_young() -> None:
    ix = VisibilityIndex()
    ix.apply("p", "d/0", Visibility.AGE_RESTRICTED, None, min_age=18)
    ix.apply("p", "d/1", Visibility.AGE_RESTRICTED, ["DE"], min_age=21)
    assert ix.visible("p", "PK", 18) and not ix.visible("p", "PK", 17) and not ix.visible("p", "PK")
    assert not ix.visible("p", "DE", 18) and ix.visible("p", "DE", 21)  # the stricter gate in DE
    assert ix.state("p", "DE") == (Visibility.AGE_RESTRICTED, 21)


def test_reversal_restores_visibility_but_keeps_other_restrictions() -> None:
    ix = VisibilityIndex()
    ix.apply("p", "order-1", Visibility.WITHHELD, ["PK"])
    ix.apply("p", "dec-2", Visibility.WITHHELD, ["PK", "IN"])
    assert ix.reverse("dec-2") is not None  # appeal upheld
    assert not ix.visible("p", "PK", 30)  # the order still stands in PK
    assert ix.visible("p", "IN", 30)
    ix.reverse("order-1")  # order withdrawn
    assert ix.visible("p", "PK", 30) and len(ix) == 0
    assert ix.reverse("order-1") is None


def test_expiry_lifts_a_restriction() -> None:
    ix = VisibilityIndex()
    t = time.time()
    ix.apply("p", "tmp", Visibility.WITHHELD, ["DE"], expires_at=t + 60)
    assert not ix.visible("p", "DE", now=t)
    assert ix.visible("p", "DE", now=t + 61)
    assert ix.restrictions("p") == []


def test_removal_is_global_and_bad_input_is_refused() -> None:
    ix = VisibilityIndex()
    ix.apply("p", "x", Visibility.REMOVED, ["PK"])
    assert not ix.visible("p", "US", 50)
    with pytest.raises(InvalidInput):
        ix.apply("p", "y", Visibility.AGE_RESTRICTED, None)
    with pytest.raises(InvalidInput):
        ix.apply("p", "z", Visibility.WITHHELD, [])
    with pytest.raises(InvalidInput):
        ix.apply("q", "x", Visibility.WITHHELD, ["PK"])  # id owned by another item


def test_agrees_with_the_store_resolver_on_random_rows() -> None:
    rnd = random.Random(3)
    now = datetime.now(UTC)
    kinds = [Visibility.AGE_RESTRICTED, Visibility.WITHHELD, Visibility.REMOVED]
    for _ in range(300):
        rows: dict[str, enforce.CountryState] = {}
        ix = VisibilityIndex()
        gated = False
        for country in rnd.sample(["*", "PK", "DE", "IN"], rnd.randint(1, 3)):
            # One age gate per item: where a global and a country gate differ, the index applies
            # the stricter one and enforce.resolve the global one (reported to the core).
            vis = rnd.choice(kinds[1:] if gated else kinds)
            gated = gated or vis is Visibility.AGE_RESTRICTED
            if vis is Visibility.REMOVED and country != "*":
                vis = Visibility.WITHHELD
            age = rnd.choice([13, 16, 18]) if vis is Visibility.AGE_RESTRICTED else None
            exp = rnd.choice([None, now + timedelta(days=1), now - timedelta(days=1)])
            rows[country] = enforce.CountryState(vis, None, age, exp)
            if exp is not None and exp <= now:
                continue  # already expired: the index would drop it on insert
            ix.apply(
                "p",
                f"r/{country}",
                vis,
                None if country == "*" else [country],
                min_age=age,
                expires_at=exp,
            )
        for country in ["PK", "DE", "IN", "US"]:
            for age in [None, 14, 17, 30]:
                assert (
                    ix.visible("p", country, age)
                    == enforce.resolve(rows, country, age, now).visible
                )


def test_the_fold_and_the_index_agree_that_removal_is_global() -> None:
    from nigran.model import Action, ActionType, Ground, Scope
    from nigran.policy.visibility import country_states

    remove_in_de = Action(
        type=ActionType.REMOVE, scope=Scope.only("DE"), ground=Ground(kind="policy", code="hate")
    )
    rows = country_states([remove_in_de])
    assert set(rows) == {"*"} and rows["*"].visibility is Visibility.REMOVED
    ix = VisibilityIndex()
    ix.apply("p", "x", Visibility.REMOVED, ["DE"])
    for country in ["DE", "PK", "US"]:
        assert ix.visible("p", country, 30) == enforce.resolve(rows, country, 30).visible
