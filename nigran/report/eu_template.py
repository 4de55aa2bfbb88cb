"""The vocabulary of the transparency-report templates of Commission Implementing Regulation
(EU) 2024/2835, Annex I: their category blocks and keywords, the official languages and Member
States in the templates' order, the applicability labels, the Parts and their file names, and how
a Nigran category or legal ground maps onto a template row.

Source of the layout: the Commission's English CSV templates
``4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_<n>_<name>.csv`` (Parts 1 to 11; the
regulation's recital 5 and Art. 1(1): "the CSV- or XLSX-version of the templates set out under
Annex I"), read from the copy kept in github.com/johnou/dsa-transparency-report-generator
(``src/main/resources``, commit 338c3d5a) and checked against filed reports in
github.com/krMaynard/dsa-transparency-data. The Parts themselves: :mod:`.eu_annex` (from the
record, recomputable from the ledger) and :mod:`.eu_provided` (the roster, and what only the
provider knows).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nigran.policy.packs import PackSet
from nigran.policy.taxonomy import taxonomy
from nigran.report.period import Period

Row = dict[str, Any]

TEMPLATE_SOURCE = (
    "Implementing Regulation (EU) 2024/2835, Annex I: the Commission's CSV template "
    "4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_{part}.csv"
)

OTHER = "KEYWORD_OTHER"
OTHER_TEXT = 'Text to detail the "Other" keyword.'
DESCRIPTION = 'Description of the sub-category "Other"'

# The template's category blocks, in its order: each statement category, its keywords, and the
# category's own KEYWORD_OTHER row ("not captured by any other sub-category").
CATEGORY_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("STATEMENT_CATEGORY_ANIMAL_WELFARE", ("KEYWORD_ANIMAL_HARM", "KEYWORD_UNLAWFUL_SALE_ANIMALS")),
    (
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        (
            "KEYWORD_HIDDEN_ADVERTISEMENT",
            "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
            "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
            "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
            "KEYWORD_NONCOMPLIANCE_PRICING",
        ),
    ),
    (
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        (
            "KEYWORD_CYBER_BULLYING_INTIMIDATION",
            "KEYWORD_CYBER_HARASSMENT",
            "KEYWORD_CYBER_INCITEMENT",
            "KEYWORD_CYBER_STALKING",
            "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
            "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        ),
    ),
    (
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        (
            "KEYWORD_BULLYING_AGAINST_GIRLS",
            "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN",
            "KEYWORD_CYBER_STALKING_AGAINST_WOMEN",
            "KEYWORD_FEMALE_GENDERED_DISINFORMATION",
            "KEYWORD_INCITEMENT_AGAINST_WOMEN",
            "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
            "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        ),
    ),
    (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        (
            "KEYWORD_BIOMETRIC_DATA_BREACH",
            "KEYWORD_DATA_FALSIFICATION",
            "KEYWORD_MISSING_PROCESSING_GROUND",
            "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
        ),
    ),
    (
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        ("KEYWORD_DEFAMATION", "KEYWORD_DISCRIMINATION", "KEYWORD_HATE_SPEECH"),
    ),
    (
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        (
            "KEYWORD_COPYRIGHT_INFRINGEMENT",
            "KEYWORD_DESIGN_INFRINGEMENT",
            "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
            "KEYWORD_PATENT_INFRINGEMENT",
            "KEYWORD_TRADE_SECRET_INFRINGEMENT",
            "KEYWORD_TRADEMARK_INFRINGEMENT",
        ),
    ),
    (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        (
            "KEYWORD_MISINFORMATION_DISINFORMATION",
            "KEYWORD_VIOLATION_EU_LAW",
            "KEYWORD_VIOLATION_NATIONAL_LAW",
        ),
    ),
    (
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        (
            "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
            "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
            "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
            "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
            "KEYWORD_UNSAFE_CHALLENGES",
        ),
    ),
    (
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        (
            "KEYWORD_ILLEGAL_ORGANIZATIONS",
            "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE",
            "KEYWORD_RISK_PUBLIC_HEALTH",
            "KEYWORD_TERRORIST_CONTENT",
        ),
    ),
    (
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        (
            "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
            "KEYWORD_INAUTHENTIC_ACCOUNTS",
            "KEYWORD_INAUTHENTIC_LISTINGS",
            "KEYWORD_INAUTHENTIC_USER_REVIEWS",
            "KEYWORD_PHISHING",
            "KEYWORD_PYRAMID_SCHEMES",
        ),
    ),
    (
        "STATEMENT_CATEGORY_SELF_HARM",
        (
            "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
            "KEYWORD_SELF_MUTILATION",
            "KEYWORD_SUICIDE",
        ),
    ),
    (
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        ("KEYWORD_PROHIBITED_PRODUCTS", "KEYWORD_UNSAFE_PRODUCTS"),
    ),
    (
        "STATEMENT_CATEGORY_VIOLENCE",
        (
            "KEYWORD_COORDINATED_HARM",
            "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
            "KEYWORD_HUMAN_EXPLOITATION",
            "KEYWORD_HUMAN_TRAFFICKING",
            "KEYWORD_TRAFFICKING_WOMEN_GIRLS",
        ),
    ),
)
TC_BLOCK = (
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    (
        "KEYWORD_ADULT_SEXUAL_MATERIAL",
        "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
        "KEYWORD_GEOGRAPHICAL_REQUIREMENTS",
        "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
        "KEYWORD_LANGUAGE_REQUIREMENTS",
        "KEYWORD_NUDITY",
    ),
)
NOT_SPECIFIED_ORDER = "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER"
NOT_SPECIFIED_NOTICE = "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"

EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
"""The 24 official languages of the Union (ISO 639-1), the template's ``bg, [...], sv`` rows."""

