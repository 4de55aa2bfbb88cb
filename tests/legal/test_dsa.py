from __future__ import annotations

from pathlib import Path

import orjson

from nigran.legal import dsa, orders, reports
from nigran.legal.reports import ReportIn
from nigran.model import ActionType
from nigran.store import Store
from tests.legal.conftest import T0

GOOD = {
    "puid": "nigran-1",
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Hate speech",
    "incompatible_content_explanation": "Attacks a group for its religion.",
    "content_type": ["CONTENT_TYPE_VIDEO"],
    "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "territorial_scope": ["DE"],
    "content_date": "2026-11-19",
    "application_date": "2026-11-20",
    "decision_facts": "Reported by a user; reviewed by a moderator.",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
}


def test_valid_statement_passes() -> None:
    assert dsa.validate(GOOD) == []


def test_validation_failures_reported_field_by_field() -> None:
    bad = dict(GOOD)
    bad.update(
        puid="has spaces!",
        decision_visibility=["DECISION_VISIBILITY_HIDDEN"],
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",  # needs the two illegal_* fields
        content_type=[],
        category="STATEMENT_CATEGORY_SPAM",
        territorial_scope=["PK"],
        content_date="20-11-2026",
        decision_facts="x" * 5001,
        source_type="SOURCE_VOLUNTARY",
        source_identity="someone",  # ignored: the API excludes it for SOURCE_VOLUNTARY
        automated_detection="yes",
    )
    del bad["automated_decision"]
    problems = dsa.validate(bad)
    fields = sorted({p.field for p in problems})
    assert fields == sorted(
        [
            "puid",
            "decision_visibility",
            "illegal_content_legal_ground",
            "illegal_content_explanation",
            "content_type",
            "category",
            "territorial_scope",
            "content_date",
            "decision_facts",
            "automated_detection",
            "automated_decision",
        ]
    )
    by_field = {p.field: p.message for p in problems}
    assert "DECISION_VISIBILITY_HIDDEN" in by_field["decision_visibility"]
    assert "PK" in by_field["territorial_scope"]
    assert "5001 characters" in by_field["decision_facts"]


def test_no_decision_field_at_all() -> None:
    bad = {k: v for k, v in GOOD.items() if k != "decision_visibility"}
    # required_without_all on each of the four: the API names every one of them.
    assert [p.field for p in dsa.validate(bad)] == [
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    ]


def test_export_writes_batches_of_at_most_100_eu_statements(
    legal_store: Store, tmp_path: Path
) -> None:
    with legal_store.transaction() as conn:
        r = reports.submit(
            conn,
            ReportIn(
                content="v3",
                reporter="u1",
                category="hate",
                jurisdiction="DE",
                explanation="Attacks a religious group",
                reporter_name="U One",
                reporter_email="u1@example.org",
                good_faith=True,
            ),
            now=T0,
        )
        reports.resolve(
            conn,
            r["id"],
            founded=True,
            reviewer="mod-1",
            action=ActionType.WITHHOLD,
            scope="DE",
            now=T0,
        )
        o = orders.receive(
            conn, "PTA", orders.OrderIn(legal_ground="PK.HATE", items=["v1"]), now=T0
        )
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=T0)
        result = dsa.export(conn, tmp_path, batch=1)
    assert result.problems == [] and result.written == 1
    assert result.skipped_not_eu == 1  # the PK-only withholding is not an EU statement
    sor = orjson.loads(result.files[0].read_bytes())["statements"][0]
    assert sor["source_type"] == "SOURCE_ARTICLE_16"
    assert sor["territorial_scope"] == ["DE"]
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert sor["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    n, problems = dsa.validate_file(result.files[0])
    assert n == 1 and problems == []


def test_batches_split_at_100() -> None:
    items = [dict(GOOD, puid=f"p{i}") for i in range(250)]
    assert [len(b) for b in dsa.batches(items)] == [100, 100, 50]


def test_file_over_100_rejected(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps({"statements": [dict(GOOD, puid=f"p{i}") for i in range(101)]}))
    n, problems = dsa.validate_file(path)
    assert n == 101 and [p.field for p in problems] == ["statements"]
