"""The EU IR 2024/2835 Annex I templates: the Commission's CSV layout, and human resources per
official EU language from the roster and the period's decisions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.report import eu_provided, eu_template
from nigran.report import period as periods
from nigran.report.build import build
from nigran.report.render import write_files
from nigran.review.auth import add_user, update_user
from nigran.store import Store
from tests.report.test_figures import H, scenario

# The header lines of the Commission's CSV templates, as published
# (4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_<n>_<name>.csv).
PART_3_HEADER = (
    'Applicability,Service,Reporting period,Category of illegal content,"Description of the '
    'sub-category ""Other""",Scope,Number of orders to act against illegal content received,'
    "Number of specific items of information included in the total number of orders to act "
    "against illegal content,Median time to inform the authority of the receipt of the order "
    "to act against illegal content,Median time to give effect to the order to act against "
    "illegal content,Number of orders to provide information,Median time to inform the "
    "authority of the receipt of the order to provide information,Median time to give effect "
    "to the order to provide information,Contextual information on number of orders to act "
    "against illegal content received,Contextual information on number of specific items of "
    "information included in the total number of orders to act against illegal content,"
    "Contextual information on Median time to inform the authority of the receipt of the order "
    "to act against illegal content,Contextual information on Median time to give effect to the "
    "order to act against illegal content,Contextual information on Number of orders to provide "
    "information,Contextual information on Median time to inform the authority of the receipt "
    "of the order to provide information,Contextual information on Median time to give effect "
    "to the order to provide information"
)
PART_9_HEADER = (
    "Applicability,Service,Reporting period,Section,Indicator,Scope,Value,Contextual information"
)
PART_7_HEADER = (
    "Applicability,Service,Reporting period,Section,Indicator,Scope,Value,Contextual Information"
)


def _header(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def test_files_are_named_and_headed_as_the_commission_templates(
    store: Store, tmp_path: Path
) -> None:
    scenario(store)
    with store.read() as conn:
        report = build(conn, periods.parse("2026-H2"), provider="Example Ltd", service="Nigran")
    write_files(report, tmp_path)
    assert _header(tmp_path / "eu_annex_i_part_3_member_states_orders.csv") == PART_3_HEADER
    assert _header(tmp_path / "eu_annex_i_part_9_human_resources.csv") == PART_9_HEADER
    assert _header(tmp_path / "eu_annex_i_part_7_appeals_and_recidivism.csv") == PART_7_HEADER
    for part in (1, 3, 4, 5, 6, 7, 8, 9):
        assert len(list(tmp_path.glob(f"eu_annex_i_part_{part}_*.csv"))) == 1

    # Every category block in the template's order: the category, its keywords, KEYWORD_OTHER.
    p4 = list(csv.DictReader(io.StringIO((tmp_path / "eu_annex_i_part_4_notices.csv").read_text())))
    labels = [r["Category of illegal content"] for r in p4]
    expected = ["TOTAL"]
    for category, keywords in eu_template.CATEGORY_TREE:
        expected += [category, *keywords, "KEYWORD_OTHER"]
    assert labels == [*expected, "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"]
    assert {r["Service"] for r in p4} == {"Nigran"}

    summary = {r["Indicator"]: r["Value"] for r in report.table("eu_annex_i_part_1_summary").rows}
    assert summary["Name of the service provider"] == "Example Ltd"
    assert summary["Starting date of reporting period"] == "2026-07-01"
    assert summary["Ending date of reporting period"] == "2026-12-31"


def test_human_resources_per_official_language(store: Store) -> None:
    """Part 9 and the capacity table, hand-counted from five accounts and the scenario's
    decisions: legal-1 decided orders A (v1, Urdu) and B (v2, English); legal-2 orders E (v3,
    English) and F (v2, English: two decisions, the legal hold and the removal on the terms);
    mod-1 the notice on v2 (English). Upholding an appeal adds no decision."""
    scenario(store)
    add_user(store, "legal-1", "a-long-password", roles=["legal"], languages=["ur", "en"])
    add_user(store, "legal-2", "a-long-password", roles=["legal"], languages=["en", "de"])
    add_user(store, "mod-1", "a-long-password", roles=["reviewer"], languages=["en"])
    add_user(store, "ur-mod", "a-long-password", roles=["reviewer"], languages=["ur"])
    add_user(store, "gone", "a-long-password", roles=["reviewer"], languages=["fr"])
    update_user(store, "gone", active=False)
    with store.read() as conn:
        report = build(conn, periods.parse("2026-H2"))
    p9 = {
        (r["Indicator"].strip(), r["Scope"]): r
        for r in report.table("eu_annex_i_part_9_human_resources").rows
    }
    assert p9[(eu_provided.INTERNAL, "Total number")]["Value"] == 4
    assert p9[(eu_provided.EXTERNAL, "Total number")]["Value"] is None
    linguistic = eu_provided.LINGUISTIC.strip()
    assert p9[(linguistic, "Total number")]["Value"] == 3  # ur-mod reads no EU language
    assert p9[(linguistic, "en")]["Value"] == 3
    assert p9[(linguistic, "de")]["Value"] == 1
    assert p9[(linguistic, "fr")]["Value"] == 0  # deactivated
    assert p9[(linguistic, "en")]["Contextual information"].startswith("3 of them decided")
    assert [s for (i, s) in p9 if i == linguistic][1:] == list(eu_template.EU_LANGUAGES)

    cap = {r["language"]: r for r in report.table("review_capacity").rows}
    assert cap["en"]["reviewers"] == 3 and cap["en"]["legal_reviewers"] == 2
    assert cap["en"]["active_reviewers"] == 3 and cap["en"]["decisions"] == 5
    assert cap["ur"]["reviewers"] == 2 and cap["ur"]["eu_official"] is False
    assert cap["ur"]["active_reviewers"] == 1 and cap["ur"]["decisions"] == 1


def test_part_11_takes_the_providers_text(sqlite_store: Store, tmp_path: Path) -> None:
    scenario(sqlite_store)
    texts = tmp_path / "qualitative.yaml"
    texts.write_text("safeguards: |\n  Every automated removal can be appealed to a person.\n")
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        build_app(),
        [
            *("report", "--period", "2026-H2", "--out", str(out)),
            *("--qualitative", str(texts), "--db", url),
        ],
    )
    assert r.exit_code == 0, r.output
    rows = {
        r["Indicator"].strip(): r["Value"]
        for r in csv.DictReader(
            io.StringIO((out / "eu_annex_i_part_11_qualitative.csv").read_text())
        )
    }
    assert len(rows) == len(eu_provided.QUALITATIVE)
    assert rows["Safeguards applied to the use of automated means"] == (
        "Every automated removal can be appealed to a person."
    )
    assert rows["Qualitative description of the automated means"] == ""
    # The human-resources methodology is Nigran's own, so it is filled.
    method = "Methodology used to compute the number of human resources dedicated to content"
    assert rows[method + " moderation"].startswith("Counted by Nigran from its reviewer roster")
    texts.write_text("safegaurds: typo\n")
    r = CliRunner().invoke(
        build_app(), ["report", "--period", "2026-H2", "--qualitative", str(texts), "--db", url]
    )
    assert r.exit_code == 2 and "safegaurds" in r.output


