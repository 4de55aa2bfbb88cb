"""One self-contained HTML report, in English or Urdu, with charts.

Charts are drawn by matplotlib as SVG with text kept as text (``svg.fonttype = none``) and
inlined: the browser, not matplotlib, lays out every label in the embedded Nastaliq font, so Urdu
is shaped and runs right to left (matplotlib itself does not shape Arabic script). The font is
the console's vendored Noto Nastaliq Urdu, embedded as a base64 ``@font-face``; nothing is fetched.
Charts sit in a left-to-right box (their axes read left to right) inside the right-to-left page.
"""

from __future__ import annotations

import base64
import html
import io
from importlib import resources
from typing import Any

from nigran.errors import ConfigError
from nigran.report.build import Report
from nigran.report.figures import Table

FONT_FAMILY = "Noto Nastaliq Urdu"


def _font_bytes() -> bytes:
    # The console's vendored font (a data file, not an import of the console).
    return (
        resources.files("nigran")
        .joinpath("console", "static", "NotoNastaliqUrdu-Regular.ttf")
        .read_bytes()
    )


UR: dict[str, str] = {
    # headings
    "Transparency report": "شفافیت رپورٹ",
    "Period": "مدت",
    "Government requests by country and authority": "ملک اور ادارے کے لحاظ سے سرکاری درخواستیں",
    "Restrictions by language, category, detection method and type": (
        "زبان، زمرے، نشان دہی کے طریقے اور قسم کے لحاظ سے پابندیاں"
    ),
    "Appeals (complaints) and their outcomes": "اپیلیں (شکایات) اور ان کے نتائج",
    "Notices from users and trusted flaggers": "صارفین اور معتبر نشان دہندگان کی اطلاعات",
    "EU Annex I Part 1: identification of the report": (
        "یورپی یونین ضمیمہ اول، حصہ 1: رپورٹ کی شناخت"
    ),
    "EU Annex I Part 2: categories and what they hold": (
        "یورپی یونین ضمیمہ اول، حصہ 2: زمرے اور ان میں شامل مواد"
    ),
    "EU Annex I Part 3: Member States' orders": (
        "یورپی یونین ضمیمہ اول، حصہ 3: رکن ریاستوں کے احکامات"
    ),
    "EU Annex I Part 4: notices (Art. 16)": "یورپی یونین ضمیمہ اول، حصہ 4: اطلاعات (دفعہ 16)",
    "EU Annex I Part 5: own-initiative moderation, illegal content": (
        "یورپی یونین ضمیمہ اول، حصہ 5: اپنی پہل پر نگرانی، غیر قانونی مواد"
    ),
    "EU Annex I Part 6: own-initiative moderation, terms and conditions": (
        "یورپی یونین ضمیمہ اول، حصہ 6: اپنی پہل پر نگرانی، شرائط و ضوابط"
    ),
    "EU Annex I Part 7: complaints, disputes and suspensions": (
        "یورپی یونین ضمیمہ اول، حصہ 7: شکایات، تنازعات اور معطلیاں"
    ),
    "EU Annex I Part 8: use of automated means": (
        "یورپی یونین ضمیمہ اول، حصہ 8: خودکار ذرائع کا استعمال"
    ),
    "EU Annex I Part 9: human resources dedicated to content moderation": (
        "یورپی یونین ضمیمہ اول، حصہ 9: مواد کی نگرانی کے لیے انسانی وسائل"
    ),
    (
        "Rows and columns with nothing to report are left out here; the CSV file holds every "
        "row of the template."
    ): (
        "جن قطاروں اور کالموں میں کچھ درج نہیں وہ یہاں چھوڑ دیے گئے ہیں؛"
        " CSV فائل میں سانچے کی ہر قطار موجود ہے"
    ),
    "India: monthly compliance report (IN.MONTHLY_COMPLIANCE)": (
        "بھارت: ماہانہ تعمیل رپورٹ (IN.MONTHLY_COMPLIANCE)"
    ),
    "Pakistan: order log summary (PK.ORDER_LOG)": "پاکستان: احکامات کا خلاصہ (PK.ORDER_LOG)",
    "Human review capacity by language": "زبان کے لحاظ سے انسانی جائزے کی صلاحیت",
    "PK: order records (PK record_keeping)": "پاکستان: احکامات کا ریکارڈ",
    "IN: order records (IN record_keeping)": "بھارت: احکامات کا ریکارڈ",
    "Charts": "چارٹ",
    "Ledger check": "لیجر کی جانچ",
    "Orders received and actioned": "موصول اور نافذ کیے گئے احکامات",
    "Share acted on within the legal deadline": "قانونی مدت کے اندر کارروائی کا تناسب",
    "Restrictions by detection method": "نشان دہی کے طریقے کے لحاظ سے پابندیاں",
    "Reviewers by language": "زبان کے لحاظ سے جائزہ کار",
    "received": "موصول",
    "actioned": "نافذ",
    "share within deadline": "مدت کے اندر",
    "automated": "خودکار",
    "hybrid": "مشترکہ",
    "human": "انسانی",
    "reviewers": "جائزہ کار",
    "restrictions": "پابندیاں",
    "agree": "لیجر سے دوبارہ حساب کیے گئے تمام اعداد محفوظ ریکارڈ سے مطابقت رکھتے ہیں",
    "differ": "لیجر اور محفوظ ریکارڈ میں فرق ہے",
    "from the store only": "صرف محفوظ ریکارڈ سے (لیجر میں درج نہیں)",
    "Layout": "ترتیب",
    "ledger entries": "لیجر اندراجات",
    # columns
    "country": "ملک",
    "authority": "ادارہ",
    "items_named": "نامزد اشیاء",
    "withheld_locally": "مقامی طور پر روکا گیا",
    "removed_globally": "عالمی سطح پر ہٹایا گیا",
    "refused_or_no_action": "مسترد / کوئی کارروائی نہیں",
    "partially_actioned": "جزوی کارروائی",
    "open": "زیر التوا",
    "items_actioned": "نافذ اشیاء",
    "share_actioned": "کارروائی کا تناسب",
    "no_action_reasons": "کارروائی نہ کرنے کی وجوہات",
    "acknowledged": "وصولی کی تصدیق",
    "median_hours_to_acknowledge": "تصدیق تک وسطی گھنٹے",
    "p90_hours_to_acknowledge": "تصدیق تک 90واں فیصدی (گھنٹے)",
    "median_hours_to_act": "کارروائی تک وسطی گھنٹے",
    "p90_hours_to_act": "کارروائی تک 90واں فیصدی (گھنٹے)",
    "decided_with_deadline": "مدت والے فیصلے",
    "within_deadline": "مدت کے اندر",
    "share_within_deadline": "مدت کے اندر تناسب",
    "breaches": "خلاف ورزیاں",
    "escalated": "بڑھائے گئے",
    "language": "زبان",
    "ground_kind": "بنیاد کی قسم",
    "category": "زمرہ",
    "detection": "نشان دہی",
    "basis": "بنیاد",
    "restriction_type": "پابندی کی قسم",
    "scope": "دائرہ",
    "restriction_source": "پابندی کا ماخذ",
    "filed": "دائر",
    "decided": "فیصلہ شدہ",
    "upheld": "برقرار",
    "reversed": "منسوخ",
    "share_reversed": "منسوخی کا تناسب",
    "median_hours_to_decide": "فیصلے تک وسطی گھنٹے",
    "decided_within_clock": "مدت کے اندر فیصلے",
    "source": "ماخذ",
    "founded": "درست",
    "unfounded": "بے بنیاد",
    "median_hours_to_resolve": "حل تک وسطی گھنٹے",
    "legal_reviewers": "قانونی جائزہ کار",
    "decisions": "فیصلے",
    "eu_official": "یورپی یونین کی سرکاری زبان",
    "active_reviewers": "اس مدت میں فیصلہ کرنے والے",
    "decisions_per_active_reviewer": "فی فعال جائزہ کار فیصلے",
    "month": "مہینہ",
    "field": "خانہ",
    "breakdown": "تفصیل",
    "value": "قدر",
}


