"""Review queues from configuration, and routing a case to its queue.

Queues are data (``queues.yaml``, or a file named by ``NIGRAN_REVIEW_QUEUES``): language ×
category × source × jurisdiction (the pack an authority's order or a legal appeal falls
under: PK, IN, EU, DE), first match wins, the last queue catches everything. Routing is a pure
function of what the case is about, so the pipeline, user reports and authority orders all send
the same case to the same queue.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nigran import languages
from nigran.errors import ConfigError

SOURCES = ("proactive", "user_report", "trusted_flagger", "authority_order", "appeal")


@dataclass(frozen=True, slots=True)
class Queue:
    id: str
    name: str
    languages: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    sla_hours: Mapping[int, float] = field(default_factory=dict)
    exposure_limit: int | None = None
    """This team's own limit of graphic reveals per shift (None: the file's default)."""
    review_share: float | None = None
    """Share of its languages' traffic (0-1) this team can review: the operating point
    ``nigran eval --file ... --write-rules`` sets the review bars for (None: not set)."""

    def matches(
        self, language: str | None, category: str, source: str, jurisdiction: str | None = None
    ) -> bool:
        return (
            (not self.languages or _canonical(language) in self.languages)
            and (not self.categories or category in self.categories)
            and (not self.sources or source in self.sources)
            and (not self.jurisdictions or jurisdiction in self.jurisdictions)
        )


@dataclass(frozen=True, slots=True)
class QueueConfig:
    queues: tuple[Queue, ...]
    risk_fraction: float
    min_risk_minutes: float
    claim_minutes: float
    claims_per_reviewer: int = 1
    """How many live claims one reviewer may hold at once; 0 is the multi-claim mode (no limit)."""
    exposure_limit: int = 20
    """The team's limit of graphic media one reviewer reveals in a shift before the console
    suggests a break (a suggestion, never a block)."""
    graphic_categories: frozenset[str] = frozenset()
    """Categories whose media count as graphic for that limit."""

    def get(self, queue_id: str) -> Queue:
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(queue_id)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.queues]

    def route(
        self,
        language: str | None,
        category: str,
        source: str = "proactive",
        jurisdiction: str | None = None,
    ) -> Queue:
        """The first queue that takes a case in ``language`` about ``category`` from ``source``
        (under ``jurisdiction``'s law, for authority orders and legal appeals)."""
        for q in self.queues:
            if q.matches(language, category, source, jurisdiction):
                return q
        return self.queues[-1]

    def review_shares(self, langs: Iterable[str], category: str) -> dict[str, float]:
        """Per language, the ``review_share`` of the queue its flagged ``category`` items are
        routed to (languages whose queue sets none are left out)."""
        out: dict[str, float] = {}
        for lang in set(langs):
            share = self.route(lang, category).review_share
            if share is not None:
                out[lang] = share
        return out


def _canonical(language: str | None) -> str:
    """A case's language as the queues name it (``pa-Arab`` is ``pnb``); one Nigran does not
    handle stays as it is and is taken by a queue that names no languages."""
    found = languages.find(language or "und")
    return found.code if found is not None else (language or "und")


def _languages(raw: Any, where: str) -> frozenset[str]:
    """A queue's languages, each in the table of languages (an unknown code is an error: a
    queue for a language the identifier can never report would silently stay empty)."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise ConfigError("languages must be a list of language codes", where=where)
    return frozenset(languages.language(str(code), where=where).code for code in raw)


def _hours(raw: Any, where: str) -> dict[int, float]:
    if not isinstance(raw, dict):
        raise ConfigError("sla_hours must map severity (0..4) to hours", where=where)
    out = {int(k): float(v) for k, v in raw.items()}
    if set(out) != {0, 1, 2, 3, 4} or any(v <= 0 for v in out.values()):
        raise ConfigError(
            "sla_hours needs a positive number of hours for each severity 0..4", where=where
        )
    return out


def parse(data: Any, where: str) -> QueueConfig:
    """Validate a queue configuration; every problem names the queue it is in."""
    if not isinstance(data, dict) or not isinstance(data.get("queues"), list):
        raise ConfigError("a queue file needs a `queues:` list", where=where)
    defaults = data.get("defaults") or {}
    default_hours = _hours(defaults.get("sla_hours", {0: 72, 1: 48, 2: 24, 3: 8, 4: 2}), where)
    queues: list[Queue] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["queues"]):
        at = f"{where}: queues[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise ConfigError("each queue needs an `id`", where=at)
        qid = raw["id"]
        if qid in seen:
            raise ConfigError(f"queue id {qid!r} is used twice", where=at)
        seen.add(qid)
        unknown = set(raw) - {
            "id",
            "name",
            "languages",
            "categories",
            "sources",
            "jurisdictions",
            "sla_hours",
            "exposure_limit",
            "review_share",
        }
        if unknown:
            raise ConfigError(f"unknown keys {sorted(unknown)} in queue {qid!r}", where=at)
        sources = frozenset(raw.get("sources") or ())
        if sources - set(SOURCES):
            raise ConfigError(
                f"queue {qid!r}: unknown sources {sorted(sources - set(SOURCES))}; "
                f"use {', '.join(SOURCES)}",
                where=at,
            )
        queues.append(
            Queue(
                id=qid,
                name=str(raw.get("name", qid)),
                languages=_languages(raw.get("languages"), f"{at} ({qid}): languages"),
                categories=frozenset(raw.get("categories") or ()),
                sources=sources,
                jurisdictions=frozenset(raw.get("jurisdictions") or ()),
                sla_hours=_hours(raw["sla_hours"], at) if "sla_hours" in raw else default_hours,
                exposure_limit=_queue_limit(raw.get("exposure_limit"), f"{at} ({qid})"),
                review_share=_share(raw.get("review_share"), f"{at} ({qid}): review_share"),
            )
        )
    if not queues:
        raise ConfigError("no queues defined", where=where)
    last = queues[-1]
    if last.languages or last.categories or last.sources or last.jurisdictions:
        raise ConfigError(
            f"the last queue ({last.id!r}) must match everything so no case is left unrouted",
            where=where,
        )
    try:
        return QueueConfig(
            queues=tuple(queues),
            risk_fraction=float(defaults.get("risk_fraction", 0.25)),
            min_risk_minutes=float(defaults.get("min_risk_minutes", 15)),
            claim_minutes=float(defaults.get("claim_minutes", 10)),
            claims_per_reviewer=_non_negative(defaults.get("claims_per_reviewer", 1)),
            exposure_limit=_positive(defaults.get("exposure_limit", 20), "exposure_limit"),
            graphic_categories=frozenset(defaults.get("graphic_categories") or ()),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid defaults: {exc}", where=where) from exc


def _non_negative(value: Any) -> int:
    n = int(value)
    if n < 0 or n != value:
        raise ValueError(f"claims_per_reviewer must be a whole number >= 0, not {value!r}")
    return n


def _queue_limit(value: Any, where: str) -> int | None:
    if value is None:
        return None
    try:
        return _positive(value, "exposure_limit")
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc), where=where) from exc


def _share(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ConfigError(f"a review share is a number in (0, 1], not {value!r}", where=where)
    return float(value)


def _positive(value: Any, name: str) -> int:
    n = int(value)
    if n < 1 or n != value:
        raise ValueError(f"{name} must be a whole number >= 1, not {value!r}")
    return n


def load(path: str | Path | None = None) -> QueueConfig:
    if path is None:
        text = (resources.files("nigran.review") / "queues.yaml").read_text(encoding="utf-8")
        where = "nigran/review/queues.yaml"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read queue file: {exc}", where=where) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", where=where) from exc
    return parse(data, where)


@lru_cache(maxsize=4)
def _cached(path: str | None) -> QueueConfig:
    return load(path)


def config() -> QueueConfig:
    """The queue configuration in force (``NIGRAN_REVIEW_QUEUES`` or the packaged default)."""
    return _cached(os.environ.get("NIGRAN_REVIEW_QUEUES") or None)


def visible_queues(cfg: QueueConfig, assigned: Sequence[str], roles: Sequence[str]) -> list[Queue]:
    """Leads and admins see every queue; everyone else only those assigned to them."""
    if {"lead", "admin"} & set(roles):
        return list(cfg.queues)
    return [q for q in cfg.queues if q.id in set(assigned)]
