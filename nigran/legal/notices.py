"""Statements of reasons: what the author of restricted content is told, in their language.

Every restrictive decision (automated or human, on an order, a report or the platform's own
terms) gets one notice naming the restriction, where it applies and for how long, the facts, the
ground (law or terms), whether automation was used, and how to appeal (DSA Art. 17; the PK pack
also asks for a government-request flag). Templates exist in English and Urdu; the author's
profile language wins, else the language detected on the content. Where a pack says the law
forbids telling the user (e.g. India's s.69A blocking directions), the notice is *recorded* as
withheld by law, with the citation, and no text is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from nigran import languages, ledger
from nigran.model import Action, ActionType, Decision, Restriction, RestrictionSource
from nigran.policy.durations import Duration
from nigran.policy.packs import PackSet, default_packs
from nigran.policy.taxonomy import taxonomy
from nigran.store.tables import decisions, restrictions
from nigran.store.tables_legal import notices

LANGUAGES = languages.notice_languages()

COUNTRY_UR = {
    "PK": "پاکستان",
    "IN": "بھارت",
    "DE": "جرمنی",
    "AE": "متحدہ عرب امارات",
    "SA": "سعودی عرب",
    "GB": "برطانیہ",
    "US": "امریکہ",
}
COUNTRY_EN = {"PK": "Pakistan", "IN": "India", "DE": "Germany"}

GROUND_UR = {
    "PK.ISLAM": "اسلام کی عظمت (پیکا دفعہ 37)",
    "PK.SECURITY": "پاکستان کی سلامتی (پیکا دفعہ 37)",
    "PK.INTEGRITY_DEFENCE": "پاکستان کی سالمیت یا دفاع (پیکا دفعہ 37)",
    "PK.PUBORD": "امنِ عامہ (پیکا دفعہ 37)",
    "PK.DECENCY": "شائستگی اور اخلاقیات (پیکا دفعہ 37)",
    "PK.CONTEMPT": "توہینِ عدالت (پیکا دفعہ 37)",
    "PK.INCITE": "پیکا کے تحت جرم یا اس پر اکسانا",
    "PK.HATE": "بین المذاہب، فرقہ وارانہ یا نسلی نفرت (پیکا دفعہ 11)",
    "PK.LIVE_PROHIBITED": "ممنوعہ لائیو اسٹریم",
    "PK.FALSE_INFORMATION": "جھوٹی معلومات (پیکا دفعہ 26 الف)",
}
CATEGORY_UR = {
    "hate": "نفرت انگیز تقریر",
    "harassment": "ہراسانی اور بدسلوکی",
    "threat": "تشدد کی دھمکی",
    "violent_extremism": "پرتشدد انتہا پسندی",
    "graphic_violence": "دل دہلا دینے والا تشدد",
    "sexual": "جنسی مواد",
    "nudity": "عریانی",
    "child_safety": "بچوں کا تحفظ",
    "ncii": "رضامندی کے بغیر نجی تصاویر",
    "self_harm": "خودکشی اور خود کو نقصان پہنچانا",
    "dangerous_acts": "خطرناک حرکات اور چیلنج",
    "regulated_goods": "ممنوعہ یا ضابطہ شدہ اشیا",
    "fraud": "دھوکا دہی",
    "misinformation": "غلط معلومات",
    "synthetic_media": "مصنوعی طور پر تیار کردہ مواد",
    "defamation": "ہتکِ عزت",
    "privacy": "نجی معلومات",
    "impersonation": "کسی اور کا روپ دھارنا",
    "intellectual_property": "دانشورانہ املاک",
    "spam": "اسپیم",
    "religious_offence": "مذہبی جذبات مجروح کرنا",
    "state_security": "ریاستی سلامتی",
}
ACTION_EN = {
    ActionType.REMOVE: "removed",
    ActionType.WITHHOLD: "withheld (not shown to viewers)",
    ActionType.AGE_RESTRICT: "restricted to viewers aged {age} or over",
    ActionType.REDUCE_REACH: "shown to fewer people (reduced reach)",
    ActionType.LABEL: "labelled",
    ActionType.SUSPEND_ACCOUNT: "affected by a suspension of your account",
}
ACTION_UR = {
    ActionType.REMOVE: "ہٹا دیا گیا ہے",
    ActionType.WITHHOLD: "روک دیا گیا ہے (ناظرین کو نہیں دکھایا جائے گا)",
    ActionType.AGE_RESTRICT: "صرف {age} سال یا اس سے زیادہ عمر کے ناظرین تک محدود کر دیا گیا ہے",
    ActionType.REDUCE_REACH: "کم لوگوں کو دکھایا جائے گا",
    ActionType.LABEL: "پر لیبل لگا دیا گیا ہے",
    ActionType.SUSPEND_ACCOUNT: "آپ کا اکاؤنٹ معطل ہونے کی وجہ سے متاثر ہوا ہے",
}


def choose_language(profile_language: str | None, content_language: str | None) -> str:
    """The author's profile language if we have a template for it, else by detection."""
    for lang in (profile_language, content_language):
        if not lang:
            continue
        # The table says which language a reader of ``lang`` gets notices in (Urdu for
        # Arabic-script languages of Pakistan and Roman Urdu); a code it does not know, or
        # "undetermined", says nothing: the next clue decides.
        found = languages.find(lang)
        if found is not None and found.notice:
            return found.notice
    return "en"


