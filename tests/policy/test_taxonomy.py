from __future__ import annotations

import pytest

from nigran.errors import PackInvalid
from nigran.policy.taxonomy import DSA_CATEGORIES, parse_taxonomy, taxonomy
from nigran.policy.yaml_lines import load_located


def test_taxonomy_keeps_core_codes_and_maps_each_to_the_dsa() -> None:
    t = taxonomy()
    assert 15 <= len(t) <= 25
    assert {"hate", "harassment", "threat", "violent_extremism", "sexual", "self_harm"} <= set(t)
    for c in t.values():
        assert c.dsa_category in DSA_CATEGORIES, c.code
        assert c.dsa_keywords and all(k.startswith("KEYWORD_") for k in c.dsa_keywords)
        assert 1 <= c.severity <= 4


def test_bad_dsa_category_is_refused_with_its_line() -> None:
    text = (
        "version: 1\ncategories:\n  hate:\n    name: Hate\n    severity: 3\n"
        "    dsa_category: STATEMENT_CATEGORY_NOPE\n"
    )
    loc = load_located(text, "tax.yaml")
    with pytest.raises(PackInvalid) as e:
        parse_taxonomy(loc.data, "tax.yaml", loc)
    assert str(e.value).startswith("tax.yaml:6:")
    assert "not a DSA statement category" in str(e.value)
