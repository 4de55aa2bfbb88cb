"""The global category taxonomy (``taxonomy.yaml``), each category mapped to the DSA.

The taxonomy is the platform's own vocabulary of harms: detectors emit its codes on signals,
rules act on them, and jurisdiction packs map each legal ground onto one or more of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from nigran.errors import ConfigError, PackInvalid
from nigran.policy.yaml_lines import Located, load_located

DSA_CATEGORIES = frozenset(
    {
        "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "STATEMENT_CATEGORY_SELF_HARM",
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "STATEMENT_CATEGORY_VIOLENCE",
    }
)
"""The 16 statement-of-reasons categories of the DSA Transparency Database (2025 schema)."""


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    severity: int
    dsa_category: str
    dsa_keywords: tuple[str, ...] = ()
    description: str = ""


def parse_taxonomy(data: Any, where: str, located: Located | None = None) -> dict[str, Category]:
    """Build the taxonomy; every mistake names the file and line (when known) and the category."""

    def at(*path: str | int) -> str:
        return located.where(path) if located is not None else where

    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise PackInvalid("taxonomy must be a mapping with a 'categories' mapping", where=at())
    out: dict[str, Category] = {}
    for code, body in data["categories"].items():
        if not isinstance(code, str) or not code.replace("_", "").isalnum() or code != code.lower():
            raise PackInvalid(
                f"category code {code!r} must be lower_snake_case",
                where=at("categories", str(code)),
            )
        if not isinstance(body, dict):
            raise PackInvalid(f"category {code!r} must be a mapping", where=at("categories", code))
        try:
            cat = Category(
                code=code,
                name=str(body["name"]),
                severity=int(body["severity"]),
                dsa_category=str(body["dsa_category"]),
                dsa_keywords=tuple(str(k) for k in body.get("dsa_keywords", ())),
                description=str(body.get("description", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PackInvalid(
                f"category {code!r}: missing or bad field {exc}", where=at("categories", code)
            ) from exc
        if not 1 <= cat.severity <= 4:
            raise PackInvalid(
                f"category {code!r}: severity must be 1..4",
                where=at("categories", code, "severity"),
            )
        if cat.dsa_category not in DSA_CATEGORIES:
            raise PackInvalid(
                f"category {code!r}: {cat.dsa_category!r} is not a DSA statement category",
                where=at("categories", code, "dsa_category"),
            )
        bad = [k for k in cat.dsa_keywords if not k.startswith("KEYWORD_")]
        if bad:
            raise PackInvalid(
                f"category {code!r}: DSA keywords must start with KEYWORD_: {bad}",
                where=at("categories", code, "dsa_keywords"),
            )
        out[code] = cat
    return out


def taxonomy_text() -> tuple[str, str]:
    path = resources.files("nigran.policy") / "taxonomy.yaml"
    return path.read_text(encoding="utf-8"), str(path)


@cache
def taxonomy() -> dict[str, Category]:
    text, where = taxonomy_text()
    try:
        located = load_located(text, where)
        return parse_taxonomy(located.data, where, located)
    except PackInvalid as exc:
        # The shipped taxonomy being broken is a packaging error, not user input.
        raise ConfigError(str(exc)) from exc
