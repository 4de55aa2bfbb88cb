"""The pipeline against a real store: SQLite and PostgreSQL, same code, same assertions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from nigran import ledger
from nigran.errors import ConflictingResubmission
from nigran.model import Content, Decision, Lifter, Signal
from nigran.policy import PolicyContext, default_policy
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store, queries
from nigran.store.tables import cases, content, decisions, enforcement, restrictions, signals
from tests.factories import BENIGN_UR, SEXUAL_RU, THREAT_RU, THREAT_UR, item


def counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (content, signals, decisions, enforcement, cases)
        } | {"ledger": int(ledger.verify(conn).entries)}


def test_migrations_are_idempotent(store: Store) -> None:
    assert store.current_revision() is not None
    store.upgrade()
    again = Store.open(store.engine.url.render_as_string(hide_password=False))
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(store.alembic_config()).get_heads()
    assert again.current_revision() == store.current_revision() == ",".join(sorted(heads))


def test_threat_in_urdu_is_removed_and_recorded(store: Store) -> None:
    result = Pipeline(store).run([item("u1", THREAT_UR), item("u2", BENIGN_UR)])
    assert not result.errors
    threat, benign = result.outcomes
    assert threat.decision.outcome == "remove"
    assert {s.category for s in threat.signals} == {"threat"}  # the lexicon and the classifier
    lexicon = next(s for s in threat.signals if s.detector == "lexicon")
    span = lexicon.evidence.spans[0]
    assert THREAT_UR[span.start : span.end] == "جان سے مار دوں گا"
    assert benign.decision.outcome == "none"
    assert not [s for s in benign.signals if s.detector == "lexicon"]
    with store.read() as conn:
        rec = queries.content_record(conn, "u1")
        assert rec.decision.outcome == "remove"
        assert rec.visibility["*"].visibility.value == "removed"
        kinds = [e.kind for e in ledger.entries(conn) if e.subject == "u1"]
        assert ledger.verify(conn).ok
    n = len(threat.signals)
    assert kinds[: n + 2] == ["content.stored", *["signal.recorded"] * n, "decision.made"]
    # One entry per country row that changed, and a review case if the policy asks for one.
    assert "enforcement.changed" in kinds[n + 2 :]
    assert set(kinds[n + 2 :]) <= {"restriction.added", "enforcement.changed", "case.opened"}
    assert rec.ledger == threat.ledger


def test_same_item_twice_is_one_decision(store: Store) -> None:
    pipe = Pipeline(store)
    first = pipe.run([item("a", THREAT_RU)]).outcomes[0]
    again = pipe.run([item("a", THREAT_RU), item("a", THREAT_RU)])
    assert [o.duplicate for o in again.outcomes] == [True, True]
    assert {o.decision_id for o in again.outcomes} == {first.decision_id}
    assert counts(store)["decisions"] == 1
    # Within one batch, too.
    inside = pipe.run([item("b", THREAT_RU), item("b", THREAT_RU)])
    assert [o.duplicate for o in inside.outcomes] == [False, True]
    assert counts(store)["decisions"] == 2


def test_conflicting_resubmission_is_refused_and_leaves_nothing(store: Store) -> None:
    pipe = Pipeline(store)
    pipe.run([item("a", THREAT_RU)])
    before = counts(store)
    result = pipe.run([item("a", "a different body"), item("c", BENIGN_UR)])
    assert [e.index for e in result.errors] == [0]
    assert isinstance(result.errors[0].error, ConflictingResubmission)
    assert [o.content.id for o in result.outcomes] == ["c"]
    after = counts(store)
    assert after["content"] == before["content"] + 1
    assert after["decisions"] == before["decisions"] + 1


def test_new_version_lifts_enforcement(store: Store) -> None:
    pipe = Pipeline(store)
    pipe.run([item("v", SEXUAL_RU)])
    with store.read() as conn:
        rows = queries.content_record(conn, "v").visibility
    assert rows["PK"].visibility.value == "withheld"
    assert rows["*"].visibility.value == "age_restricted"
    out = pipe.run([item("v", "sab ko salam, naya gana sunen", version=2)]).outcomes[0]
    assert out.decision.outcome == "none" and not out.duplicate
    with store.read() as conn:
        rec = queries.content_record(conn, "v")
        changes = [
            e.data() for e in ledger.for_subject(conn, "v") if e.kind == "enforcement.changed"
        ]
    assert rec.versions == [1, 2] and rec.visibility == {}
    # The automated restrictions of version 1 were lifted by re-moderating version 2.
    assert {(r.lifted_by.value if r.lifted_by else None) for r in rec.restrictions} == {
        "remoderation"
    }
    assert {(c["country"], c["to"]) for c in changes[-2:]} == {("PK", "visible"), ("*", "visible")}


class ExplodingPolicy:
    """Fails on one item: the batch must fall back and the item leave no trace."""

    version = "exploding-1"

    def __init__(self) -> None:
        self.inner = default_policy()

    def decide(self, content: Content, sigs: Sequence[Signal], ctx: PolicyContext) -> Decision:
        if content.id == "boom":
            from nigran.errors import InvalidContent

            raise InvalidContent("policy refused this item", where=content.key)
        return self.inner.decide(content, sigs, ctx)


def test_failed_item_leaves_no_partial_rows(store: Store) -> None:
    pipe = Pipeline(store, policy=ExplodingPolicy())
    result = pipe.run([item("ok1", THREAT_RU), item("boom", THREAT_RU), item("ok2", BENIGN_UR)])
    assert [o.content.id for o in result.outcomes] == ["ok1", "ok2"]
    assert [(e.index, e.key) for e in result.errors] == [(1, "boom@1")]
    with store.read() as conn:
        ids = set(conn.execute(select(content.c.content_id)).scalars())
        assert not list(conn.execute(select(signals).where(signals.c.content_id == "boom")))
        assert not ledger.for_subject(conn, "boom")
        assert ledger.verify(conn).ok
    assert ids == {"ok1", "ok2"}


def test_review_opens_a_case(store: Store) -> None:
    # Takfir ("he is an unbeliever") scores in the review band for hate: a case is opened.
    out = Pipeline(store).run([item("r", "وہ کافر ہے")]).outcomes[0]
    assert out.decision.outcome == "review" and out.decision.review is not None
    assert out.case_id is not None
    with store.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == out.case_id)).one()
        kinds = [e.kind for e in ledger.for_subject(conn, "r")]
    assert (row.queue, row.category, row.language, row.status) == ("ur-hate", "hate", "ur", "open")
    assert kinds[-1] == "case.opened"


@pytest.mark.parametrize("n", [300])
def test_batch_of_hundreds(store: Store, n: int) -> None:
    items = [item(f"i{i}", [THREAT_UR, BENIGN_UR, SEXUAL_RU][i % 3]) for i in range(n)]
    result = Pipeline(store).run(items)
    assert len(result.outcomes) == n and not result.errors
    with store.read() as conn:
        assert ledger.verify(conn).ok


def test_visible_is_per_country(store: Store) -> None:
    from nigran.enforce import visible

    Pipeline(store).run([item("w", SEXUAL_RU), item("t", THREAT_UR), item("ok", BENIGN_UR)])
    assert not visible(store, "w", "PK", viewer_age=30)  # withheld in PK
    assert visible(store, "w", "DE", viewer_age=30)  # age-gated elsewhere, adult viewer
    assert not visible(store, "w", "DE", viewer_age=15)
    assert not visible(store, "w", "DE")  # unknown age counts as too young
    assert not visible(store, "t", "DE", viewer_age=30)  # removed everywhere
    assert visible(store, "ok", "PK") and visible(store, "never-seen", "PK")


def test_enforcer_follows_the_ledger(store: Store) -> None:
    """The serving cache learns of changes made by any writer through the ledger."""
    from nigran.enforce import Enforcer

    enforcer = Enforcer(store)  # loaded before anything was decided
    Pipeline(store).run([item("w", SEXUAL_RU)])  # another writer
    assert enforcer.visible("w", "PK", 30)  # not synced yet: still the old view
    assert enforcer.sync() == 1
    assert not enforcer.visible("w", "pk", 30) and enforcer.visible("w", "DE", 30)
    answer = enforcer.answer("w", "PK")
    assert (answer.visibility.value, answer.ground) == ("withheld", "law:PK.DECENCY")
    Pipeline(store).run([item("w", "bilkul saaf suthra gana", version=2)])
    enforcer.sync()
    assert enforcer.visible("w", "PK", 30)
    assert Enforcer(store).visible("w", "PK", 30)  # a fresh load agrees


def test_expired_restrictions_are_lifted_and_ledgered(store: Store) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from nigran.enforce import Enforcer, expire_due
    from nigran.model import utcnow

    Pipeline(store).run([item("e", SEXUAL_RU)])
    with store.transaction() as conn:
        conn.execute(
            update(restrictions)
            .where(restrictions.c.content_id == "e")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    enforcer = Enforcer(store)
    assert enforcer.visible("e", "PK", 30)  # expired rows no longer restrict, even before the sweep
    with store.transaction() as conn:
        seqs = expire_due(conn)
    assert len(seqs) == 2  # the age gate and the PK withholding
    with store.read() as conn:
        rec = queries.content_record(conn, "e")
        assert not rec.visibility
        assert {r.lifted_by for r in rec.restrictions} == {Lifter.EXPIRY}
        assert [e.kind for e in ledger.for_subject(conn, "e")][-2:] == ["enforcement.expired"] * 2
        assert ledger.verify(conn).ok


def _counting_transactions(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = store.transaction

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(store, "transaction", counted)
    return calls


def test_one_conflicting_item_costs_one_retry_not_one_per_item(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = Pipeline(store)
    pipe.run([item("taken", THREAT_RU)])
    calls = _counting_transactions(store, monkeypatch)
    batch = [item(f"n{i}", BENIGN_UR) for i in range(9)]
    batch.insert(4, item("taken", "another body"))
    result = pipe.run(batch)
    assert [(e.index, e.key) for e in result.errors] == [(4, "taken@1")]
    assert [o.index for o in result.outcomes] == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert len(calls) == 2  # the batch, then the batch without the conflicting item


def test_bad_items_are_found_by_halving(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = Pipeline(store, policy=ExplodingPolicy())
    calls = _counting_transactions(store, monkeypatch)
    batch = [item(f"n{i}", BENIGN_UR) for i in range(15)]
    batch.insert(11, item("boom", THREAT_RU))
    result = pipe.run(batch)
    assert [e.index for e in result.errors] == [11]
    assert len(result.outcomes) == 15
    # 1 + 2 halves, one of which splits again at each level down to the item: 2*log2(16) + 1
    assert len(calls) == 9
