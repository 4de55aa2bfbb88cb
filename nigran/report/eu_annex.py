"""The quantitative templates of Commission Implementing Regulation (EU) 2024/2835, Annex I, laid
out as the Commission's own CSV files.

Source of the layout: the Commission's English CSV templates
``4_EN_Annex_I__Templates_for_Transparency_Reports_CSV_Part_<n>_<name>.csv`` (Parts 1 to 11; the
regulation's recital 5 and Art. 1(1): "the CSV- or XLSX-version of the templates set out under
Annex I"), read from the copy kept in github.com/johnou/dsa-transparency-report-generator
(``src/main/resources``, commit 338c3d5a) and checked against filed reports in
github.com/krMaynard/dsa-transparency-data. Each table here is one Part: its file stem is the
Part's (``eu_annex_i_part_3_member_states_orders``), its columns are the template's header
cells, character for character (trailing spaces included), and its rows are the template's
rows in the template's order (every category and keyword, zeros where nothing happened).

What Nigran leaves empty, and says so in the row's "Contextual information" column: orders to
provide information (Art. 10: Nigran records orders to act only), out-of-court disputes, the
accuracy of automated means (measured by the detection benchmarks, not by the record) and
external moderators. Parts 10 (average monthly active recipients: Nigran does not see who views
a service) and 11 (qualitative text) hold what the provider gives. Times are in hours, as the
contextual information says.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nigran.errors import InvalidInput
from nigran.legal.dsa_tdb import official
from nigran.policy.packs import PackSet
from nigran.policy.taxonomy import taxonomy
from nigran.report.facts import AUTOMATED, AppealFact, Facts, NoticeFact, OrderFact, RestrictionFact
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


def _tree(with_tc: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
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
    keywords = dict(_tree(True)).get(cat.dsa_category, ())
    for k in cat.dsa_keywords:
        if k in keywords:
            return Classified(cat.dsa_category, k)
    return Classified(cat.dsa_category, OTHER, cat_code)


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 3600


def _median(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(statistics.median(xs), 3) if xs else None


def reporting_period(period: Period) -> str:
    """The template's ``YYYY-MM-DD/YYYY-MM-DD``, both days included."""
    last = period.end - timedelta(days=1)
    return f"{period.start:%Y-%m-%d}/{last:%Y-%m-%d}"


@dataclass(slots=True)
class _Block:
    """Rows of one category-by-keyword template, filled by a row function over the items that
    fall in each row."""

    columns: list[str]
    key: str
    prefix: Callable[[], Row]

    def rows(
        self,
        items: Sequence[tuple[Classified, Any]],
        fill: Callable[[Sequence[Any]], Row],
        tree: Iterable[tuple[str, tuple[str, ...]]],
        tail: Sequence[str] = (),
        extra: Row | None = None,
    ) -> list[Row]:
        def row(label: str, other: str, xs: Sequence[Any]) -> Row:
            r = {**self.prefix(), self.key: label, DESCRIPTION: other, **(extra or {})}
            r.update(fill(xs))
            return r

        out = [row("TOTAL", "", [x for _, x in items])]
        for category, keywords in tree:
            mine = [(c, x) for c, x in items if c.category == category]
            out.append(row(category, "", [x for _, x in mine]))
            for k in keywords:
                out.append(row(k, "", [x for c, x in mine if c.keyword == k]))
            others = sorted({c.other for c, _ in mine if c.keyword == OTHER})
            if not others:
                out.append(row(OTHER, "", []))
            for o in others:
                out.append(
                    row(OTHER, o, [x for c, x in mine if c.keyword == OTHER and c.other == o])
                )
        for category in tail:
            out.append(row(category, "", [x for c, x in items if c.category == category]))
        return out


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
        keywords = dict(_tree(True)).get(cat.dsa_category, ())
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
    for number, (category, keywords) in enumerate(_tree(True), start=1):
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


# -- Part 3: Member States' orders -----------------------------------------------------------------

