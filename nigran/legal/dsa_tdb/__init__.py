"""The DSA Transparency Database's own lists, read from its source files shipped here as data.

``Statement.php``, ``Languages.php`` and ``Countries.php`` are unmodified copies from the
database's repository at the commit in ``COMMIT`` (see ``NOTICE.txt``). Reading the enumerations
from them, rather than from a hand-made copy, is what keeps Nigran's export and validator on the
values the API accepts: a value missing from these files is refused by the real API, and so by
:func:`nigran.legal.dsa.validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_CONST = re.compile(r"public const (\w+) = (\[.*?\]|'(?:[^'\\]|\\.)*');", re.S)
_PAIR = re.compile(r"'((?:[^'\\]|\\.)*)'\s*=>\s*(?:self::(\w+)|'((?:[^'\\]|\\.)*)')")
_ITEM = re.compile(r"(?:self::(\w+)|'((?:[^'\\]|\\.)*)')\s*,")


def _unquote(s: str) -> str:
    return s.replace("\\'", "'").replace("\\\\", "\\")


def _consts(text: str) -> dict[str, str | dict[str, str] | tuple[str, ...]]:
    """The class constants of one PHP file: strings, ``'KEY' => value`` maps and plain lists."""
    out: dict[str, str | dict[str, str] | tuple[str, ...]] = {}
    scalars: dict[str, str] = {}
    for name, body in _CONST.findall(text):
        if body.startswith("'"):
            scalars[name] = out[name] = _unquote(body[1:-1])
    for name, body in _CONST.findall(text):
        if not body.startswith("["):
            continue
        pairs = _PAIR.findall(body)
        if pairs:
            out[name] = {
                _unquote(k): (scalars[ref] if ref else _unquote(lit)) for k, ref, lit in pairs
            }
        else:
            out[name] = tuple(
                scalars[ref] if ref else _unquote(lit) for ref, lit in _ITEM.findall(body + ",")
            )
    return out


def _read(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Official:
    """The enumerations of the database at one commit. Map-valued lists keep their labels (the
    English text the database shows); the API takes the keys."""

    commit: str
    decision_visibilities: dict[str, str]
    decision_monetaries: dict[str, str]
    decision_provisions: dict[str, str]
    decision_accounts: dict[str, str]
    account_types: dict[str, str]
    decision_grounds: dict[str, str]
    content_types: dict[str, str]
    categories: dict[str, str]
    keywords: dict[str, str]
    source_types: dict[str, str]
    automated_detections: tuple[str, ...]
    automated_decisions: dict[str, str]
    incompatible_content_illegals: tuple[str, ...]
    countries: tuple[str, ...]
    """EUROPEAN_COUNTRY_CODES: the EU/EEA codes ``territorial_scope`` accepts (Greece is GR)."""
    languages: dict[str, str]
    """ALL_LANGUAGES: the uppercase ISO 639-1 codes ``content_language`` accepts."""
    rules_php: str
    """StatementStoreRequest.php, the validation rules, as text (read by the tests' stand-in)."""


@cache
def official() -> Official:
    s = _consts(_read("Statement.php"))
    langs = _consts(_read("Languages.php"))
    countries = _consts(_read("Countries.php"))

    def m(name: str, src: dict[str, str | dict[str, str] | tuple[str, ...]] = s) -> dict[str, str]:
        v = src[name]
        if not isinstance(v, dict):
            raise TypeError(f"{name} is not a map in the official files")
        return v

    def t(name: str, src: dict[str, str | dict[str, str] | tuple[str, ...]] = s) -> tuple[str, ...]:
        v = src[name]
        if not isinstance(v, tuple):
            raise TypeError(f"{name} is not a list in the official files")
        return v

    return Official(
        commit=_read("COMMIT").strip(),
        decision_visibilities=m("DECISION_VISIBILITIES"),
        decision_monetaries=m("DECISION_MONETARIES"),
        decision_provisions=m("DECISION_PROVISIONS"),
        decision_accounts=m("DECISION_ACCOUNTS"),
        account_types=m("ACCOUNT_TYPES"),
        decision_grounds=m("DECISION_GROUNDS"),
        content_types=m("CONTENT_TYPES"),
        categories=m("STATEMENT_CATEGORIES"),
        keywords=m("KEYWORDS"),
        source_types=m("SOURCE_TYPES"),
        automated_detections=t("AUTOMATED_DETECTIONS"),
        automated_decisions=m("AUTOMATED_DECISIONS"),
        incompatible_content_illegals=t("INCOMPATIBLE_CONTENT_ILLEGALS"),
        countries=t("EUROPEAN_COUNTRY_CODES", countries),
        languages=m("ALL_LANGUAGES", langs),
        rules_php=_read("StatementStoreRequest.php"),
    )
