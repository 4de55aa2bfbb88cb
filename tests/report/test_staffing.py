"""Erlang C and A against hand computation and the textbook example, the simulator against Erlang C
where both apply, the legal desks, the review budget and the command."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.errors import InvalidInput
from nigran.report import erlang, simulate, staffing
from nigran.report import period as periods
from nigran.report.arrivals import measure_mixes
from nigran.store import Store
from tests.report.test_figures import scenario

# The textbook example: 100 calls an hour, 3-minute handling, 80% answered within 20 seconds.
RATE, HANDLE, TARGET = 100.0, 3 / 60, 20 / 3600


def erlang_c_by_hand(n: int, a: float) -> float:
    """The closed formula with factorials (the module uses the Erlang B recursion instead)."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_erlang_c_textbook_example() -> None:
    a = RATE * HANDLE
    assert a == pytest.approx(5.0)
    for n, p_wait in ((6, 0.5875), (7, 0.3241), (8, 0.1673), (9, 0.0805)):
        assert erlang.erlang_c(n, a) == pytest.approx(erlang_c_by_hand(n, a), rel=1e-12)
        assert erlang.erlang_c(n, a) == pytest.approx(p_wait, abs=5e-5)
    # 7 reviewers answer 74.0% within 20 s, 8 answer 88.0%: 8 is the fewest for 80%.
    assert erlang.service_level(RATE, HANDLE, 7, TARGET) == pytest.approx(0.7404, abs=5e-5)
    assert erlang.service_level(RATE, HANDLE, 8, TARGET) == pytest.approx(0.8801, abs=5e-5)
    assert erlang.servers_for(RATE, HANDLE, TARGET, 0.8) == 8
    # Mean wait at 8: P(wait) * handle / (n - a) = 0.1673 * 180 s / 3 = 10.0 s.
    assert erlang.mean_wait_h(RATE, HANDLE, 8) * 3600 == pytest.approx(10.04, abs=0.01)
    assert erlang.erlang_c(5, a) == 1.0 and erlang.service_level(RATE, HANDLE, 5, TARGET) == 0.0


def test_erlang_a_tends_to_erlang_c_and_loses_callers_when_short() -> None:
    patient = erlang.erlang_a(RATE, HANDLE, 8, patience_h=1e5)
    assert patient.p_wait == pytest.approx(erlang.erlang_c(8, 5.0), abs=1e-4)
    assert patient.p_abandon < 1e-6
    short = [erlang.erlang_a(RATE, HANDLE, n, patience_h=2 / 60).p_abandon for n in (4, 6, 8)]
    assert short[0] > short[1] > short[2] > 0
    # With fewer reviewers than the load, M/M/n+M is still stable: impatient callers leave.
    assert 0 < erlang.erlang_a(RATE, HANDLE, 4, patience_h=2 / 60).p_abandon < 1
    with pytest.raises(InvalidInput):
        erlang.erlang_a(RATE, HANDLE, 0, 1.0)


def test_simulation_agrees_with_erlang_c() -> None:
    """Poisson arrivals, exponential handling, first come first served: the simulated share
    picked up within 20 s has the formula's value inside its 95% interval."""
    levels = []
    for seed in range(30):
        pieces = simulate.poisson_pieces(RATE, HANDLE, hours=100, seed=seed)
        done = simulate.run(pieces, 8, policy="fifo")
        levels.append(simulate.outcome(pieces, done, TARGET).picked_within)
    est = simulate.mean_ci(levels)
    formula = erlang.service_level(RATE, HANDLE, 8, TARGET)
    assert est.low <= formula <= est.high, (est, formula)
    assert est.high - est.low < 0.02


def test_wilson_interval_at_zero() -> None:
    zero = simulate.wilson(0, 100)
    assert zero.mean == 0 and zero.low == 0 and zero.high == pytest.approx(0.037, abs=1e-3)


def test_legal_desks_from_the_packs() -> None:
    pk = dict(staffing.desks(simulate.PK_MIX))
    # The live stream's 15-minute SLO goes to its own desk; 48 h and 12 h orders and the
    # 9-day grievances to the legal desk.
    assert [t.order_type for t in pk["short-clock"].types] == ["PK.PTA_LIVE_STREAM"]
    assert {t.order_type for t in pk["legal"].types} == {
        "PK.PTA_DIRECTION",
        "PK.PTA_EMERGENCY",
        "PK.USER_GRIEVANCE",
    }
    assert "short-clock" not in dict(staffing.desks(simulate.IN_MIX))  # 2 h is the shortest
    plan = staffing.plan_desk(pk["legal"], "legal", scale=10, seeds=range(8), max_risk=0.4)
    assert plan.recommended is not None
    best = plan.rows[-1]
    assert best.servers == plan.recommended and best.risk_of_miss.high <= 0.4
    if len(plan.rows) > 1:
        assert plan.rows[-2].risk_of_miss.high > 0.4