def _duration_text(d: Duration | None, lang: str) -> str:
    if d is None:
        return "no fixed limit" if lang == "en" else "کوئی مقررہ حد نہیں"
    if d.months or d.years:
        n = d.months + 12 * d.years
        return f"{n} months" if lang == "en" else f"{n} ماہ"
    days = d.fixed.days
    return f"{days} days" if lang == "en" else f"{days} دن"


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a statement of reasons says, independent of language."""

    content_id: str
    action: Action
    ground_label_en: str
    ground_label_ur: str
    facts: str
    automated: bool
    automated_detection: bool
    appeal_window: Duration | None
    government_request: bool
    external_redress: tuple[str, ...] = ()


def _scope_text(action: Action, lang: str) -> str:
    countries = action.scope.countries
    if countries is None:
        return "everywhere" if lang == "en" else "ہر جگہ"
    if lang == "en":
        return "in " + ", ".join(COUNTRY_EN.get(c, c) for c in countries)
    return "، ".join(COUNTRY_UR.get(c, c) for c in countries) + " میں"


def render(lang: str, f: Facts) -> str:
    a = f.action
    age = a.min_age or 18
    until_en = f"until {a.expires_at:%Y-%m-%d}" if a.expires_at else "with no end date"
    until_ur = f"{a.expires_at:%Y-%m-%d} تک" if a.expires_at else "بغیر کسی اختتامی تاریخ کے"
    window = _duration_text(f.appeal_window, lang)
    if lang == "ur":
        lines = [
            f"آپ کا مواد ({f.content_id}) {_scope_text(a, 'ur')} "
            + ACTION_UR[a.type].format(age=age)
            + "۔",
            f"مدت: {until_ur}۔",
            f"بنیاد: {f.ground_label_ur}۔",
            f"حقائق: {f.facts}" if f.facts else "",
            "یہ کارروائی ایک سرکاری ادارے کے حکم پر کی گئی ہے۔" if f.government_request else "",
            "اس مواد کی نشاندہی خودکار نظام نے کی۔"
            if f.automated_detection
            else "اس مواد کی نشاندہی خودکار نظام نے نہیں کی۔",
            "یہ فیصلہ خودکار نظام نے کیا۔"
            if f.automated
            else "یہ فیصلہ ایک انسانی جائزہ کار نے کیا۔",
            f"اپیل: آپ یہ نوٹس ملنے کے {window} کے اندر اپیل کر سکتے ہیں۔ "
            "آپ کی اپیل کا فیصلہ ایک ایسا انسان کرے گا جس نے یہ فیصلہ نہیں کیا تھا۔",
        ]
        if f.external_redress:
            lines.append("دیگر قانونی راستے: " + "؛ ".join(f.external_redress))
    else:
        lines = [
            f"Your content ({f.content_id}) has been "
            + ACTION_EN[a.type].format(age=age)
            + f" {_scope_text(a, 'en')}.",
            f"Duration: {until_en}.",
            f"Ground: {f.ground_label_en}.",
            f"Facts: {f.facts}" if f.facts else "",
            "This action was taken on an order from a government authority."
            if f.government_request
            else "",
            "The content was detected by automated means."
            if f.automated_detection
            else "The content was not detected by automated means.",
            "The decision was taken by automated means."
            if f.automated
            else "The decision was taken by a human reviewer.",
            f"Appeal: you can appeal within {window} of receiving this notice. "
            "Your appeal will be decided by a person who did not take this decision.",
        ]
        if f.external_redress:
            lines.append("Other redress: " + "; ".join(f.external_redress))
    return "\n".join(line for line in lines if line)


def ground_labels(action: Action, packs: PackSet) -> tuple[str, str]:
    code = action.ground.code
    if action.ground.kind == "law":
        g = packs.grounds.get(code)
        en = f"law: {g.label} ({g.legal_basis})" if g else f"law: {code}"
        ur = "قانون: " + GROUND_UR.get(code, g.label if g else code)
        return en, ur
    cat = taxonomy().get(code)
    en = f"our terms of service: {cat.name if cat else code}"
    ur = "ہماری سروس کی شرائط: " + CATEGORY_UR.get(code, cat.name if cat else code)
    return en, ur


def pack_for_action(action: Action, packs: PackSet, upload_country: str | None) -> str | None:
    """Which pack's appeal rules apply: the law's own pack, else the upload country's."""
    if action.ground.kind == "law" and action.ground.code in packs.grounds:
        return packs.grounds[action.ground.code].pack
    if upload_country:
        hits = packs.packs_for_country(upload_country)
        if hits:
            return hits[0].id
    return None


DEFAULT_APPEAL_WINDOW = Duration("P6M", months=6)
"""Where a pack sets no window, the platform's own: six months, the DSA's minimum."""


def appeal_window(packs: PackSet, pack_id: str | None) -> Duration:
    if pack_id is None:
        return DEFAULT_APPEAL_WINDOW
    return packs.pack(pack_id).appeal_window or DEFAULT_APPEAL_WINDOW


