"""Claims on SQLite and PostgreSQL: exclusive, expiring, ordered by urgency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nigran.errors import ClaimConflict, ClaimExpired, Forbidden
from nigran.model import Reach, utcnow
from nigran.review import cases
from nigran.review.decide import Verdict, decide
from nigran.store import Store
from nigran.store.tables import cases as cases_t
from nigran.store.tables import decisions, ledger
from tests.review.support import report, reviewer, stored


def _ledger_head(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.max(ledger.c.seq))).scalar_one())


def test_concurrent_reviewers_never_share_a_case(store: Store) -> None:
    n_cases, n_reviewers = 30, 8
    for i in range(n_cases):
        report(store, stored(store, f"k{i}"), category="hate")
    barrier = threading.Barrier(n_reviewers)

    def work(r: int) -> list[str]:
        me = reviewer(f"r{r}", "ur-hate")
        barrier.wait()
        got = []
        while (c := cases.claim_next(store, me, max_held=0)) is not None:
            got.append(c.case_id)
        return got

    with ThreadPoolExecutor(n_reviewers) as pool:
        results = list(pool.map(work, range(n_reviewers)))
    claimed = [c for r in results for c in r]
    assert len(claimed) == n_cases
    assert len(set(claimed)) == n_cases
    with store.read() as conn:
        rows = conn.execute(select(cases_t.c.claimed_by, cases_t.c.claim_seq)).all()
    assert all(r.claim_seq == 1 for r in rows)
    holders = {c: f"r{i}" for i, got in enumerate(results) for c in got}
    with store.read() as conn:
        for cid, who in holders.items():
            assert cases.case_row(conn, cid).claimed_by == who


def test_race_on_one_case_has_one_winner(store: Store) -> None:
    report(store, stored(store, "solo"))
    n = 8
    barrier = threading.Barrier(n)

    def grab(r: int) -> object:
        barrier.wait()
        return cases.claim_next(store, reviewer(f"r{r}", "ur-hate"))

    with ThreadPoolExecutor(n) as pool:
        got = [g for g in pool.map(grab, range(n)) if g is not None]
    assert len(got) == 1


def test_expired_claim_returns_and_the_old_holder_cannot_decide(store: Store) -> None:
    t0 = utcnow()
    cid = report(store, stored(store, "e1"), now=t0)
    first = cases.claim_next(store, reviewer("a", "ur-hate"), now=t0, minutes=5)
    assert first is not None and first.case_id == cid
    # Still held: nobody else gets it.
    assert cases.claim_next(store, reviewer("b", "ur-hate"), now=t0 + timedelta(minutes=4)) is None
    later = t0 + timedelta(minutes=6)
    second = cases.claim_next(store, reviewer("b", "ur-hate"), now=later)
    assert second is not None and second.case_id == cid and second.seq == 2
    with store.read() as conn:
        n_dec = conn.execute(select(func.count()).select_from(decisions)).scalar_one()
    head = _ledger_head(store)
    with pytest.raises(ClaimConflict, match="not claimed by a"):
        decide(store, cid, "a", Verdict("remove", "policy:hate"), now=later)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(decisions)).scalar_one() == n_dec
        assert cases.case_row(conn, cid).status == "claimed"
    assert _ledger_head(store) == head


def test_deciding_after_own_claim_expired_is_refused(store: Store) -> None:
    t0 = utcnow()
    cid = report(store, stored(store, "e2"), now=t0)
    cases.claim_next(store, reviewer("a", "ur-hate"), now=t0, minutes=1)
    with pytest.raises(ClaimExpired, match="expired"):
        decide(store, cid, "a", Verdict("none"), now=t0 + timedelta(minutes=2))


def test_sweep_returns_expired_claims(store: Store) -> None:
    t0 = utcnow()
    cid = report(store, stored(store, "e3"), now=t0)
    cases.claim_next(store, reviewer("a", "ur-hate"), now=t0, minutes=1)
    assert cases.expire_claims(store, now=t0 + timedelta(seconds=30)) == []
    assert cases.expire_claims(store, now=t0 + timedelta(minutes=2)) == [cid]
    with store.read() as conn:
        row = cases.case_row(conn, cid)
    assert (row.status, row.claimed_by) == ("open", None)


def test_order_at_risk_first_by_deadline_then_priority(store: Store) -> None:
    t0 = datetime.now(UTC)
    viral = stored(store, "viral", reach=Reach(views=100_000, views_per_hour=5_000).model_dump())
    calm = stored(store, "calm")
    due = stored(store, "due")
    due2 = stored(store, "due2")
    c_viral = report(store, viral, severity=2, now=t0)
    c_calm = report(store, calm, severity=2, now=t0)
    # Two lower-priority cases with legal deadlines that will be at risk at t0 + 50 min.
    c_due2 = report(store, due2, severity=1, now=t0, legal_deadline=t0 + timedelta(minutes=60))
    c_due = report(store, due, severity=1, now=t0, legal_deadline=t0 + timedelta(minutes=55))
    me = reviewer("a", "ur-hate")
    now = t0 + timedelta(minutes=50)
    order = [cases.claim_next(store, me, now=now, max_held=0) for _ in range(4)]
    assert [c.case_id for c in order if c] == [c_due, c_due2, c_viral, c_calm]


def test_queue_assignment_and_escalation(store: Store) -> None:
    cid = report(store, stored(store, "x1"))
    other = reviewer("o", "ur-sexual")
    assert cases.claim_next(store, other) is None
    with pytest.raises(Forbidden):
        cases.claim_next(store, other, "ur-hate")
    a = reviewer("a", "ur-hate")
    assert cases.claim_next(store, a) is not None
    cases.escalate(store, cid, "a", "legal", "needs PECA reading")
    assert cases.claim_next(store, a) is None
    assert cases.claim_next(store, reviewer("l", roles=("lead",))) is None  # legal, not lead
    got = cases.claim_next(store, reviewer("g", roles=("legal",)))
    assert got is not None and got.case_id == cid


def test_second_opinion_goes_to_someone_else(store: Store) -> None:
    cid = report(store, stored(store, "x2"))
    a, b = reviewer("a", "ur-hate"), reviewer("b", "ur-hate")
    cases.claim_next(store, a)
    cases.second_opinion(store, cid, "a", "not sure this is hate")
    assert cases.claim_next(store, a) is None
    got = cases.claim_next(store, b)
    assert got is not None and got.case_id == cid
    with store.read() as conn:
        assert cases.case_row(conn, cid).kind == "second_opinion"


def test_exposure_cap_holds_back_severe_cases(store: Store) -> None:
    t0 = utcnow()
    severe = report(store, stored(store, "sev1"), severity=4, now=t0)
    severe2 = report(store, stored(store, "sev2"), severity=4, now=t0)
    mild = report(store, stored(store, "mild"), severity=1, now=t0)
    me = reviewer("a", "ur-hate", cap=1)
    c = cases.claim_next(store, me, now=t0)
    assert c is not None and c.case_id in (severe, severe2)
    decide(store, c.case_id, "a", Verdict("none"), now=t0)
    nxt = cases.claim_next(store, me, now=t0)
    assert nxt is not None and nxt.case_id == mild


def test_category_clearance_limits_what_is_served(store: Store) -> None:
    report(store, stored(store, "cat1"), category="violent_extremism", severity=4)
    hate = report(store, stored(store, "cat2"), category="hate", severity=1)
    me = cases.Reviewer(
        "a", frozenset({"reviewer"}), frozenset({"ur-hate"}), None, frozenset({"hate"})
    )
    got = cases.claim_next(store, me, max_held=0)
    assert got is not None and got.case_id == hate
    assert cases.claim_next(store, me, max_held=0) is None


def test_a_reviewer_of_several_queues_gets_the_most_urgent_across_them(store: Store) -> None:
    t0 = datetime.now(UTC)
    # ur-hate: a calm case; ur-Latn-hate: a viral one (higher priority) and, later, one at risk.
    calm = report(store, stored(store, "m-calm"), severity=2, now=t0)
    viral_item = stored(
        store, "m-viral", reach=Reach(views=100_000, views_per_hour=5_000).model_dump()
    )
    viral = report(store, viral_item, severity=2, language="ur-Latn", now=t0)
    due = report(
        store,
        stored(store, "m-due"),
        severity=0,
        now=t0,
        legal_deadline=t0 + timedelta(minutes=55),
    )
    me = reviewer("both", "ur-hate", "ur-Latn-hate")
    with store.read() as conn:
        assert {cases.case_row(conn, c).queue for c in (calm, viral, due)} == {
            "ur-hate",
            "ur-Latn-hate",
        }
    now = t0 + timedelta(minutes=50)  # `due` is at risk from here
    order = [cases.claim_next(store, me, now=now, max_held=0) for _ in range(4)]
    assert [c.case_id for c in order if c] == [due, viral, calm]
    assert order[3] is None


def test_a_reviewer_without_queues_claims_nothing(store: Store) -> None:
    report(store, stored(store, "nq"))
    assert cases.claim_next(store, reviewer("nobody")) is None


def test_one_claim_per_reviewer_returns_the_held_case(store: Store) -> None:
    t0 = utcnow()
    first = report(store, stored(store, "one1"), severity=3, now=t0)
    second = report(store, stored(store, "one2"), severity=1, now=t0)
    other = report(store, stored(store, "one3"), severity=1, category="sexual", now=t0)
    me = reviewer("a", "ur-hate", "ur-sexual")
    got = cases.claim_next(store, me, now=t0)
    assert got is not None and (got.case_id, got.held) == (first, False)
    # Asking again, in this queue or another, gives back the held case, not a second one.
    again = cases.claim_next(store, me, now=t0 + timedelta(minutes=1))
    assert again is not None and (again.case_id, again.held, again.seq) == (first, True, got.seq)
    elsewhere = cases.claim_next(store, me, "ur-sexual", now=t0 + timedelta(minutes=1))
    assert elsewhere is not None and elsewhere.case_id == first and elsewhere.held
    with store.read() as conn:
        assert [c.case_id for c in cases.held_claims(conn, "a", t0)] == [first]
        assert cases.case_row(conn, second).status == "open"
        assert cases.case_row(conn, other).status == "open"
    # Once it is decided, the next claim is a new case.
    decide(store, first, "a", Verdict("none"), now=t0 + timedelta(minutes=2))
    nxt = cases.claim_next(store, me, now=t0 + timedelta(minutes=2))
    assert nxt is not None and not nxt.held and nxt.case_id in (second, other)


def test_a_run_out_claim_is_not_held(store: Store) -> None:
    t0 = utcnow()
    first = report(store, stored(store, "ro1"), severity=3, now=t0)
    second = report(store, stored(store, "ro2"), severity=1, now=t0)
    me = reviewer("a", "ur-hate")
    assert cases.claim_next(store, me, now=t0, minutes=5) is not None
    later = t0 + timedelta(minutes=6)
    with store.read() as conn:
        assert cases.held_claims(conn, "a", later) == []
        stats = cases.queue_stats(conn, ["ur-hate"], later)["ur-hate"]
        assert (stats.open, stats.claimed) == (2, 0)  # the stale claim counts as open
        assert cases.queue_stats(conn, ["ur-hate"], t0)["ur-hate"].claimed == 1
    got = cases.claim_next(store, me, now=later)
    # The run-out claim does not block: the most urgent case (the same one) is claimed afresh.
    assert got is not None and not got.held and got.case_id == first and got.seq == 2
    assert second != first


def test_multi_claim_mode_and_concurrent_claims_of_one_reviewer(store: Store) -> None:
    for i in range(6):
        report(store, stored(store, f"mc{i}"))
    me = reviewer("a", "ur-hate")
    # Eight requests of one reviewer at once (tabs, retries) still leave one claim held.
    n = 8
    barrier = threading.Barrier(n)

    def grab(_: int) -> str | None:
        barrier.wait()
        c = cases.claim_next(store, me)
        return c.case_id if c else None

    with ThreadPoolExecutor(n) as pool:
        got = set(pool.map(grab, range(n)))
    with store.read() as conn:
        held = cases.held_claims(conn, "a", utcnow())
    assert len(got) == 1 and [c.case_id for c in held] == list(got)
    # Multi-claim mode (max_held=0, or claims_per_reviewer: 0 in the queue file): no limit;
    # a limit of 3 stops at three.
    assert cases.claim_next(store, me, max_held=3) is not None
    assert cases.claim_next(store, me, max_held=3) is not None
    third = cases.claim_next(store, me, max_held=3)
    assert third is not None and third.held and third.case_id in got
    extra = cases.claim_next(store, me, max_held=0)
    assert extra is not None and not extra.held
    with store.read() as conn:
        assert len(cases.held_claims(conn, "a", utcnow())) == 4
