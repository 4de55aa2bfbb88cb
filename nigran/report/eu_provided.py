"""The Parts of the Implementing Regulation (EU) 2024/2835 Annex I templates that are not
counted from the chain: identification (1), the categories and what Nigran puts in them (2), human
resources from the reviewer roster (9), and what only the provider knows: its average monthly
active recipients (10) and its qualitative text (11). Vocabulary and source: :mod:`.eu_template`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from nigran.errors import InvalidInput
from nigran.legal.dsa_tdb import official
from nigran.policy.taxonomy import taxonomy
from nigran.report.eu_template import (
    ALL,
    EU_LANGUAGES,
    EU_MEMBER_STATES,
    NOT_SPECIFIED_NOTICE,
    NOT_SPECIFIED_ORDER,
    OTHER,
    VLOPS,
    Row,
    member_state_order,
    tree,
)
from nigran.report.period import Period

# -- Part 1: identification ------------------------------------------------------------------------


def part_1(
    period: Period, provider: str, service: str, published: str
) -> tuple[str, list[str], list[Row]]:
    cols = ["Applicability", "Service", "Indicator", "Value"]
    rows = [
        ("Name of the service provider", provider),
        ("Date of the publication of the report", published),
        ("Date of the publication of the latest previous report", ""),
        ("Starting date of reporting period", f"{period.start:%Y-%m-%d}"),
        ("Ending date of reporting period", f"{period.end - timedelta(days=1):%Y-%m-%d}"),
    ]
    return (
        "summary",
        cols,
        [{"Applicability": ALL, "Service": service, "Indicator": i, "Value": v} for i, v in rows],
    )


# -- Part 2: the categories and what Nigran puts in them ----------------------------------------

NOT_SPECIFIED_LABELS = {
    # The template's own category, absent from the Transparency Database's list: its text as
    # providers file it (e.g. booking.com's 2_categories_names.csv).
    NOT_SPECIFIED_ORDER: "Type of illegal content not specified by the public authority",
}
P2 = [
    "Category label",
    "Category description",
    "Category of illegal content / incompatible with the terms and conditions",
    "Contextual information",
]


def part_2() -> tuple[str, list[str], list[Row]]:
    """The template's categories with their labels (the Transparency Database's English text)
    and, as contextual information, the Nigran categories each one holds (the taxonomy's
    mapping, first listed keyword; the rest under the category's KEYWORD_OTHER)."""
    off = official()
    held: dict[tuple[str, str | None], list[str]] = {}
    for code, cat in sorted(taxonomy().items()):
        keywords = dict(tree(True)).get(cat.dsa_category, ())
        kw = next((k for k in cat.dsa_keywords if k in keywords), OTHER)
        held.setdefault((cat.dsa_category, None), []).append(f"{code} ({cat.name})")
        held.setdefault((cat.dsa_category, kw), []).append(code)

    def note(category: str, keyword: str | None) -> str:
        codes = held.get((category, keyword))
        return "Nigran categories: " + ", ".join(codes) if codes else ""

    rows = [
        {P2[0]: "TOTAL", P2[1]: "All the entries", P2[2]: "TOTAL", P2[3]: ""},
    ]
    number = 0
    for number, (category, keywords) in enumerate(tree(True), start=1):
        rows.append(
            {
                P2[0]: f"Category {number}",
                P2[1]: off.categories[category],
                P2[2]: category,
                P2[3]: note(category, None),
            }
        )
        for letter, k in zip("abcdefghijklmnop", (*keywords, OTHER), strict=False):
            rows.append(
                {
                    P2[0]: f"Category {number}{letter}",
                    P2[1]: off.keywords[k],
                    P2[2]: k,
                    P2[3]: note(category, k),
                }
            )
    for extra in (NOT_SPECIFIED_ORDER, NOT_SPECIFIED_NOTICE):
        number += 1
        label = off.categories.get(extra, NOT_SPECIFIED_LABELS.get(extra, extra))
        rows.append({P2[0]: f"Category {number}", P2[1]: label, P2[2]: extra, P2[3]: ""})
    return "categories_names", P2, rows


# -- Part 9: human resources (from the roster, not the chain) --------------------------------------

P9 = [
    "Applicability",
    "Service",
    "Reporting period",
    "Section",
    "Indicator",
    "Scope",
    "Value",
    "Contextual information",
]
HR = "Human resources dedicated to content moderation "
INTERNAL = "Number of internal moderators employed by the provider"
EXTERNAL = "Number of external moderators contracted by the provider"
LINGUISTIC = "Number of total moderators with sufficient linguistic expertise "


def part_9(
    prefix: Row, roster: Sequence[tuple[str, Sequence[str]]], active: dict[str, set[str]]
) -> tuple[str, list[str], list[Row]]:
    """``roster``: (user id, languages) of every active account with a review role;
    ``active``: per language, the reviewers who decided at least one case in it in the period."""

    def row(indicator: str, scope: str, value: int | None, note: str = "") -> Row:
        return {
            **prefix,
            "Applicability": VLOPS,
            "Section": HR,
            "Indicator": indicator,
            "Scope": scope,
            "Value": value,
            "Contextual information": note,
        }

    eu = [u for u, langs in roster if any(lang.split("-")[0] in EU_LANGUAGES for lang in langs)]
    rows = [
        row(
            INTERNAL,
            "Total number",
            len(roster),
            "Active reviewer accounts (roles reviewer, lead, legal, admin) at report time.",
        ),
        row(EXTERNAL, "Total number", None, "The roster does not record who employs a reviewer."),
        row(
            LINGUISTIC,
            "Total number",
            len(eu),
            "Reviewers whose account lists an official EU language.",
        ),
    ]
    for lang in EU_LANGUAGES:
        people = [u for u, langs in roster if lang in {x.split("-")[0] for x in langs}]
        decided = len(active.get(lang, set()))
        rows.append(
            row(
                LINGUISTIC,
                lang,
                len(people),
                f"{decided} of them decided a case in {lang} in the period." if people else "",
            )
        )
    return "human_resources", P9, rows


# -- Part 10: average monthly active recipients (the provider's figures) -------------------------

P10 = ["Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope", "Value"]
AMAR = "Number of average monthly active recipients during the reporting period "


def part_10(prefix: Row, recipients: dict[str, int]) -> tuple[str, list[str], list[Row]]:
    """Average monthly active recipients, in total and per Member State, as the provider counts
    them (Nigran sees uploads and reports, not who views a service): ``recipients`` maps
    ``total`` and Member State codes to numbers; a state not given is left empty."""
    given = {k.upper(): v for k, v in recipients.items()}
    unknown = sorted(set(given) - {"TOTAL", *official().countries})
    if unknown:
        raise InvalidInput(
            f"recipients for {unknown}: give 'total' and EU/EEA country codes", where="recipients"
        )
    scopes = ["TOTAL", *EU_MEMBER_STATES]
    scopes += sorted(set(given) - set(scopes), key=member_state_order)
    rows = [
        {
            **prefix,
            "Applicability": "Only for VLOPs and VLOSEs",
            "Section": "AMAR",
            "Indicator": AMAR,
            "Scope": scope,
            "Value": given.get(scope),
        }
        for scope in scopes
    ]
    return "AMAR", P10, rows


# -- Part 11: qualitative information -------------------------------------------------------------

P11 = ["Applicability", "Service", "Reporting period", "Indicator", "Value"]
QUALITATIVE: tuple[tuple[str, str, str], ...] = (
    (
        "summary",
        ALL,
        "Summary of the content moderation engaged in at the providers’ own initiative",
    ),
    (
        "own_initiative",
        ALL,
        "Meaningful and comprehensible information regarding content moderation engaged in at "
        "the providers' own initiative",
    ),
    ("automated_means", ALL, "Qualitative description of the automated means"),
    (
        "accuracy",
        ALL,
        "Qualitative description of indicators of accuracy and possible rate of error of "
        "automated means",
    ),
    ("purposes", ALL, "Specification of the precise purposes to apply automated means"),
    ("safeguards", ALL, "Safeguards applied to the use of automated means"),
    (
        "governance",
        VLOPS,
        "High-level description of the content moderation governance structure",
    ),
    (
        "qualifications",
        VLOPS,
        "Qualifications of the human resources dedicated to content moderation",
    ),
    ("training", VLOPS, "Training given to human resources dedicated to content moderation"),
    ("support", VLOPS, "Support given to human resources dedicated to content moderation "),
    (
        "methodology",
        VLOPS,
        "Methodology used to compute the number of human resources dedicated to content "
        "moderation  ",
    ),
)
HR_METHOD = (
    "Counted by Nigran from its reviewer roster at the time of the report: every active account "
    "holding a review role (reviewer, lead, legal, admin) is one moderator; a moderator has "
    "linguistic expertise in each official EU language their account lists; the contextual "
    "information says how many of them decided content in that language during the period "
    "(decisions recorded against their account)."
)


def part_11(prefix: Row, texts: dict[str, str]) -> tuple[str, list[str], list[Row]]:
    """The qualitative Part: the provider's own text per indicator (``texts``, keyed by the
    short names of :data:`QUALITATIVE`); the human-resources methodology, which is Nigran's
    own, is filled unless the provider gives one."""
    unknown = sorted(set(texts) - {k for k, _, _ in QUALITATIVE})
    if unknown:
        raise InvalidInput(
            f"qualitative text for unknown indicators {unknown}; known: "
            f"{[k for k, _, _ in QUALITATIVE]}",
            where="qualitative",
        )
    given = {"methodology": HR_METHOD, **texts}
    return (
        "qualitative",
        P11,
        [
            {**prefix, "Applicability": a, "Indicator": ind, "Value": given.get(k, "")}
            for k, a, ind in QUALITATIVE
        ],
    )