def test_notice_actions_on_the_law_or_the_terms(store: Store) -> None:
    """tf-1's notice invokes German law but names no legal ground: resolved with a removal on
    the terms after 3 h, it is an action on the terms (the restriction's ground), like u-9's."""
    from sqlalchemy import select

    from nigran.legal import reports
    from nigran.model import ActionType
    from nigran.store.tables_legal import reports as reports_t
    from tests.legal.conftest import T0

    scenario(store)
    with store.transaction() as conn:
        tf = conn.execute(
            select(reports_t.c.id).where(reports_t.c.source == "trusted_flagger")
        ).scalar_one()
        reports.resolve(
            conn, tf, founded=True, reviewer="mod-2", action=ActionType.REMOVE, now=T0 + 3 * H
        )
    with store.read() as conn:
        report = build(conn, periods.parse("2026-H2"))
    total = report.table("eu_annex_i_part_4_notices").rows[0]
    assert total["Category of illegal content"] == "TOTAL"
    assert total["Number of actions taken on the basis of the law"] == 0
    terms = "Number of actions taken on the basis of the terms and conditions of the service"
    assert total[terms] == 2 and total[terms + " (Trusted Flagger notices)"] == 1
    assert total["Median time to take action"] == 4.5  # 6 h (u-9) and 3 h (tf-1)
    assert total["Median time to take action (Trusted Flagger notices)"] == 3.0
    assert report.ledger_mismatches == []


PART_2_HEADER = (
    "Category label,Category description,Category of illegal content / incompatible with the "
    "terms and conditions,Contextual information"
)


def test_part_2_says_what_each_category_holds(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.read() as conn:
        report = build(conn, periods.parse("2026-H2"), check_ledger=False)
    write_files(report, tmp_path)
    assert _header(tmp_path / "eu_annex_i_part_2_categories_names.csv") == PART_2_HEADER
    rows = report.table("eu_annex_i_part_2_categories_names").rows
    blocks = [*eu_template.CATEGORY_TREE, eu_template.TC_BLOCK]
    assert len(rows) == 1 + sum(2 + len(kws) for _, kws in blocks) + 2
    by = {r["Category label"]: r for r in rows}
    assert by["Category 1"]["Category description"] == "Animal welfare"
    code = "Category of illegal content / incompatible with the terms and conditions"
    assert by["Category 6c"][code] == "KEYWORD_HATE_SPEECH"
    assert by["Category 6c"]["Contextual information"] == "Nigran categories: hate"
    assert by["Category 16"]["Category description"] == (
        "Type of illegal content not specified by the public authority"
    )


PART_10_HEADER = "Applicability,Service,Reporting period,Section,Indicator,Scope,Value"


def test_part_10_from_the_providers_recipient_counts(sqlite_store: Store, tmp_path: Path) -> None:
    scenario(sqlite_store)
    counts = tmp_path / "amar.yaml"
    counts.write_text("total: 1200000\nDE: 400000\nse: 25000\n")
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "out"
    args = ["report", "--period", "2026-H2", "--db", url, "--recipients", str(counts)]
    r = CliRunner().invoke(build_app(), [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    path = out / "eu_annex_i_part_10_AMAR.csv"
    assert _header(path) == PART_10_HEADER
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    scopes = [r["Scope"] for r in rows]
    # TOTAL, then the 27 from Austria to Sweden, as the template's "AT, […], SE".
    assert scopes == ["TOTAL", *eu_template.EU_MEMBER_STATES] and scopes[1] == "AT"
    assert scopes[-1] == "SE"
    values = {r["Scope"]: r["Value"] for r in rows}
    assert values["TOTAL"] == "1200000" and values["DE"] == "400000" and values["SE"] == "25000"
    assert values["FR"] == ""  # not given: left empty, not zero
    counts.write_text("total: 10\nPK: 5\n")
    r = CliRunner().invoke(build_app(), args)
    assert r.exit_code == 2 and "PK" in r.output
    # Without recipient counts Part 10 is not written at all.
    out2 = tmp_path / "out2"
    r = CliRunner().invoke(build_app(), [*args[:-2], "--out", str(out2)])
    assert r.exit_code == 0 and not (out2 / "eu_annex_i_part_10_AMAR.csv").exists()
