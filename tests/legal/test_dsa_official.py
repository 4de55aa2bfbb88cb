"""The DSA export against the database's own lists and rules (``nigran/legal/dsa_tdb``).

What the audit of issue #18 found, each as a check: taxonomy values outside the official lists,
``content_language`` outside ALL_LANGUAGES, rules the API does not have, one statement per
decision (scopes and sources of other restrictions leaking in), third-country orders labelled as
Member State orders, and personal data in ``decision_facts``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from nigran.legal import appeals, authorities, dsa, orders, reports
from nigran.legal.dsa_tdb import official
from nigran.legal.reports import ReportIn
from nigran.model import (
    Action,
    ActionType,
    Binding,
    Ground,
    Restriction,
    RestrictionSource,
)
from nigran.policy.packs import default_packs
from nigran.policy.taxonomy import DSA_CATEGORIES, taxonomy
from nigran.store import Store
from tests.legal.conftest import T0
from tests.legal.test_dsa import GOOD


def test_shipped_lists_are_the_official_commit() -> None:
    o = official()
    assert o.commit == "69e80a0bc8eb3cbfbe8246e898194c3bdf490a4b"
    assert "KEYWORD_CYBER_BULLYING_INTIMIDATION" in o.keywords
    assert "KEYWORD_CYBER_BULLYING" not in o.keywords
    assert len(o.categories) == 16 and len(o.countries) == 30 and "GR" in o.countries
    assert {"UR", "PA", "EN", "DE", "HI"} <= set(o.languages) and "XX" not in o.languages


def test_every_taxonomy_mapping_names_official_values() -> None:
    o = official()
    assert set(DSA_CATEGORIES) == set(o.categories)
    bad = {
        code: [k for k in cat.dsa_keywords if k not in o.keywords]
        + ([cat.dsa_category] if cat.dsa_category not in o.categories else [])
        for code, cat in taxonomy().items()
    }
    assert {code: vals for code, vals in bad.items() if vals} == {}


def test_taxonomy_uses_the_specific_keywords() -> None:
    t = taxonomy()
    assert "KEYWORD_CYBER_BULLYING_INTIMIDATION" in t["harassment"].dsa_keywords
    assert t["sexual"].dsa_keywords == ("KEYWORD_ADULT_SEXUAL_MATERIAL",)
    assert t["nudity"].dsa_keywords == ("KEYWORD_NUDITY",)
    assert "KEYWORD_SUICIDE" in t["self_harm"].dsa_keywords
    assert "KEYWORD_PHISHING" not in t["fraud"].dsa_keywords


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ur", "UR"), ("ur-Latn", "UR"), ("pnb", "PA"), ("pa", "PA"), ("en", "EN"), ("hi", "HI"),
     ("de", "DE"), ("skr", None), ("und", None), ("xx", None), (None, None)],
)  # fmt: skip
def test_content_language_from_the_official_list(code: str | None, expected: str | None) -> None:
    assert dsa.content_language(code) == expected


def fields(sor: dict[str, Any]) -> set[str]:
    return {p.field for p in dsa.validate(sor)}


def test_rules_the_api_has() -> None:
    assert fields(dict(GOOD, content_language="XX")) == {"content_language"}
    assert fields(dict(GOOD, content_language="UR")) == set()
    assert fields(dict(GOOD, category_specification=["KEYWORD_CYBER_BULLYING"])) == {
        "category_specification"
    }
    assert fields(dict(GOOD, content_date="1999-12-31")) == {"content_date"}
    assert fields(dict(GOOD, application_date="2019-12-31")) == {"application_date"}
    assert fields(dict(GOOD, end_date_visibility_restriction="2038-01-02")) == {
        "end_date_visibility_restriction"
    }
    assert fields(dict(GOOD, content_date="2026-02-30")) == {"content_date"}
    assert fields(dict(GOOD, decision_ground_reference_url="https://x.eu/" + "a" * 490)) == {
        "decision_ground_reference_url"
    }
    assert fields(dict(GOOD, decision_ground_reference_url="terms page")) == {
        "decision_ground_reference_url"
    }
    assert fields(dict(GOOD, territorial_scope=["EL"])) == {"territorial_scope"}
    assert fields(dict(GOOD, incompatible_content_illegal="maybe")) == {
        "incompatible_content_illegal"
    }
    assert fields(dict(GOOD, category_addition=None)) == {"category_addition"}


def test_rules_the_api_does_not_have() -> None:
    # The content may be dated after the decision (a re-upload keeps its original date), an
    # end date may precede the application date, a voluntary statement may carry an identity
    # (the API ignores it), and KEYWORD_OTHER needs no text: none of these is refused.
    assert fields(dict(GOOD, content_date="2026-11-21", application_date="2026-11-20")) == set()
    assert fields(dict(GOOD, end_date_visibility_restriction="2026-01-01")) == set()
    assert fields(dict(GOOD, source_type="SOURCE_VOLUNTARY", source_identity="x" * 900)) == set()
    assert fields(dict(GOOD, category_specification=["KEYWORD_OTHER"])) == set()
    # Fields of the other ground are excluded, not checked.
    assert fields(dict(GOOD, illegal_content_explanation="x" * 3000)) == set()


def restriction(**kw: Any) -> Restriction:
    base: dict[str, Any] = dict(
        id="a" * 24,
        content_id="v3",
        version=1,
        binds=Binding("item"),
        action=Action(type=ActionType.REMOVE, ground=Ground(kind="policy", code="hate")),
        source=RestrictionSource.AUTOMATED,
        decided_by="policy:test",
        created_at=T0,
    )
    base.update(kw)
    return Restriction(**base)


def test_automated_restriction_is_detected_and_decided_by_automation(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        sor = dsa.statement(conn, restriction(), default_packs())
    assert sor is not None and dsa.validate(sor) == []
    assert sor["automated_detection"] == "Yes"
    assert sor["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert sor["source_type"] == "SOURCE_VOLUNTARY" and "source_identity" not in sor
    assert sor["territorial_scope"] == sorted(official().countries)


def test_harassment_statement_keywords_are_official(legal_store: Store) -> None:
    r = restriction(
        action=Action(type=ActionType.REMOVE, ground=Ground(kind="policy", code="harassment"))
    )
    with legal_store.transaction() as conn:
        sor = dsa.statement(conn, r, default_packs())
    assert sor is not None and dsa.validate(sor) == []
    assert set(sor["category_specification"]) <= set(official().keywords)


def scenario(store: Store) -> dict[str, str]:
    """Orders (Member State and Pakistan), a notice, an appeal that lifts one restriction."""
    ids: dict[str, str] = {}
    with store.transaction() as conn:
        authorities.add_authority(
            conn, "DE-LKA", "Landeskriminalamt Berlin", "DE", "EU_MS_AUTHORITY"
        )
        # A notice from a named person about v2, founded: withheld in Germany.
        r = reports.submit(
            conn,
            ReportIn(
                content="v2",
                reporter="u1",
                category="hate",
                jurisdiction="DE",
                explanation="Posted by Hans Muster, write to hans@example.org",
                reporter_name="Hans Muster",
                reporter_email="hans@example.org",
                good_faith=True,
            ),
            now=T0,
        )
        reports.resolve(
            conn, r["id"], founded=True, reviewer="mod-1", action=ActionType.AGE_RESTRICT,
            scope="global", now=T0,
        )  # fmt: skip
        # A German order under StGB §130 on the same item, withheld in Germany only.
        o = orders.receive(
            conn,
            "DE-LKA",
            orders.OrderIn(
                legal_ground="DE.STGB_130",
                items=["v2"],
                reasons="Officer Erika Beispiel found it; call +49 30 1234",
                written_reasons="See the file of Erika Beispiel",
                details={
                    "statement_of_reasons": "Volksverhetzung",
                    "issuing_authority": "LKA Berlin",
                    "content_locator": "v2",
                    "redress_information": "VG Berlin",
                    "territorial_scope": "DE",
                },
            ),
            now=T0 + timedelta(hours=1),
        )
        ids["de_order"] = o.id
        orders.decide(
            conn, o.id, reviewer="legal-1", outcome="withhold", now=T0 + timedelta(hours=2)
        )
        # PTA orders v1: withheld in Pakistan, and removed everywhere as it breaks the terms.
        p = orders.receive(
            conn,
            "PTA",
            orders.OrderIn(legal_ground="PK.HATE", items=["v1"], reasons="Sent by Mr. Khan"),
            now=T0,
        )
        ids["pta_order"] = p.id
        orders.decide(
            conn, p.id, reviewer="legal-1", outcome="global", tos_category="hate",
            now=T0 + timedelta(hours=3),
        )  # fmt: skip
    return ids


def _by_puid(result: dsa.ExportResult) -> dict[str, dict[str, Any]]:
    return {s["puid"]: s for s in result.statements}


def test_scenario_export_one_statement_per_restriction(legal_store: Store) -> None:
    scenario(legal_store)
    with legal_store.transaction() as conn:
        result = dsa.collect(conn)
    assert result.problems == [] and result.invalid == 0
    sors = result.statements
    assert all(dsa.validate(s) == [] for s in sors)
    # The §130 withholding: Germany only, although the item also carries a global age gate.
    stgb = [s for s in sors if "StGB §130" in s.get("illegal_content_legal_ground", "")]
    assert len(stgb) == 1 and stgb[0]["territorial_scope"] == ["DE"]
    assert stgb[0]["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert stgb[0]["source_identity"].startswith("Order under Art. 9 DSA from Landeskriminalamt")
    gate = [
        s
        for s in sors
        if s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"]
    ]
    assert len(gate) == 1 and len(gate[0]["territorial_scope"]) == 30
    assert gate[0]["source_type"] == "SOURCE_ARTICLE_16"
    # PTA: the Pakistan-only hold is not an EU statement; the global ToS removal is, labelled
    # as a third-country order, never as a Member State's.
    pta = [s for s in sors if "Pakistan" in s.get("source_identity", "")]
    assert len(pta) == 1
    assert pta[0]["source_identity"].startswith("Order of a third-country authority")
    assert "Member State" not in pta[0]["source_identity"]
    assert pta[0]["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert all(s["automated_detection"] == "No" for s in sors)
    # Nothing a person wrote, and no name, address or number, reaches the facts.
    text = " ".join(str(v) for s in sors for v in s.values())
    for personal in ("Hans", "hans@example.org", "Erika", "1234", "Khan", "u1", "mod-1"):
        assert personal not in text


def test_lifted_restriction_is_reported_once_with_its_end(legal_store: Store) -> None:
    scenario(legal_store)
    with legal_store.transaction() as conn:
        before = _by_puid(dsa.collect(conn))
        gate = next(
            p for p, s in before.items()
            if s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"]
        )  # fmt: skip
        rid = gate.removeprefix("nigran-r-")
        a = appeals.file(
            conn, content_id="v2", appellant="bilal", reason="It is satire",
            restriction_id=rid, now=T0 + timedelta(days=1),
        )  # fmt: skip
        appeals.decide(
            conn, a["id"], reviewer="mod-2", outcome="reversed", reason="satire",
            now=T0 + timedelta(days=2),
        )  # fmt: skip
        after = _by_puid(dsa.collect(conn))
        later = dsa.collect(conn, since=T0 + timedelta(days=1))
    assert set(after) == set(before)  # the reversal adds no statement and re-reports none
    assert (
        after[gate]["end_date_visibility_restriction"]
        == (T0 + timedelta(days=2)).date().isoformat()
    )
    assert later.statements == []
    assert all(dsa.validate(s) == [] for s in after.values())


def test_window_is_on_the_restriction_date(legal_store: Store) -> None:
    scenario(legal_store)
    with legal_store.transaction() as conn:
        all_ = dsa.collect(conn).statements
        early = dsa.collect(conn, until=T0 + timedelta(minutes=30)).statements
        late = dsa.collect(conn, since=T0 + timedelta(minutes=30)).statements
    assert {s["puid"] for s in early} | {s["puid"] for s in late} == {s["puid"] for s in all_}
    assert not {s["puid"] for s in early} & {s["puid"] for s in late}
