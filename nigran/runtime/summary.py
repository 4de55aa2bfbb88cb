"""Counts over a moderation run, for the table ``nigran moderate`` prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from nigran.runtime.pipeline import Outcome

OUTCOMES = ("remove", "withhold", "age_restrict", "review", "none")


@dataclass(slots=True)
class Summary:
    read: int = 0
    moderated: int = 0
    duplicates: int = 0
    rejected: int = 0
    ledger_entries: int = 0
    by_language: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_category: Counter[tuple[str, str]] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        if outcome.duplicate:
            self.duplicates += 1
            return
        self.moderated += 1
        self.ledger_entries += len(outcome.ledger)
        result = outcome.decision.outcome
        if result not in OUTCOMES:
            result = "other"
        self.languages[outcome.language] += 1
        self.by_language[(outcome.language, result)] += 1
        for category in sorted({s.category for s in outcome.signals}):
            self.categories[category] += 1
            self.by_category[(category, result)] += 1
