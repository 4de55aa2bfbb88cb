"""The rule engine behind the core pipeline: decisions stored, enforced per country, ledgered."""

from __future__ import annotations

from pathlib import Path

from nigran import enforce
from nigran.model import Content
from nigran.policy.engine import load_engine
from nigran.runtime.pipeline import moderate
from nigran.store import Store


def test_engine_in_the_pipeline_withholds_in_pk_only(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'n.db'}")
    engine = load_engine("2026.11.0")
    # An Urdu caption matching the lexicon's sexual-content bank (severity 3 -> score 0.85).
    post = Content(
        id="ur-1",
        kind="video",
        author="u",
        upload_country="PK",
        texts={"caption": "نئی فحش ویڈیو دیکھو"},
        audience_min_age=18,
    )
    result = moderate(store, [post], policy=engine)
    assert not result.errors
    d = result.outcomes[0].decision
    assert d.policy_version == engine.version
    assert {(a.type.value, str(a.scope), str(a.ground)) for a in d.actions} == {
        ("withhold", "PK", "law:PK.DECENCY"),
        ("age_restrict", "global", "policy:sexual"),
    }
    assert not enforce.visible(store, "ur-1", "PK", 30)
    assert enforce.visible(store, "ur-1", "DE", 30)
    assert not enforce.visible(store, "ur-1", "DE", 16)
    # The in-memory index built from the stored restrictions answers as the stored rows do.
    ix = enforce.Enforcer(store).index
    for country in ("PK", "DE", "IN"):
        for age in (None, 16, 30):
            assert ix.visible("ur-1", country, age) == enforce.visible(store, "ur-1", country, age)
    assert ix.withheld_in("PK") == ["ur-1"]
