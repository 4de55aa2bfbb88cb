from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from nigran.errors import NotFound
from nigran.model import ActionType, Scope
from nigran.policy.deadlines import order_deadline
from nigran.policy.packs import PackRegistry, PackSet, lint_files, packs_dir

IST = timezone(timedelta(hours=5, minutes=30))
EU27 = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}


def test_shipped_packs_pass_lint() -> None:
    packs, issues = lint_files(packs_dir().glob("*.yaml"))
    assert [str(i) for i in issues] == []
    assert set(packs) == {"PK", "IN", "EU", "DE"}
    assert packs["DE"].extends == "EU"


def test_every_rule_carries_source_and_verification(packs: PackSet) -> None:
    for p in packs.packs.values():
        for g in p.grounds.values():
            assert g.verification.status in {
                "verified",
                "verified_multi",
                "conflicting",
                "unverified",
            }
            assert g.verification.sources or g.verification.status == "unverified", g.code
        for o in p.order_types.values():
            for t in o.terms:
                assert t.verification.sources or t.verification.status == "unverified", o.id


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("PK.DECENCY", {"PK"}),
        ("PK.ISLAM", {"PK"}),
        ("PK.SECURITY", {"PK"}),
        ("PK.HATE", {"PK"}),
        ("IN.DECENCY", {"IN"}),
        ("IN.PUBORD", {"IN"}),
        ("IN.DEFAMATION", {"IN"}),
        ("IN.NCII", {"IN"}),
        ("EU.THREAT_TO_LIFE", EU27),
        ("DE.STGB_130", {"DE"}),
        ("DE.STGB_86A", {"DE"}),
        ("DE.STGB_185_187", {"DE"}),
    ],
)
def test_each_ground_routes_to_its_jurisdiction(
    packs: PackSet, code: str, expected: set[str]
) -> None:
    scope = packs.ground_scope(code)
    assert scope.countries is not None and set(scope.countries) == expected
    assert packs.ground(code).action is ActionType.WITHHOLD


def test_all_grounds_route_within_their_pack(packs: PackSet) -> None:
    for code, g in packs.grounds.items():
        scope = packs.ground_scope(code)
        if g.action is ActionType.REMOVE:
            assert scope == Scope.everywhere(), code  # CSAM: removal everywhere
        else:
            assert scope.countries == tuple(sorted(packs.pack(g.pack).territory)), code


def test_india_deadline_changes_with_the_term_in_force_on_the_local_date(packs: PackSet) -> None:
    india = packs.pack("IN")
    # 23:59 IST on 19 Feb 2026: the 36 h term
    before = datetime(2026, 2, 19, 23, 59, tzinfo=IST)
    d1 = order_deadline(india, "IN.ORDER_3_1_D", before)
    assert d1.due_at == before + timedelta(hours=36)
    assert d1.term_from == date(2025, 11, 15) and d1.basis == "law"
    # 00:01 IST on 20 Feb 2026 (still 19 Feb in UTC): the 3 h term
    after = datetime(2026, 2, 20, 0, 1, tzinfo=IST)
    assert after.astimezone(UTC).date() == date(2026, 2, 19)
    d2 = order_deadline(india, "IN.ORDER_3_1_D", after)
    assert d2.due_at == after + timedelta(hours=3)
    assert d2.term_from == date(2026, 2, 20)
    assert d2.verification.status == "conflicting"  # the scope of the 3 h rule is disputed
    # the 2025 amendment added form requirements
    assert "issuer_rank" in d2.required_fields
    old = order_deadline(india, "IN.ORDER_3_1_D", datetime(2024, 1, 1, tzinfo=UTC))
    assert "issuer_rank" not in old.required_fields
    assert old.due_at == datetime(2024, 1, 2, 12, tzinfo=UTC)


def test_pakistan_clocks(packs: PackSet) -> None:
    pk = packs.pack("PK")
    t = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
    assert order_deadline(pk, "PK.PTA_DIRECTION", t).due_at == t + timedelta(hours=48)
    assert order_deadline(pk, "PK.PTA_EMERGENCY", t).due_at == t + timedelta(hours=12)
    live = order_deadline(pk, "PK.PTA_LIVE_STREAM", t)
    assert live.due_at == t and live.slo_at == t + timedelta(minutes=15)
    # 7 working days, Saturday and Sunday skipped
    assert order_deadline(pk, "PK.USER_GRIEVANCE", t).due_at == datetime(
        2026, 12, 8, 10, 0, tzinfo=UTC
    )
    # before the 2021 Rules the 2020 Rules' 24 h applied
    early = datetime(2021, 1, 5, tzinfo=UTC)
    assert order_deadline(pk, "PK.PTA_DIRECTION", early).due_at == early + timedelta(hours=24)


def test_dsa_has_no_fixed_hours_only_an_internal_slo(packs: PackSet) -> None:
    t = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    d = order_deadline(packs.pack("EU"), "EU.ART9_ORDER", t)
    assert d.due_at is None and d.basis == "internal_slo"
    assert d.slo_at == d.act_by == t + timedelta(hours=24)