EU_MEMBER_STATES = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)  # fmt: skip
"""The 27 in the template's order (its Scope rows run "AT, […], SE": English names, Austria to
Sweden), with the Transparency Database's codes (Greece is GR)."""


def member_state_order(code: str) -> tuple[int, str]:
    """Sort key: the template's order, then any other EEA state by code."""
    return (EU_MEMBER_STATES.index(code), "") if code in EU_MEMBER_STATES else (99, code)


ALL = "All"
HOSTING = "Only for providers of hosting services, including online platforms"
PLATFORMS = "Only for providers of online platforms"
VLOPS = "Only for VLOPs"

HOURS = "Times in hours, from the record (nigran report)."


@dataclass(frozen=True, slots=True)
class Classified:
    category: str
    keyword: str | None
    """A keyword of ``category`` in the template, KEYWORD_OTHER, or None (category row only)."""
    other: str = ""
    """For KEYWORD_OTHER: the Nigran category it stands for (the template's description)."""


def tree(with_tc: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (*CATEGORY_TREE, TC_BLOCK) if with_tc else CATEGORY_TREE


def classify(code: str, kind: str, packs: PackSet, *, unspecified: str) -> Classified:
    """A policy category or a legal ground, as the template's category and keyword. The first
    of the taxonomy's keywords that the template lists under that category is used (so each
    item counts once); none: KEYWORD_OTHER, described by the Nigran category."""
    tax = taxonomy()
    cat_code = code
    if kind == "law" or code not in tax:
        ground = packs.grounds.get(code)
        cat_code = ground.categories[0] if ground and ground.categories else ""
    cat = tax.get(cat_code)
    if cat is None:
        return Classified(unspecified, None)
    keywords = dict(tree(True)).get(cat.dsa_category, ())
    for k in cat.dsa_keywords:
        if k in keywords:
            return Classified(cat.dsa_category, k)
    return Classified(cat.dsa_category, OTHER, cat_code)


def hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 3600


def median(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(statistics.median(xs), 3) if xs else None


def reporting_period(period: Period) -> str:
    """The template's ``YYYY-MM-DD/YYYY-MM-DD``, both days included."""
    last = period.end - timedelta(days=1)
    return f"{period.start:%Y-%m-%d}/{last:%Y-%m-%d}"


def file_stem(part: int, name: str) -> str:
    return f"eu_annex_i_part_{part}_{name}"


PARTS = {
    "summary": 1,
    "categories_names": 2,
    "member_states_orders": 3,
    "notices": 4,
    "own_initiative_illegal": 5,
    "own_initiative_TC": 6,
    "appeals_and_recidivism": 7,
    "automated_means": 8,
    "human_resources": 9,
    "AMAR": 10,
    "qualitative": 11,
}


def part_name(name: str) -> str:
    return f"{PARTS[name]}_{name}"