def _t(text: str, lang: str) -> str:
    return UR.get(text, text) if lang == "ur" else text


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    # Drop the XML prologue and doctype: the SVG is inlined in HTML.
    return svg[svg.index("<svg") :]


def _bar(
    labels: list[str],
    series: list[tuple[str, list[float]]],
    title: str,
    *,
    lang: str,
    percent: bool = False,
) -> str:
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "the HTML report draws its charts with matplotlib: pip install 'nigran[report]'"
        ) from exc

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = resources.files("nigran").joinpath("console", "static", "NotoNastaliqUrdu-Regular.ttf")
    with resources.as_file(font) as path:
        font_manager.fontManager.addfont(str(path))
    with plt.rc_context(
        {
            "svg.fonttype": "none",
            "font.family": [FONT_FAMILY, "DejaVu Sans"] if lang == "ur" else ["DejaVu Sans"],
            "font.size": 11,
            "svg.hashsalt": "nigran",
        }
    ):
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(3, len(labels))))
        n = max(1, len(series))
        h = 0.8 / n
        for i, (name, values) in enumerate(series):
            ys = [j + i * h for j in range(len(labels))]
            ax.barh(ys, values, height=h, label=name)
            for y, v in zip(ys, values, strict=True):
                ax.text(v, y, f" {v:.0%}" if percent else f" {v:g}", va="center", fontsize=9)
        ax.set_yticks([j + (n - 1) * h / 2 for j in range(len(labels))], labels)
        ax.invert_yaxis()
        ax.set_title(title)
        top = max((v for _, vs in series for v in vs), default=0)
        ax.set_xlim(0, 1.15 if percent else max(1.0, top * 1.15))
        if n > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        out = _svg(fig)
        plt.close(fig)
    return out


