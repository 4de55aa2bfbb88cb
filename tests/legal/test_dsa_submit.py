"""Submitting to the DSA Transparency Database, against a local stand-in that applies the
official rules (``tdb_standin``), and Nigran's validator against that stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.errors import ConfigError
from nigran.legal import dsa
from nigran.legal.dsa_submit import SubmissionRefused, submit
from nigran.store import Store
from nigran.store.tables_legal import dsa_submissions
from tests.legal import tdb_standin
from tests.legal.test_dsa import GOOD
from tests.legal.test_dsa_official import scenario

ILLEGAL = dict(
    {k: v for k, v in GOOD.items() if not k.startswith("incompatible")},
    decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
    illegal_content_legal_ground="StGB §130",
    illegal_content_explanation="Incites hatred against a religious group.",
)

# Crafted statements, each breaking (or seeming to break) one rule: the two validators must
# name the same fields for every one.
CRAFTED: list[dict[str, Any]] = [
    GOOD,
    ILLEGAL,
    dict(GOOD, puid="has spaces"),
    dict(GOOD, puid="ok\n"),
    dict(GOOD, puid="x" * 501),
    dict(GOOD, puid=""),
    dict(GOOD, decision_visibility=["DECISION_VISIBILITY_HIDDEN"]),
    dict(GOOD, decision_visibility="DECISION_VISIBILITY_CONTENT_REMOVED"),
    dict(GOOD, decision_visibility=[]),
    dict(GOOD, decision_visibility=None),
    dict(GOOD, decision_visibility=None, decision_account="DECISION_ACCOUNT_SUSPENDED"),
    dict(GOOD, decision_visibility=["DECISION_VISIBILITY_OTHER"]),
    dict(GOOD, decision_visibility=["DECISION_VISIBILITY_OTHER"], decision_visibility_other="x"),
    dict(GOOD, decision_visibility_other="x" * 600),
    dict(GOOD, decision_monetary="DECISION_MONETARY_OTHER"),
    dict(GOOD, decision_monetary="DECISION_MONETARY_OTHER", decision_monetary_other="y" * 501),
    dict(GOOD, decision_monetary=["DECISION_MONETARY_SUSPENSION"]),
    dict(GOOD, decision_provision="DECISION_PROVISION_SOME"),
    dict(GOOD, account_type="ACCOUNT_TYPE_PERSONAL"),
    dict(GOOD, account_type=None),
    dict(GOOD, category_specification=["KEYWORD_CYBER_BULLYING"]),
    dict(GOOD, category_specification="KEYWORD_HATE_SPEECH"),
    dict(GOOD, category_specification=["KEYWORD_OTHER"]),
    dict(GOOD, category_specification_other="z" * 501),
    dict(GOOD, decision_ground="DECISION_GROUND_OTHER"),
    dict(GOOD, decision_ground=None),
    {k: v for k, v in ILLEGAL.items() if k != "illegal_content_explanation"},
    dict(ILLEGAL, illegal_content_legal_ground="g" * 501),
    dict(ILLEGAL, incompatible_content_illegal="maybe"),
    dict(GOOD, incompatible_content_illegal="maybe"),
    dict(GOOD, incompatible_content_illegal="Yes"),
    dict(GOOD, incompatible_content_explanation="e" * 2001),
    dict(GOOD, illegal_content_explanation="e" * 2001),
    dict(GOOD, decision_ground_reference_url="https://example.org/terms#hate"),
    dict(GOOD, decision_ground_reference_url="our terms"),
    dict(GOOD, decision_ground_reference_url="https://example.org/" + "t" * 490),
    dict(GOOD, content_type=[]),
    dict(GOOD, content_type=["CONTENT_TYPE_HOLOGRAM"]),
    dict(GOOD, content_type="CONTENT_TYPE_TEXT"),
    dict(GOOD, content_type=["CONTENT_TYPE_OTHER"]),
    dict(GOOD, content_type=["CONTENT_TYPE_OTHER"], content_type_other="a sticker"),
    dict(GOOD, category="STATEMENT_CATEGORY_SPAM"),
    dict(GOOD, category_addition=["STATEMENT_CATEGORY_VIOLENCE"]),
    dict(GOOD, category_addition="STATEMENT_CATEGORY_VIOLENCE"),
    dict(GOOD, category_addition=None),
    dict(GOOD, territorial_scope=["PK"]),
    dict(GOOD, territorial_scope=["EL"]),
    dict(GOOD, territorial_scope=[]),
    dict(GOOD, territorial_scope=None),
    dict(GOOD, content_language="XX"),
    dict(GOOD, content_language="ur"),
    dict(GOOD, content_language="UR"),
    dict(GOOD, content_language="PA"),
    dict(GOOD, content_language=""),
    dict(GOOD, content_date="20-11-2026"),
    dict(GOOD, content_date="2026-2-01"),
    dict(GOOD, content_date="2026-02-30"),
    dict(GOOD, content_date="1999-12-31"),
    dict(GOOD, content_date="2026-11-21"),  # after the application date: the API accepts it
    dict(GOOD, application_date="2019-12-31"),
    dict(GOOD, application_date="2038-01-02"),
    dict(GOOD, end_date_visibility_restriction="2038-01-02"),
    dict(GOOD, end_date_visibility_restriction="2020-01-01"),
    dict(GOOD, end_date_account_restriction="soon"),
    dict(GOOD, end_date_service_restriction=None),
    dict(GOOD, decision_facts="f" * 5001),
    dict(GOOD, decision_facts="   "),
    dict(GOOD, source_type="SOURCE_AUTHORITY_ORDER"),
    dict(GOOD, source_identity="s" * 501),
    dict(GOOD, source_type="SOURCE_VOLUNTARY", source_identity="s" * 501),
    dict(GOOD, automated_detection="yes"),
    dict(GOOD, automated_detection=True),
    dict(GOOD, automated_decision="AUTOMATED_DECISION_SOMEWHAT"),
    dict(GOOD, content_id={"EAN-13": "123"}),
    dict(GOOD, content_id={"EAN-13": "1234567890123"}),
    dict(GOOD, content_id_ean="12345"),
    {k: v for k, v in GOOD.items() if k not in ("content_type", "category", "source_type")},
    {"puid": "only-a-puid"},
]


def nigran_verdict(sor: dict[str, Any]) -> set[str]:
    return {p.field for p in dsa.validate(sor)}


def standin_verdict(sor: dict[str, Any]) -> set[str]:
    return set(tdb_standin.check(sor))


@pytest.mark.parametrize("sor", CRAFTED, ids=range(len(CRAFTED)))
def test_validator_and_standin_agree(sor: dict[str, Any]) -> None:
    assert nigran_verdict(sor) == standin_verdict(sor)


def test_crafted_cases_cover_both_verdicts() -> None:
    rules_php = (tdb_standin.OFFICIAL / "StatementStoreRequest.php").read_text()
    assert len(tdb_standin.RULES) == rules_php.count("' => [") == 37  # every rule was read
    verdicts = [bool(standin_verdict(s)) for s in CRAFTED]
    assert verdicts.count(False) >= 10 and verdicts.count(True) >= 50


def _exported(store: Store) -> list[dict[str, Any]]:
    scenario(store)
    with store.read() as conn:
        result = dsa.collect(conn)
    assert result.problems == []
    return result.statements


def test_scenario_export_passes_the_official_rules(legal_store: Store) -> None:
    sors = _exported(legal_store)
    assert len(sors) >= 3
    assert {s["puid"]: standin_verdict(s) for s in sors} == {s["puid"]: set() for s in sors}


def _rows(store: Store) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(select(dsa_submissions).order_by(dsa_submissions.c.id)).all())


def no_sleep(_: float) -> None:
    return None


def test_submit_records_each_statement_and_never_resends(legal_store: Store) -> None:
    sors = _exported(legal_store)
    with tdb_standin.serve() as api:
        first = submit(legal_store, sors, url=api.url, token=api.token, sleep=no_sleep)
        again = submit(legal_store, sors, url=api.url, token=api.token, sleep=no_sleep)
    assert first.accepted == len(sors) and first.requests == 1
    assert set(api.stored) == {s["puid"] for s in sors}
    assert again.requests == 0 and again.skipped_done == len(sors)
    rows = _rows(legal_store)
    assert [r.status for r in rows] == ["accepted"] * len(sors)
    assert all(r.http_status == 201 and r.answer["puid"] == r.puid for r in rows)
    assert all(r.payload == next(s for s in sors if s["puid"] == r.puid) for r in rows)


def test_one_bad_statement_is_rejected_alone_and_resent_when_fixed(store: Store) -> None:
    good = [dict(GOOD, puid=f"ok-{i}") for i in range(5)]
    bad = dict(GOOD, puid="bad-1", content_language="XX")
    with tdb_standin.serve() as api:
        r1 = submit(store, [*good[:2], bad, *good[2:]], url=api.url, token=api.token)
        r2 = submit(store, [bad], url=api.url, token=api.token)
        fixed = dict(bad, content_language="UR")
        r3 = submit(store, [fixed], url=api.url, token=api.token)
    assert (r1.accepted, r1.rejected, r1.requests) == (5, 1, 2)
    assert "content_language" in " ".join(r1.problems["bad-1"])
    assert r2.requests == 0 and r2.skipped_unchanged == 1
    assert r3.accepted == 1 and api.stored["bad-1"]["content_language"] == "UR"
    statuses = [(r.puid, r.status) for r in _rows(store)]
    assert ("bad-1", "rejected") in statuses and ("ok-0", "deferred") in statuses
    assert statuses.count(("ok-0", "accepted")) == 1


def test_failures_are_retried_and_recorded_per_attempt(store: Store) -> None:
    sors = [dict(GOOD, puid=f"r-{i}") for i in range(3)]
    waits: list[float] = []
    with tdb_standin.serve() as api:
        api.fail_next = [503, 502]
        report = submit(store, sors, url=api.url, token=api.token, sleep=waits.append)
    assert report.accepted == 3 and report.requests == 3 and waits == [2.0, 4.0]
    rows = _rows(store)
    assert [(r.attempt, r.status) for r in rows if r.puid == "r-0"] == [
        (1, "failed"),
        (2, "failed"),
        (3, "accepted"),
    ]


def test_gives_up_after_attempts_and_the_next_run_sends_again(store: Store) -> None:
    sors = [dict(GOOD, puid="late-1")]
    with tdb_standin.serve() as api:
        api.fail_next = [503, 503, 503]
        first = submit(store, sors, url=api.url, token=api.token, sleep=no_sleep)
        second = submit(store, sors, url=api.url, token=api.token, sleep=no_sleep)
    assert first.failed == 1 and first.accepted == 0
    assert second.accepted == 1


def test_a_puid_the_database_holds_is_recorded_and_not_resent(store: Store) -> None:
    sors = [dict(GOOD, puid="lost-answer"), dict(GOOD, puid="new-one")]
    with tdb_standin.serve() as api:
        api.stored["lost-answer"] = sors[0]  # accepted earlier; the answer never came back
        first = submit(store, sors, url=api.url, token=api.token)
        second = submit(store, sors, url=api.url, token=api.token)
    assert (first.already_present, first.accepted) == (1, 1)
    assert second.requests == 0 and second.skipped_done == 2


def test_batches_of_at_most_100(store: Store) -> None:
    sors = [dict(GOOD, puid=f"b-{i}") for i in range(250)]
    with tdb_standin.serve() as api:
        report = submit(store, sors, url=api.url, token=api.token)
    assert api.requests == [100, 100, 50] and report.accepted == 250
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(dsa_submissions)).scalar() == 250


def test_bad_token_and_no_token(store: Store) -> None:
    with tdb_standin.serve() as api:
        with pytest.raises(SubmissionRefused, match="NIGRAN_DSA_TOKEN"):
            submit(store, [GOOD], url=api.url, token="wrong")
        with pytest.raises(ConfigError, match="NIGRAN_DSA_TOKEN"):
            submit(store, [GOOD], url=api.url, token=None)
    assert [r.status for r in _rows(store)] == ["failed"]


def test_cli_submit(legal_store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario(legal_store)
    with tdb_standin.serve() as api:
        monkeypatch.setenv("NIGRAN_DSA_URL", api.url)
        monkeypatch.setenv("NIGRAN_DSA_TOKEN", api.token)
        r = CliRunner().invoke(build_app(), ["dsa", "submit", "--db", store_url])
        assert r.exit_code == 0, r.output
        again = CliRunner().invoke(build_app(), ["dsa", "submit", "--db", store_url])
    assert "accepted" in r.output and api.requests == [len(api.stored)]
    assert "0 sent" in " ".join(again.output.split())
    assert api.token not in r.output + again.output


def test_demo_export_passes_the_official_rules(store: Store) -> None:
    """``./dev demo``'s stream, moderated, exported: every statement passes the stand-in."""
    import json

    from nigran.model import Content
    from nigran.runtime.pipeline import Pipeline
    from tests.conftest import REPO

    lines = (REPO / "examples" / "stream.jsonl").read_text(encoding="utf-8").splitlines()
    Pipeline(store).run([Content.model_validate(json.loads(line)) for line in lines])
    with store.read() as conn:
        result = dsa.collect(conn)
    assert result.problems == [] and len(result.statements) >= 10
    assert {s["puid"]: standin_verdict(s) for s in result.statements} == {
        s["puid"]: set() for s in result.statements
    }
    with tdb_standin.serve() as api:
        report = submit(store, result.statements, url=api.url, token=api.token)
    assert report.accepted == len(result.statements) and report.rejected == 0
