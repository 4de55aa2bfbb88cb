"""``nigran db upgrade`` on a database written before restrictions existed (issue #16, part 7).

The fixtures are dumps of a database that the code before the restrictions rewrite filled
(``fixtures/make_pre_restrictions.sh``: 60 items of the sample stream, a PTA order withheld by
legal review, a DE user notice acted on, an appeal reversed, the automated notices, a signed
checkpoint). After the upgrade every restriction in force has the best provenance the stored
rows give, visibility is what it was, and the ledger still verifies across the migration.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from nigran import enforce, ledger
from nigran.cli import build_app
from nigran.store import Store
from nigran.store.tables import enforcement, restrictions
from nigran.store.tables_legal import notices, orders, reports

FIXTURES = Path(__file__).parent / "fixtures"


def _load(url: str, tmp_path: Path) -> None:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            db.executescript((FIXTURES / "pre_restrictions.sqlite.sql").read_text())
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute((FIXTURES / "pre_restrictions.pg.sql").read_text())  # type: ignore[arg-type]
        conn.execute(text("SELECT pg_catalog.set_config('search_path', 'public', false)"))
    engine.dispose()


def test_upgrade_gives_restrictions_provenance_and_keeps_the_ledger(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(store_url, tmp_path)
    monkeypatch.setenv("NIGRAN_LEDGER_KEY", str(FIXTURES / "pre_restrictions.key.pem"))
    old = Store.open(store_url, upgrade=False)
    with old.read() as conn:
        assert "0004_restrictions" not in (old.current_revision() or "")
        before = {
            (r.content_id, r.country): (r.visibility, r.ground, r.min_age)
            for r in conn.execute(
                select(
                    enforcement.c.content_id,
                    enforcement.c.country,
                    enforcement.c.visibility,
                    enforcement.c.ground,
                    enforcement.c.min_age,
                )
            )
        }
        head_before = ledger.verify(conn)
    old.dispose()
    assert head_before.ok and before

    r = CliRunner().invoke(build_app(), ["db", "upgrade", "--db", store_url])
    assert r.exit_code == 0, r.output
    # Upgraded to every head (the restrictions revision and those built on it).
    heads = ScriptDirectory.from_config(old.alembic_config()).get_heads()
    assert all(h in r.output for h in heads), (heads, r.output)

    store = Store.open(store_url)
    try:
        with store.read() as conn:
            after = {
                (r.content_id, r.country): (r.visibility, r.ground, r.min_age)
                for r in conn.execute(select(enforcement))
            }
            assert after == before  # nobody sees anything differently
            held = enforce.active(conn, {cid for cid, _ in before})
            order = conn.execute(select(orders)).one()
            report = conn.execute(select(reports)).one()
            migrated = [
                e for e in ledger.for_subject(conn, "v-order") if e.kind.endswith("migrated")
            ]
            verified = ledger.verify(conn)
            linked = (
                conn.execute(
                    select(notices.c.restriction_id).where(notices.c.content_id == "v-order")
                )
                .scalars()
                .all()
            )
            n_rows = len(conn.execute(select(restrictions)).all())
        # Provenance from the stored decisions.
        (o,) = held["v-order"]
        assert (o.source.value, o.source_ref, o.decided_by) == (
            "order",
            f"order:{order.id}",
            "farah",
        )
        assert (o.action.type.value, o.action.scope.countries) == ("withhold", ("PK",))
        (n,) = held["v-report"]
        assert (n.source.value, n.source_ref, n.decided_by) == (
            "notice",
            f"report:{report.id}",
            "sana",
        )
        automated = [r for rs in held.values() for r in rs if r.source.value == "automated"]
        assert automated and all(r.decided_by.startswith("policy:") for r in automated)
        assert all(r.binds.value == "version" for r in automated)
        assert n_rows == sum(len(rs) for rs in held.values())
        assert linked == [o.id]
        # Every restriction is ledgered, and the chain still verifies across the migration.
        assert len(migrated) == 1 and migrated[0].data()["id"] == o.id
        assert verified.ok and verified.entries > head_before.entries
        assert (
            "ledger OK"
            in CliRunner().invoke(build_app(), ["ledger", "verify", "--db", store_url]).output
        )
        # The serving path's view, rebuilt from restrictions, answers as the rows did.
        enforcer = enforce.Enforcer(store)
        for (cid, country), (vis, _, _) in before.items():
            c = None if country == "*" else country
            assert enforcer.answer(cid, c, 30).visibility.value == vis
    finally:
        store.dispose()