P3 = [
    "Applicability",
    "Service",
    "Reporting period",
    "Category of illegal content",
    DESCRIPTION,
    "Scope",
    "Number of orders to act against illegal content received",
    "Number of specific items of information included in the total number of orders to act "
    "against illegal content",
    "Median time to inform the authority of the receipt of the order to act against illegal "
    "content",
    "Median time to give effect to the order to act against illegal content",
    "Number of orders to provide information",
    "Median time to inform the authority of the receipt of the order to provide information",
    "Median time to give effect to the order to provide information",
    "Contextual information on number of orders to act against illegal content received",
    "Contextual information on number of specific items of information included in the total "
    "number of orders to act against illegal content",
    "Contextual information on Median time to inform the authority of the receipt of the order "
    "to act against illegal content",
    "Contextual information on Median time to give effect to the order to act against illegal "
    "content",
    "Contextual information on Number of orders to provide information",
    "Contextual information on Median time to inform the authority of the receipt of the order "
    "to provide information",
    "Contextual information on Median time to give effect to the order to provide information",
]


def _orders_fill(os_: Sequence[OrderFact]) -> Row:
    acted = [o for o in os_ if o.outcome in ("actioned", "partially_actioned")]
    return {
        P3[6]: len(os_),
        P3[7]: sum(o.items for o in os_),
        P3[8]: _median(_hours(o.received_at, o.acknowledged_at) for o in os_),
        P3[9]: _median(_hours(o.received_at, o.acted_at) for o in acted),
        P3[15]: HOURS if os_ else "",
        P3[16]: HOURS if acted else "",
        P3[17]: "Nigran records orders to act (Art. 9); orders to provide information "
        "(Art. 10) are not recorded.",
    }


def part_3(
    facts: Facts, period: Period, packs: PackSet, prefix: Callable[[], Row]
) -> tuple[str, list[str], list[Row]]:
    eu = [
        o
        for o in facts.orders
        if o.received_at in period and o.jurisdiction in official().countries
    ]
    items = [
        (classify(o.legal_ground or "", "law", packs, unspecified=NOT_SPECIFIED_ORDER), o)
        for o in eu
    ]
    b = _Block(P3, "Category of illegal content", lambda: {**prefix(), "Applicability": ALL})
    rows = b.rows(items, _orders_fill, CATEGORY_TREE, [NOT_SPECIFIED_ORDER], {"Scope": "TOTAL"})
    for ms in sorted({o.jurisdiction for o in eu}, key=member_state_order):
        mine = [(c, o) for c, o in items if o.jurisdiction == ms]
        rows += b.rows(mine, _orders_fill, CATEGORY_TREE, [NOT_SPECIFIED_ORDER], {"Scope": ms})
    for r in rows:  # said once per block, on its total
        if r["Category of illegal content"] != "TOTAL":
            r[P3[17]] = ""
    return "member_states_orders", P3, rows


# -- Part 4: notices -------------------------------------------------------------------------------

P4 = [
    "Applicability",
    "Service",
    "Reporting period",
    "Category of illegal content",
    DESCRIPTION,
    "Number of notices received ",
    "Number of notices received from Trusted flaggers",
    "Number of specific items of information included in the total number of notices",
    "Number of specific items of information included in the total number of notices by "
    "Trusted Flaggers (Trusted Flagger notices)",
    "Median time to take action",
    "Median time to take action (Trusted Flagger notices)",
    "Number of actions taken on the basis of the law",
    "Number of actions taken on the basis of the law (Trusted Flagger notices)",
    "Number of actions taken on the basis of the terms and conditions of the service",
    "Number of actions taken on the basis of the terms and conditions of the service (Trusted "
    "Flagger notices)",
]
P4 += ["Contextual information on " + c for c in P4[5:15]]

TF = "trusted_flagger"


def _notices_fill(ns: Sequence[NoticeFact], on_law: Callable[[NoticeFact], bool]) -> Row:
    tf = [n for n in ns if n.source == TF]
    acted = [n for n in ns if n.status == "founded"]
    acted_tf = [n for n in acted if n.source == TF]
    return {
        P4[5]: len(ns),
        P4[6]: len(tf),
        P4[7]: len(ns),
        P4[8]: len(tf),
        P4[9]: _median(_hours(n.received_at, n.resolved_at) for n in acted),
        P4[10]: _median(_hours(n.received_at, n.resolved_at) for n in acted_tf),
        P4[11]: sum(1 for n in acted if on_law(n)),
        P4[12]: sum(1 for n in acted_tf if on_law(n)),
        P4[13]: sum(1 for n in acted if not on_law(n)),
        P4[14]: sum(1 for n in acted_tf if not on_law(n)),
        P4[17]: "A notice names one item." if ns else "",
        P4[19]: (HOURS + " Receipt to the founded decision.") if acted else "",
        P4[21]: "Law: the restriction the notice led to has a legal ground (or, with none "
        "recorded, the notice invoked a country's law); terms: otherwise."
        if acted
        else "",
    }