def issue(
    conn: Connection,
    *,
    decision: Decision,
    restrictions: Sequence[Restriction],
    recipient: str,
    upload_country: str | None,
    content_language: str | None,
    profile_language: str | None = None,
    source: str = "voluntary",
    automated_detection: bool | None = None,
    government_request: bool = False,
    withheld_by_law: str | None = None,
    order_id: str | None = None,
    facts_by_language: dict[str, str] | None = None,
    packs: PackSet | None = None,
    now: datetime,
) -> list[str]:
    """One statement of reasons per restriction ``decision`` put in place; ``withheld_by_law``
    is the citation when the law forbids telling the author (the notice is recorded, not sent);
    ``facts_by_language`` gives the facts per language (default: the decision's statement)."""
    packs = packs or default_packs()
    lang = choose_language(profile_language, content_language)
    ids = []
    entries: list[tuple[str, str, object]] = []
    for restriction in restrictions:
        action = restriction.action
        pack_id = pack_for_action(action, packs, upload_country)
        en, ur = ground_labels(action, packs)
        facts = Facts(
            content_id=decision.content_id,
            action=action,
            ground_label_en=en,
            ground_label_ur=ur,
            facts=(facts_by_language or {}).get(lang, decision.statement),
            automated=decision.automated,
            automated_detection=decision.automated
            if automated_detection is None
            else automated_detection,
            appeal_window=appeal_window(packs, pack_id),
            government_request=government_request,
            external_redress=tuple(packs.pack(pack_id).appeal.get("external", ()))
            if pack_id
            else (),
        )
        text = "" if withheld_by_law else render(lang, facts)
        nid = uuid.uuid4().hex
        conn.execute(
            insert(notices).values(
                id=nid,
                kind="restriction",
                content_id=decision.content_id,
                decision_id=restriction.decision_id,
                restriction_id=restriction.id,
                recipient=recipient,
                language=lang,
                text=text,
                ground_kind=action.ground.kind,
                ground_code=action.ground.code,
                scope=str(action.scope),
                automated=decision.automated,
                source=source,
                withheld_by_law=withheld_by_law is not None,
                withheld_citation=withheld_by_law,
                order_id=order_id,
                created_at=now,
            )
        )
        entries.append(
            (
                "notice.withheld_by_law" if withheld_by_law else "notice.sent",
                decision.content_id,
                {
                    "notice_id": nid,
                    "decision_id": restriction.decision_id,
                    "restriction_id": restriction.id,
                    "recipient": recipient,
                    "language": lang,
                    "ground": str(action.ground),
                    "scope": str(action.scope),
                    "citation": withheld_by_law,
                    "at": now.isoformat(),
                },
            )
        )
        ids.append(nid)
    ledger.append_many(conn, entries)
    return ids


def message(
    conn: Connection,
    *,
    kind: str,
    recipient: str,
    subject: str,
    texts: dict[str, str],
    language: str,
    content_id: str = "",
    now: datetime,
) -> str:
    """A notice that is not a statement of reasons (appeal outcome, reporter warning...)."""
    lang = language if language in texts else "en"
    nid = uuid.uuid4().hex
    conn.execute(
        insert(notices).values(
            id=nid,
            kind=kind,
            content_id=content_id,
            recipient=recipient,
            language=lang,
            text=texts[lang],
            automated=False,
            source="platform",
            withheld_by_law=False,
            created_at=now,
        )
    )
    ledger.append(
        conn,
        "notice.sent",
        subject,
        {"notice_id": nid, "kind": kind, "recipient": recipient, "language": lang},
    )
    return nid


def issue_pending(
    conn: Connection, *, packs: PackSet | None = None, now: datetime, limit: int = 10_000
) -> list[str]:
    """Statements of reasons for automated restrictions that have none yet (the pipeline's);
    the people's workflows (reviewers, orders, notices, appeals) send their own."""
    from nigran.legal.locate import locate
    from nigran.store.queries import decision_from_row, restriction_from_row

    have = select(notices.c.restriction_id).where(notices.c.restriction_id.is_not(None))
    rows = conn.execute(
        select(restrictions)
        .where(
            restrictions.c.source == RestrictionSource.AUTOMATED.value,
            restrictions.c.lifted_at.is_(None),
            restrictions.c.id.not_in(have),
        )
        .order_by(restrictions.c.decision_id, restrictions.c.id)
        .limit(limit)
    ).all()
    by_decision: dict[int, list[Restriction]] = {}
    for r in rows:
        by_decision.setdefault(int(r.decision_id), []).append(restriction_from_row(r))
    out: list[str] = []
    for did, rs in by_decision.items():
        d = decision_from_row(conn.execute(select(decisions).where(decisions.c.id == did)).one())
        item = locate(conn, d.content_id)
        if item is None:
            continue
        out += issue(
            conn,
            decision=d,
            restrictions=rs,
            recipient=item.author,
            upload_country=item.upload_country,
            content_language=item.language,
            source="voluntary",
            packs=packs,
            now=now,
        )
    return out