def test_no_term_in_force_is_an_error(packs: PackSet) -> None:
    with pytest.raises(NotFound, match="no term in force"):
        order_deadline(packs.pack("PK"), "PK.PTA_EMERGENCY", datetime(2019, 1, 1, tzinfo=UTC))


def test_resolve_order_type_for_the_legal_workflow(packs: PackSet) -> None:
    assert packs.resolve_order_type("PK", "PTA", "emergency").id == "PK.PTA_EMERGENCY"
    assert packs.resolve_order_type("DE", "EU_MS_AUTHORITY", "standard").id == "EU.ART9_ORDER"
    with pytest.raises(NotFound):
        packs.resolve_order_type("DE", "DE_COMPLAINANT", "complaint")  # NetzDG: inactive


# -- lint -----------------------------------------------------------------------------------------


def _copy_packs(tmp_path: Path) -> Path:
    for p in packs_dir().glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_lint_reports_yaml_syntax_errors_with_line(tmp_path: Path) -> None:
    d = _copy_packs(tmp_path)
    line = _edit(d / "PK.yaml", "territory: [PK]", "territory: [PK")
    _, issues = lint_files(d.glob("*.yaml"))
    assert any(i.file.endswith("PK.yaml") and "not valid YAML" in i.message for i in issues)
    assert min(i.line for i in issues if i.file.endswith("PK.yaml")) >= line


def test_lint_reports_schema_errors_at_the_offending_line(tmp_path: Path) -> None:
    d = _copy_packs(tmp_path)
    line = _edit(d / "IN.yaml", "deadline: PT3H", "deadline: three hours")
    packs, issues = lint_files(d.glob("*.yaml"))
    assert len(issues) == 1
    assert issues[0].file.endswith("IN.yaml") and issues[0].line == line
    assert "deadline" in issues[0].message
    assert "IN" not in packs and "PK" in packs


def test_lint_reports_cross_reference_errors(tmp_path: Path) -> None:
    d = _copy_packs(tmp_path)
    l1 = _edit(d / "PK.yaml", "categories: [sexual, nudity]", "categories: [sexual, obscenity]")
    l2 = _edit(
        d / "PK.yaml",
        "verification: {status: verified, sources: [PK2]}",
        "verification: {status: verified, sources: [PK999]}",
    )
    _, issues = lint_files(d.glob("*.yaml"))
    msgs = {(i.line, i.message) for i in issues}
    assert any(line == l1 and "'obscenity' is not a taxonomy category" in m for line, m in msgs)
    assert any(line == l2 and "'PK999' is cited but not listed" in m for line, m in msgs)


def test_lint_refuses_overlapping_effective_dates(tmp_path: Path) -> None:
    d = _copy_packs(tmp_path)
    _edit(d / "IN.yaml", 'effective_until: "2026-02-19"', 'effective_until: "2026-02-25"')
    _, issues = lint_files(d.glob("*.yaml"))
    assert any("overlapping the previous term" in i.message for i in issues)


def test_overlay_needs_its_parent(tmp_path: Path) -> None:
    d = _copy_packs(tmp_path)
    (d / "EU.yaml").unlink()
    packs, issues = lint_files(d.glob("*.yaml"))
    assert "DE" not in packs
    assert any(i.file.endswith("DE.yaml") for i in issues)


def test_registry_keeps_previous_version_when_reload_is_invalid(
    tmp_path: Path, packs: PackSet
) -> None:
    reg = PackRegistry(packs)
    d = _copy_packs(tmp_path)
    _edit(d / "PK.yaml", "deadline: PT48H", "deadline: 48h")
    result = reg.reload(d.glob("*.yaml"))
    assert not result.accepted and result.issues
    assert reg.current is packs  # still enforcing the valid set
    _edit(d / "PK.yaml", "deadline: 48h", "deadline: PT48H")
    _edit(d / "PK.yaml", 'pack_version: "2026.12.0"', 'pack_version: "2026.12.1"')
    assert reg.reload(d.glob("*.yaml")).accepted
    assert reg.current.pack("PK").version == "2026.12.1"


def test_deadline_for_a_model_order(packs: PackSet) -> None:
    from nigran.model import Order, OrderType
    from nigran.policy.deadlines import deadline_for

    t = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    emergency = Order(
        id="o1",
        authority="PTA",
        jurisdiction="PK",
        order_type=OrderType.EMERGENCY,
        legal_ground="PK.SECURITY",
        items=["v-1"],
        received_at=t,
    )
    d = deadline_for(packs, emergency)
    assert d.order_type == "PK.PTA_EMERGENCY" and d.due_at == t + timedelta(hours=12)
    assert "written_reasons" in d.required_fields
    german = Order(
        id="o2",
        authority="EU_MS_AUTHORITY",
        jurisdiction="DE",
        legal_ground="DE.STGB_130",
        items=["v-2"],
        received_at=t,
    )
    assert deadline_for(packs, german).order_type == "EU.ART9_ORDER"
    with pytest.raises(NotFound):
        deadline_for(packs, emergency.model_copy(update={"authority": "NOBODY"}))