def part_4(
    facts: Facts, period: Period, packs: PackSet, prefix: Callable[[], Row]
) -> tuple[str, list[str], list[Row]]:
    ns = [n for n in facts.notices if n.received_at in period]
    grounds: dict[str, set[str]] = {}
    for r in facts.restrictions:
        ref = r.source_ref or ""
        if ref.startswith("report:"):
            grounds.setdefault(ref.removeprefix("report:"), set()).add(r.ground_kind)

    def on_law(n: NoticeFact) -> bool:
        kinds = grounds.get(n.id)
        return "law" in kinds if kinds else bool(n.jurisdiction)

    items = [
        (classify(n.category, "policy", packs, unspecified=NOT_SPECIFIED_NOTICE), n) for n in ns
    ]
    b = _Block(P4, "Category of illegal content", lambda: {**prefix(), "Applicability": HOSTING})
    rows = b.rows(
        items, lambda xs: _notices_fill(xs, on_law), CATEGORY_TREE, [NOT_SPECIFIED_NOTICE]
    )
    return "notices", P4, rows


# -- Parts 5 and 6: own-initiative measures --------------------------------------------------------

MEASURES = [
    "Number of measures taken at the provider's own initiative ",
    "Number of measures taken after detection with solely automated means ",
    "Visibility restriction Removal",
    "Visibility restriction Disable",
    "Visibility restriction Demoted",
    "Visibility restriction Age restricted",
    "Visibility restriction Interaction restricted",
    "Visibility restriction Labelled ",
    "Visibility restriction Other",
    "Monetary restriction Suspension",
    "Monetary restriction Termination",
    "Monetary restriction Other",
    "Provision of the service Suspension",
    "Provision of the service Termination",
    "Account restriction Suspension",
    "Account restriction Termination",
]
ACTION_COLUMN = {
    "remove": "Visibility restriction Removal",
    "withhold": "Visibility restriction Disable",
    "reduce_reach": "Visibility restriction Demoted",
    "age_restrict": "Visibility restriction Age restricted",
    "label": "Visibility restriction Labelled ",
    "suspend_account": "Account restriction Suspension",
}


def _own_cols(first: str) -> list[str]:
    head = ["Applicability", "Service", "Reporting period", first, DESCRIPTION]
    return head + MEASURES + ["Contextual Information on " + m for m in MEASURES]


P5 = _own_cols("Category of illegal content")
P6 = _own_cols("Category of incompatibility with the provider's terms and conditions")


def _measures_fill(rs: Sequence[RestrictionFact]) -> Row:
    r: Row = {m: 0 for m in MEASURES}
    r[MEASURES[0]] = len(rs)
    r[MEASURES[1]] = sum(1 for x in rs if x.detection == AUTOMATED)
    for x in rs:
        r[ACTION_COLUMN.get(x.action, "Visibility restriction Other")] += 1
    return r


def part_5_6(
    facts: Facts, period: Period, packs: PackSet, prefix: Callable[[], Row]
) -> list[tuple[str, list[str], list[Row]]]:
    own = [r for r in facts.restrictions if r.created_at in period and r.own_initiative]
    out = []
    for name, cols, kind, with_tc in (
        ("own_initiative_illegal", P5, "law", False),
        ("own_initiative_TC", P6, "policy", True),
    ):
        items = [
            (classify(r.ground_code, r.ground_kind, packs, unspecified=TC_BLOCK[0]), r)
            for r in own
            if r.ground_kind == kind
        ]
        b = _Block(cols, cols[3], lambda: {**prefix(), "Applicability": ALL})
        out.append((name, cols, b.rows(items, _measures_fill, _tree(with_tc))))
    return out


# -- Part 7: complaints, out-of-court disputes, suspensions ----------------------------------------