def test_review_budget_by_hand() -> None:
    load = staffing.QueueLoad(
        queue="ur-hate",
        shift="day",
        rate_per_h=10,
        proactive_per_h=4,
        flagged_per_h=22,
        handle_h=0.1,
        target_h=1,
        language="ur",
    )
    plan = staffing.QueuePlan(load, staff=2, levels={})
    (b,) = staffing.review_budget([plan], utilisation=0.85)
    # 2 reviewers x 0.85 / 0.1 h = 17 an hour; 6 must be taken (10 - 4 from detection);
    # 11 left for 22 flagged: half of them.
    assert b.capacity_per_h == 17 and b.other_per_h == 6 and b.share == 0.5
    with pytest.raises(InvalidInput):
        staffing.review_budget([plan], utilisation=0)


def test_plan_staff_command(tmp_path: Path) -> None:
    rates = tmp_path / "rates.yaml"
    rates.write_text(
        "queues:\n"
        "  - {queue: ur-hate, language: ur, rate_per_h: 40, proactive_per_h: 25,\n"
        "     flagged_per_h: 90, handle_minutes: 2.5, target_hours: 1,\n"
        "     shifts: {night: 0.5, day: 1.4, evening: 1.1}}\n"
        "  - {queue: en, language: en, rate_per_h: 100, handle_minutes: 3,\n"
        "     target_hours: 0.00555556, patience_minutes: 2}\n"
        "mixes:\n"
        "  IN: {orders_per_month: 20}\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        build_app(),
        [
            *("plan", "staff", "--rates", str(rates), "--mix", "IN"),
            *("--seeds", "6", "--max-risk", "0.5", "--budget"),
        ],
        env={"COLUMNS": "200"},
    )
    assert r.exit_code == 0, r.output
    assert "IN legal desk:" in r.output and "on duty around the clock" in r.output
    # The textbook queue inside the file: 8 on duty, 74.0% / 88.0% / 94.8% at 7 / 8 / 9.
    assert "74.0% / 88.0% / 94.8%" in r.output
    assert "Review budget" in r.output
    # Too few simulated months to bound the risk that tightly: refused, not silently wrong.
    r = CliRunner().invoke(
        build_app(), ["plan", "staff", "--mix", "PK", "--seeds", "10", "--max-risk", "0.05"]
    )
    assert r.exit_code == 2 and "cannot go below" in re.sub(r"[│\s]+", " ", r.output)
    bad = tmp_path / "bad.yaml"
    bad.write_text("queues:\n  - {queue: x}\n", encoding="utf-8")
    r = CliRunner().invoke(build_app(), ["plan", "staff", "--rates", str(bad), "--mix", "IN"])
    assert r.exit_code == 2 and "not a rates file" in r.output


def test_order_mixes_measured_from_the_record(sqlite_store: Store) -> None:
    """The hand-counted scenario's half-year: PK sent A, B, C, D (1, 2, 1 and 1 items, all
    at 14:00 Karachi time), IN sent F and DE sent E; one notice invokes Indian law."""
    scenario(sqlite_store)
    with sqlite_store.read() as conn:
        mixes = measure_mixes(conn, periods.parse("2026-H2"))
        loads = staffing.measure(conn, periods.parse("2026-H2"))
    # The queues' rates are measured; no case was claimed and decided in the review queues, so
    # no handling time was, and the plan says it assumed one.
    assert loads and all(ld.measured and not ld.handle_measured for ld in loads)
    assert sorted(mixes) == ["DE", "IN", "PK"]
    month = 720 / (184 * 24)  # a 30-day month over the 184 days of July to December
    pk = mixes["PK"]
    assert pk.orders_per_month == pytest.approx(4 * month)
    assert [(t.order_type, t.share) for t in pk.types] == [("PK.PTA_DIRECTION", 1.0)]
    assert pk.office_share == 1.0 and pk.utc_offset_h == 5.0
    assert pk.items_median == pytest.approx(2**0.25)  # geometric mean of 1, 2, 1, 1
    assert "4 orders" in pk.source
    india = mixes["IN"]
    grievances = [t for t in india.types if t.per_month is not None]
    assert [(t.order_type, t.per_month) for t in grievances] == [
        ("IN.GRIEVANCE", pytest.approx(month))
    ]
    assert india.utc_offset_h == 5.5
    # A mix Nigran has no built-in figures for (E: a German authority's Art. 9 order, in the
    # EU pack) still gets its clocks from its pack.
    assert [(t.order_type, t.share) for t in mixes["DE"].types] == [("EU.ART9_ORDER", 1.0)]
    assert staffing.desks(mixes["DE"])


def test_plan_staff_from_the_record_and_given_volumes(sqlite_store: Store) -> None:
    scenario(sqlite_store)
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(
        build_app(),
        [
            "plan", "staff", "--from-record", "--period", "2026-H2", "--mix", "IN",
            "--seeds", "20", "--max-risk", "0.2", "--db", url,
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "IN volume: measured from the record, 2026-H2: 1 orders" in r.output
    assert "assumed" in r.output  # the footnote on the queues without a handling time
    r = CliRunner().invoke(
        build_app(),
        ["plan", "staff", "--mix", "IN", "--volume", "IN=30", "--seeds", "20", "--max-risk", "0.2"],
    )
    assert r.exit_code == 0, r.output
    assert "IN volume: given: 30 orders a month" in r.output
    r = CliRunner().invoke(build_app(), ["plan", "staff", "--from-record", "--mix", "IN"])
    assert r.exit_code != 0 and "--period" in r.output
