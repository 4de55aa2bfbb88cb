"""Packs as law, current and governed: Germany after 14 May 2024, Pakistan's s.37(1) grounds,
review dates per ground and term, stale or unverified grounds held for legal review."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.model import Content
from nigran.policy.engine import RuleEngine, load_engine
from nigran.policy.packs import default_packs, load_packs, packs_dir
from tests.policy.helpers import ctx, sig


def test_germany_after_the_ddg() -> None:
    de = default_packs().pack("DE")
    assert de.instruments["DDG"]["effective_from"] == "2024-05-14"
    repealed = de.instruments["NETZDG_2_3F"]
    assert repealed["status"] == "repealed" and repealed["effective_until"] == "2024-05-13"
    for oid in ("DE.NETZDG_MANIFEST", "DE.NETZDG_OTHER"):
        rule = de.order_types[oid]
        assert rule.instrument == "NETZDG_2_3F" and not rule.active
        assert all(t.in_force(date(2024, 5, 13)) for t in rule.terms)
        assert not any(t.in_force(date(2024, 5, 14)) for t in rule.terms)
    duty = de.data["duties"]["DE.AUTHORISED_RECIPIENT"]
    assert duty["basis"] == "NetzDG §5" and "500,000" in duty["penalty"]
    assert "NetzDG" not in de.user_notice.citation
    assert not any("3b" in route for route in de.appeal["external"])


def test_pakistan_s37_1_names_contempt_and_incitement() -> None:
    packs = default_packs()
    for code in ("PK.CONTEMPT", "PK.INCITE"):
        g = packs.grounds[code]
        assert g.legal_basis == "PECA s.37(1)"
        assert g.verification.status == "verified_multi" and len(g.verification.sources) == 2
        assert packs.pack("PK").held_for_review(g, date(2026, 12, 7)) is None


def test_review_dates_per_ground_and_term() -> None:
    packs = default_packs()
    pk = packs.pack("PK")
    assert packs.grounds["PK.CONTEMPT"].reviewed_at == date(2026, 12, 7)  # its own
    assert packs.grounds["PK.DECENCY"].reviewed_at == pk.reviewed_at  # the pack's
    term = pk.order_types["PK.PTA_DIRECTION"].terms[-1]
    assert term.reviewed_at == pk.reviewed_at
    g = packs.grounds["PK.DECENCY"]
    assert pk.review_due(g.verification, g.reviewed_at, pk.reviewed_at) is None
    late = date(pk.reviewed_at.year + 1, pk.reviewed_at.month, pk.reviewed_at.day) + timedelta(1)
    assert "review due" in (pk.review_due(g.verification, g.reviewed_at, late) or "")


def _packs_copy(tmp_path: Path, edit: str, to: str) -> Path:
    d = tmp_path / "packs"
    shutil.copytree(packs_dir(), d)
    text = (d / "PK.yaml").read_text(encoding="utf-8")
    assert edit in text
    (d / "PK.yaml").write_text(text.replace(edit, to, 1), encoding="utf-8")
    return d


def test_lint_warns_on_stale_and_unverified(tmp_path: Path) -> None:
    d = _packs_copy(tmp_path, 'reviewed_at: "2026-11-28"', 'reviewed_at: "2024-01-01"')
    r = CliRunner().invoke(build_app(), ["policy", "lint", str(d / "PK.yaml")])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "warning: ground PK.DECENCY: review due: last reviewed 2024-01-01" in out
    assert "warning(s)" in out


DECENCY = (
    "categories: [sexual, nudity]\n    proactive: true\n"
    "    verification: {status: verified_multi, sources: [PK9, PK14, PK6]}"
)


def _engine_with(d: Path) -> RuleEngine:
    shipped = load_engine("2026.11.0")
    return RuleEngine(shipped.ruleset, load_packs(d))


def _post() -> Content:
    return Content(id="p1", kind="video", author="u1", texts={"caption": "x"}, upload_country="PK")


def test_unverified_ground_is_held_for_legal_review(tmp_path: Path) -> None:
    d = _packs_copy(
        tmp_path,
        DECENCY,
        DECENCY.replace("verified_multi, sources: [PK9, PK14, PK6]", "unverified, sources: []"),
    )
    decision = _engine_with(d).decide(_post(), [sig("sexual", 0.86, "en")], ctx())
    assert not any(a.ground.kind == "law" for a in decision.actions)
    assert decision.review is not None and decision.review.queue == "legal"
    assert any("held for legal review (unverified)" in h.reason for h in decision.explanation)


def test_pack_may_say_enforce_anyway(tmp_path: Path) -> None:
    d = _packs_copy(
        tmp_path,
        DECENCY,
        DECENCY.replace("verified_multi, sources: [PK9, PK14, PK6]", "unverified, sources: []"),
    )
    text = (d / "PK.yaml").read_text(encoding="utf-8")
    (d / "PK.yaml").write_text(
        text.replace(
            "legal_review_required: true\n",
            "legal_review_required: true\nunverified_terms: enforce\n",
            1,
        ),
        encoding="utf-8",
    )
    decision = _engine_with(d).decide(_post(), [sig("sexual", 0.86, "en")], ctx())
    assert any(str(a.ground) == "law:PK.DECENCY" for a in decision.actions)