LONG = ["Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope", "Value"]
P7 = [*LONG, "Contextual Information"]
COMPLAINTS = "Internal complaints mechanism"
OUTCOMES = (
    "Decisions upheld",
    "Decisions partially reversed",
    "Decisions reversed",
    "Median time",
)
APPEALED: tuple[tuple[str, set[str]], ...] = (
    (
        "Complaint regarding a decision to remove or disable access to or restrict visibility "
        "of information",
        {"remove", "withhold", "reduce_reach", "age_restrict", "label"},
    ),
    ("Complaint regarding a decision to suspend or terminate the provision of the service", set()),
    ("Complaint regarding a decision to suspend or terminate an account ", {"suspend_account"}),
    ("Complaint regarding a decision to restrict the ability to monetise information", set()),
)


def _long(prefix: Row, applicability: str, section: str, indicator: str, scope: str) -> Row:
    return {
        **prefix,
        "Applicability": applicability,
        "Section": section,
        "Indicator": indicator,
        "Scope": scope,
    }


def _outcomes(
    rows: list[Row], prefix: Row, indicator: str, xs: Sequence[AppealFact], total_all: bool
) -> None:
    p = ALL if total_all else PLATFORMS
    rows.append({**_long(prefix, p, COMPLAINTS, indicator, "Total number"), "Value": len(xs)})
    done = [a for a in xs if a.outcome is not None]
    values = {
        "Decisions upheld": sum(1 for a in done if a.outcome == "upheld"),
        "Decisions partially reversed": 0,
        "Decisions reversed": sum(1 for a in done if a.outcome == "reversed"),
        "Median time": _median(_hours(a.filed_at, a.decided_at) for a in done),
    }
    for scope in OUTCOMES:
        r = {**_long(prefix, PLATFORMS, COMPLAINTS, indicator, scope), "Value": values[scope]}
        if scope == "Median time" and done:
            r["Contextual Information"] = HOURS + " Filing to decision."
        if scope == "Decisions partially reversed":
            r["Contextual Information"] = "Nigran decides an appeal as upheld or reversed."
        rows.append(r)


def part_7(
    facts: Facts, period: Period, prefix: Callable[[], Row]
) -> tuple[str, list[str], list[Row]]:
    pre = prefix()
    rows: list[Row] = []
    mine = [a for a in facts.appeals if a.filed_at in period]
    action = {r.id: r.action for r in facts.restrictions}
    total = "Number of complaints submitted to the internal-complaints mechanism"
    _outcomes(rows, pre, total, mine, True)
    omitted = sum(1 for a in mine if a.outcome not in (None, "upheld", "reversed"))
    rows.append({**_long(pre, PLATFORMS, COMPLAINTS, total, "Decision omitted"), "Value": omitted})
    rows.append(
        {
            **_long(
                pre,
                PLATFORMS,
                COMPLAINTS,
                "Number of restrictions newly imposed as a result of an internal complaint",
                "Total number",
            ),
            "Value": sum(
                1 for r in facts.restrictions if r.created_at in period and r.source == "appeal"
            ),
        }
    )
    for indicator, actions in APPEALED:
        xs = [a for a in mine if action.get(a.restriction_id or "") in actions]
        _outcomes(rows, pre, indicator, xs, False)
    for indicator in (
        "Complaint regarding a decision not to take action on a notice submitted in accordance "
        "with Article 16",
        "Complaint regarding a decision not to take action on a notice submitted by a Trusted "
        "Flagger in accordance with Article 16",
    ):
        for scope in ("Total number", *OUTCOMES):
            rows.append(
                {
                    **_long(pre, PLATFORMS, COMPLAINTS, indicator, scope),
                    "Value": None,
                    "Contextual Information": "A notifier's appeal is not told apart from a "
                    "user's in the record; counted in the total.",
                }
            )
    ods = "Out-of-court dispute settlement bodies"
    for scope in (
        "Total number",
        *OUTCOMES,
        "Decision omitted",
        "Percentage of outcomes implemented",
    ):
        rows.append(
            {
                **_long(
                    pre,
                    PLATFORMS,
                    ods,
                    "Number of disputes submitted to out-of-court dispute settlement bodies",
                    scope,
                ),
                "Value": None,
                "Contextual Information": "Out-of-court disputes are not recorded by Nigran.",
            }
        )
    susp = "Suspensions imposed on repeated offenders"
    strikes = sum(
        1 for r in facts.restrictions if r.created_at in period and r.action == "suspend_account"
    )
    for indicator, value, note in (
        ("Number of suspensions enacted for the provision of manifestly illegal content ", strikes,
         "Account suspensions added in the period (strikes after a warning, Art. 23(1))."),
        ("Number of suspensions enacted for the provision of manifestly unfounded notices", None,
         "Suspending notifiers (Art. 23(2)) is not recorded by Nigran."),
        ("Number of suspensions enacted for the provision of manifestly unfounded complaints", None,
         "Suspending complainants (Art. 23(2)) is not recorded by Nigran."),
    ):  # fmt: skip
        rows.append(
            {
                **_long(pre, PLATFORMS, susp, indicator, "Total number"),
                "Value": value,
                "Contextual Information": note,
            }
        )
    return "appeals_and_recidivism", P7, rows