def charts(report: Report, lang: str) -> list[str]:
    out = []
    gov = [r for r in report.table("government_requests").rows if r["country"] != "all"]
    if gov:
        labels = [f"{r['country']} {r['authority']}" for r in gov]
        out.append(
            _bar(
                labels,
                [
                    (_t("received", lang), [r["received"] for r in gov]),
                    (_t("actioned", lang), [r["actioned"] for r in gov]),
                ],
                _t("Orders received and actioned", lang),
                lang=lang,
            )
        )
        out.append(
            _bar(
                labels,
                [
                    (
                        _t("share within deadline", lang),
                        [r["share_within_deadline"] or 0.0 for r in gov],
                    )
                ],
                _t("Share acted on within the legal deadline", lang),
                lang=lang,
                percent=True,
            )
        )
    by: dict[str, int] = {}
    for r in report.table("moderation").rows:
        by[r["detection"]] = by.get(r["detection"], 0) + r["restrictions"]
    if by:
        keys = [k for k in ("automated", "hybrid", "human") if k in by]
        out.append(
            _bar(
                [_t(k, lang) for k in keys],
                [(_t("restrictions", lang), [by[k] for k in keys])],
                _t("Restrictions by detection method", lang),
                lang=lang,
            )
        )
    cap = report.table("review_capacity").rows
    if cap:
        out.append(
            _bar(
                [r["language"] for r in cap],
                [(_t("reviewers", lang), [r["reviewers"] for r in cap])],
                _t("Reviewers by language", lang),
                lang=lang,
            )
        )
    return out


COMPACT_NOTE = (
    "Rows and columns with nothing to report are left out here; the CSV file holds every row of "
    "the template."
)
EU_LABELS = {
    "Applicability",
    "Service",
    "Reporting period",
    "Section",
    "Indicator",
    "Scope",
    "Category of illegal content",
    "Category of incompatibility with the provider's terms and conditions",
}


SHARED = ("Applicability", "Service", "Reporting period", "Section")
"""Template columns that usually hold one value for a whole Part: said once above the table."""


