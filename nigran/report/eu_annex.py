"""Parts 3 to 8 of the Commission Implementing Regulation (EU) 2024/2835 Annex I templates, laid
out as the Commission's own CSV files (the vocabulary and the source: :mod:`.eu_template`), each
a pure function of the facts, so the ledger recomputation covers them.

Each table here is one Part: its file stem is the Part's
(``eu_annex_i_part_3_member_states_orders``), its columns are the template's header cells,
character for character (trailing spaces included), and its rows are the template's rows in the
template's order (every category and keyword, zeros where nothing happened).

What Nigran leaves empty, and says so in the row's "Contextual information" column: orders to
provide information (Art. 10: Nigran records orders to act only), out-of-court disputes,
suspensions of notifiers and complainants, how each notice was processed, and the accuracy of
automated means (measured by the detection benchmarks, not by the record). Times are in hours,
as the contextual information says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nigran.legal.dsa_tdb import official
from nigran.policy.packs import PackSet
from nigran.report.eu_template import (
    ALL,
    CATEGORY_TREE,
    DESCRIPTION,
    EU_LANGUAGES,
    HOSTING,
    HOURS,
    NOT_SPECIFIED_NOTICE,
    NOT_SPECIFIED_ORDER,
    OTHER,
    PLATFORMS,
    TC_BLOCK,
    VLOPS,
    Classified,
    Row,
    classify,
    hours,
    median,
    member_state_order,
    reporting_period,
    tree,
)
from nigran.report.facts import AUTOMATED, AppealFact, Facts, NoticeFact, OrderFact, RestrictionFact
from nigran.report.period import Period


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
        blocks: Iterable[tuple[str, tuple[str, ...]]],
        tail: Sequence[str] = (),
        extra: Row | None = None,
    ) -> list[Row]:
        def row(label: str, other: str, xs: Sequence[Any]) -> Row:
            r = {**self.prefix(), self.key: label, DESCRIPTION: other, **(extra or {})}
            r.update(fill(xs))
            return r

        out = [row("TOTAL", "", [x for _, x in items])]
        for category, keywords in blocks:
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
        P3[8]: median(hours(o.received_at, o.acknowledged_at) for o in os_),
        P3[9]: median(hours(o.received_at, o.acted_at) for o in acted),
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
        P4[9]: median(hours(n.received_at, n.resolved_at) for n in acted),
        P4[10]: median(hours(n.received_at, n.resolved_at) for n in acted_tf),
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
        out.append((name, cols, b.rows(items, _measures_fill, tree(with_tc))))
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
        "Median time": median(hours(a.filed_at, a.decided_at) for a in done),
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
