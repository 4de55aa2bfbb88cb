"""Decision, restriction and enforcement rows checked against their ledger entries (issue #21):
each kind of edit made directly in the database is named, on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, delete, insert, update

from nigran import audit
from nigran.legal import orders
from nigran.legal.orders import OrderIn
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from nigran.store.tables import decisions, enforcement, restrictions
from tests.factories import SEXUAL_RU, THREAT_UR, item
from tests.legal.conftest import T0, seed


def world(store: Store) -> None:
    seed(store)  # v1, v2, v3 and the authorities
    Pipeline(store).run([item("t1", THREAT_UR), item("s1", SEXUAL_RU)], now=T0)
    with store.transaction() as conn:
        o = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["v1"]), now=T0)
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)


def _problems(store: Store) -> list[str]:
    with store.read() as conn:
        return audit.check(conn)


def test_untouched_tables_agree_with_the_ledger(store: Store) -> None:
    world(store)
    assert _problems(store) == []


EDITS: dict[str, tuple[Callable[[Connection], object], str]] = {
    "decision outcome": (
        lambda c: c.execute(
            update(decisions).where(decisions.c.content_id == "t1").values(outcome="none")
        ),
        "outcome is 'none' in the table, 'remove' in the ledger",
    ),
    "restriction deleted": (
        lambda c: c.execute(delete(restrictions).where(restrictions.c.content_id == "v1")),
        "ledgered but missing from the table",
    ),
    "restriction lifted in place": (
        lambda c: c.execute(
            update(restrictions)
            .where(restrictions.c.content_id == "v1")
            .values(lifted_at=T0, lifted_by="appeal")
        ),
        "lifted in the table, never in the ledger",
    ),
    "restriction re-scoped": (
        lambda c: c.execute(
            update(restrictions).where(restrictions.c.content_id == "v1").values(countries=["IN"])
        ),
        "countries is ['IN'] in the table, ['PK'] in the ledger",
    ),
    "restriction inserted": (
        lambda c: c.execute(
            insert(restrictions).values(
                id="forged",
                content_id="v2",
                version=1,
                binds="item",
                action="remove",
                countries=None,
                ground_kind="policy",
                ground_code="hate",
                source="reviewer",
                decided_by="mallory",
                created_at=T0,
            )
        ),
        "restriction forged: no restriction.added entry",
    ),
    "visibility edited": (
        lambda c: c.execute(
            update(enforcement)
            .where(enforcement.c.content_id == "v1", enforcement.c.country == "PK")
            .values(visibility="visible")
        ),
        "enforcement v1/PK: visible in the table, withheld in the ledger",
    ),
    "enforcement row deleted": (
        lambda c: c.execute(delete(enforcement).where(enforcement.c.content_id == "t1")),
        "enforcement t1/*: removed in the ledger, no row in the table",
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_edit_in_the_database_is_named(store: Store, edit: str) -> None:
    world(store)
    change, expected = EDITS[edit]
    with store.transaction() as conn:
        change(conn)
    problems = _problems(store)
    assert any(expected in p for p in problems), problems


def test_ledger_verify_names_an_edited_row(
    store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from nigran.cli import build_app

    world(store)
    verify = ["ledger", "verify", "--db", store_url]
    ok = CliRunner().invoke(build_app(), verify)
    assert ok.exit_code == 0 and "rows against their ledger entries" in ok.output, ok.output
    with store.transaction() as conn:
        EDITS["visibility edited"][0](conn)
    broken = CliRunner().invoke(build_app(), verify)
    assert broken.exit_code == 1
    assert "enforcement v1/PK: visible in the table, withheld in the ledger" in broken.output