def _compact(t: Table) -> tuple[list[str], list[dict[str, Any]], bool, dict[str, str]]:
    """An EU template shown on a page: its rows with something to report (and its first, the
    total), the columns filled in them, and the columns with one value throughout, said once.
    The CSV keeps every row and column of the template."""
    if not t.name.startswith("eu_annex_i_"):
        return t.columns, t.rows, False, {}

    # Parts 1 and 11 report text in Value; Part 2 what each category holds.
    text_columns = {"Value", "Contextual information"} if "categories" in t.name else {"Value"}

    def reports(r: dict[str, Any]) -> bool:
        return any(
            (isinstance(v, int | float) and not isinstance(v, bool) and v != 0)
            or (c in text_columns and isinstance(v, str) and v != "")
            for c, v in r.items()
            if c not in EU_LABELS
        )

    rows = [r for i, r in enumerate(t.rows) if i == 0 or reports(r)]
    cols = [c for c in t.columns if any(r.get(c) not in (None, "") for r in rows)]
    shared = {
        c: str(rows[0].get(c))
        for c in SHARED
        if c in cols and len({str(r.get(c)) for r in rows}) == 1 and len(rows) > 1
    }
    cols = [c for c in cols if c not in shared]
    return cols, rows, len(rows) < len(t.rows) or len(cols) < len(t.columns), shared


def _table(t: Table, lang: str) -> str:
    e = html.escape
    columns, rows, compacted, shared = _compact(t)
    head = "".join(f"<th>{e(_t(c, lang))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{e('' if r.get(c) is None else str(r.get(c)))}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    notes = [f"<span dir='ltr'>{e(c)}: {e(v)}</span>" for c, v in shared.items()]
    if compacted:
        notes.append(_t(COMPACT_NOTE, lang))
    if not t.ledgered:
        notes.append(_t("from the store only", lang))
    if t.source:
        notes.append(f"{_t('Layout', lang)}: <span dir='ltr'>{e(t.source)}</span>")
    note = f"<p class='note'>{' · '.join(notes)}</p>" if notes else ""
    return (
        f"<section id='{e(t.name)}'><h2>{e(_t(t.title, lang))}</h2>{note}"
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div></section>"
    )


CSS = """
@font-face { font-family: '%(font)s'; src: url(data:font/ttf;base64,%(b64)s) format('truetype'); }
body { font-family: %(body)s; margin: 2rem; color: #1b1b1b; line-height: %(lh)s; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: start; vertical-align: top; }
th { background: #f2f2f2; }
.scroll { overflow-x: auto; } .note { color: #555; font-size: 0.85rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%%; height: auto; }
.ok { color: #1a6b2a; } .bad { color: #a31515; }
@media print { .scroll { overflow: visible; } section { break-inside: avoid; } }
"""


def render(report: Report, lang: str = "en") -> str:
    """The report as one HTML document (``lang``: ``en`` or ``ur``)."""
    if lang not in ("en", "ur"):
        raise ValueError(f"report language is en or ur, not {lang!r}")
    e = html.escape
    b64 = base64.b64encode(_font_bytes()).decode()
    css = CSS % {
        "font": FONT_FAMILY,
        "b64": b64,
        "body": f"'{FONT_FAMILY}', serif" if lang == "ur" else "system-ui, sans-serif",
        "lh": "2.2" if lang == "ur" else "1.4",
    }
    p = report.period
    if report.ledger_checked:
        ok = not report.ledger_mismatches
        check = (
            f"<p class='{'ok' if ok else 'bad'}'>{e(_t('agree' if ok else 'differ', lang))}"
            f" ({report.ledger_entries} {e(_t('ledger entries', lang))})</p>"
        )
        check += "".join(f"<p dir='ltr'>{e(m)}</p>" for m in report.ledger_mismatches)
    else:
        check = ""
    figs = "".join(f"<figure dir='ltr'>{svg}</figure>" for svg in charts(report, lang))
    body = "".join(_table(t, lang) for t in report.tables)
    direction = "rtl" if lang == "ur" else "ltr"
    return (
        f"<!doctype html><html lang='{lang}' dir='{direction}'><head><meta charset='utf-8'>"
        f"<title>{e(_t('Transparency report', lang))} {e(p.label)}</title>"
        f"<style>{css}</style></head><body>"
        f"<h1>{e(_t('Transparency report', lang))} <span dir='ltr'>{e(p.label)}</span></h1>"
        f"<p>{e(_t('Period', lang))}: <span dir='ltr'>{p.start:%Y-%m-%d} – "
        f"{p.end:%Y-%m-%d}</span></p>"
        f"<h2>{e(_t('Ledger check', lang))}</h2>{check}"
        f"<h2>{e(_t('Charts', lang))}</h2>{figs}{body}</body></html>"
    )
