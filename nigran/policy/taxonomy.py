"""The global category taxonomy (``taxonomy.yaml``), each category mapped to the DSA."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nigran.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    severity: int
    dsa_category: str
    dsa_keywords: tuple[str, ...] = ()


def parse_taxonomy(data: Any, where: str) -> dict[str, Category]:
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise ConfigError("taxonomy must be a mapping with a 'categories' mapping", where=where)
    out: dict[str, Category] = {}
    for code, body in data["categories"].items():
        try:
            out[code] = Category(
                code=code,
                name=str(body["name"]),
                severity=int(body["severity"]),
                dsa_category=str(body["dsa_category"]),
                dsa_keywords=tuple(body.get("dsa_keywords", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"category {code!r}: {exc}", where=where) from exc
    return out


@cache
def taxonomy() -> dict[str, Category]:
    path = resources.files("nigran.policy") / "taxonomy.yaml"
    return parse_taxonomy(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
