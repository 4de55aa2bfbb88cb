"""Operations see the clocks: ``GET /metrics`` (Prometheus text) and ``nigran status``."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from nigran import schedule
from nigran.api import create_app
from nigran.cli import build_app
from nigran.legal import orders
from nigran.legal.orders import OrderIn
from nigran.store import Store
from tests.legal.conftest import T0


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def test_metrics_and_status_show_orders_jobs_and_queues(legal_store: Store, store_url: str) -> None:
    with legal_store.transaction() as conn:
        late = orders.receive(conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0)
        orders.receive(
            conn, "PTA", OrderIn(legal_ground="PK.HATE", items=["v2"]), now=T0 + timedelta(hours=12)
        )
    # 49 h on: the first order's deadline has passed, the second is within its last quarter.
    schedule.run_due(legal_store, now=T0 + timedelta(hours=49))
    with TestClient(create_app(legal_store)) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    got = _samples(r.text)
    assert got[("nigran_orders", (("clock", "breached"), ("jurisdiction", "PK")))] == 1
    assert got[("nigran_orders", (("clock", "at_risk"), ("jurisdiction", "PK")))] == 1
    assert got[("nigran_orders_breached", (("jurisdiction", "PK"),))] == 1
    # The jobs still to come (the second order's breach, the cases' SLA) are due by the wall
    # clock, years after T0: overdue, since no scheduler ran with the wall clock here.
    assert got[("nigran_jobs", (("kind", "order.breach"), ("state", "overdue")))] == 1
    assert got[("nigran_jobs", (("kind", "order.at_risk"), ("state", "overdue")))] == 0
    depth = {k[1][0][1]: v for k, v in got.items() if k[0] == "nigran_review_queue_depth"}
    assert sum(depth.values()) == 2
    assert got[("nigran_decisions_total", (("automated", "true"),))] == 3  # the seeded items
    with legal_store.read() as conn:
        assert orders.get(conn, late.id).clock == "breached"

    result = CliRunner().invoke(build_app(), ["status", "--db", store_url])
    assert result.exit_code == 0, result.output
    assert "Open orders by clock" in result.output and "order.breach" in result.output
    pk = next(line for line in result.output.splitlines() if " PK " in line)
    # running, at risk, breached, stopped
    assert [c.strip() for c in pk.split("│")[2:6]] == ["0", "1", "1", "0"]