# -- Part 8: automated means -----------------------------------------------------------------------

AUTO = "Use of automated means for content moderation"
SOLELY = "Number of measures solely taken by automated means "
NOT_SOLELY = "Number of measures not taken by automated means"
ACCURACY = (
    "Accuracy of the automated means - Accuracy",
    "Accuracy of the automated means - Precision",
    "Accuracy of the automated means - Recall",
)
NO_ACCURACY = (
    "Not computed from the record: see the detection benchmarks (docs/detection.md) for "
    "measured precision and recall."
)


def part_8(
    facts: Facts, period: Period, prefix: Callable[[], Row]
) -> tuple[str, list[str], list[Row]]:
    pre = prefix()
    rows: list[Row] = []
    mine = [r for r in facts.restrictions if r.created_at in period]

    def block(applicability: str, scope: str, rs: Sequence[RestrictionFact] | None) -> None:
        for indicator in (SOLELY, NOT_SOLELY):
            r = _long(pre, applicability, AUTO, indicator, scope)
            if rs is None:
                r["Value"] = None
                r["Contextual Information"] = "Not recorded by Nigran."
            else:
                auto = sum(1 for x in rs if x.detection == AUTOMATED)
                r["Value"] = auto if indicator == SOLELY else len(rs) - auto
            rows.append(r)
        for indicator in ACCURACY:
            rows.append(
                {
                    **_long(pre, applicability, AUTO, indicator, scope),
                    "Value": None,
                    "Contextual Information": NO_ACCURACY,
                }
            )

    block(ALL, "Total number", mine)
    block(ALL, "Own-initiative ", [r for r in mine if r.own_initiative])
    for applicability, scope in ((HOSTING, "NAM Total"), (PLATFORMS, "NAM Trusted Flagger")):
        for indicator in (
            "Number of notices solely processed by automated means ",
            "Number of notices not processed by automated means",
            *ACCURACY,
        ):
            rows.append(
                {
                    **_long(pre, applicability, AUTO, indicator, scope),
                    "Value": None,
                    "Contextual Information": "How a notice was processed is not recorded "
                    "per notice."
                    if "notices" in indicator
                    else NO_ACCURACY,
                }
            )
    for lang in EU_LANGUAGES:
        by_lang = [r for r in mine if (r.language or "").split("-")[0] == lang]
        for indicator in (SOLELY, NOT_SOLELY):
            auto = sum(1 for x in by_lang if x.detection == AUTOMATED)
            rows.append(
                {
                    **_long(pre, VLOPS, AUTO, indicator, lang),
                    "Value": auto if indicator == SOLELY else len(by_lang) - auto,
                }
            )
    return "automated_means", P7, rows


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


def ledgered_parts(
    facts: Facts, period: Period, packs: PackSet, service: str
) -> list[tuple[str, list[str], list[Row]]]:
    """Parts 3 to 8, each a pure function of the facts (recomputable from the chain)."""

    def prefix() -> Row:
        return {"Service": service, "Reporting period": reporting_period(period)}

    return [
        part_3(facts, period, packs, prefix),
        part_4(facts, period, packs, prefix),
        *part_5_6(facts, period, packs, prefix),
        part_7(facts, period, prefix),
        part_8(facts, period, prefix),
    ]


__all__ = [
    "CATEGORY_TREE",
    "EU_LANGUAGES",
    "TEMPLATE_SOURCE",
    "classify",
    "file_stem",
    "ledgered_parts",
    "part_1",
    "part_2",
    "part_9",
    "part_10",
    "part_11",
    "part_name",
    "reporting_period",
]
