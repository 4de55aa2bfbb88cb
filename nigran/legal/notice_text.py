"""The words of a statement of reasons, in each language notices are written in.

A notice says, in the reader's language and nothing else (DSA Art. 17(3); PK and IN packs ask the
same in substance): the measure, where it applies and for how long; the facts it rests on and
where they came from; whether automated means detected the content or took the decision; the
ground (a provision of law, or a term of service); and every way to challenge it that the
applicable regime gives: for the DSA an internal complaint (Art. 20), an out-of-court dispute
settlement body (Art. 21) and the courts; for Pakistan the platform's appeal or its grievance
officer, PTA's review and the High Court (PECA s.37(4)-(5)) and the Social Media Protection
Tribunals; for India the Grievance Officer and the Grievance Appellate Committee.

Urdu is written as Urdu prose: Urdu letters and digits, Urdu forms of names (PTA is پی ٹی اے,
PECA is پیکا), Latin identifiers isolated (U+2066..U+2069) and every line opened with a
right-to-left mark, so a plain-text channel shows it right to left. Nothing here is an internal
note: what a pack marks as unverified stays in the pack.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from nigran.model import Action, ActionType
from nigran.policy.durations import Duration

NOTICE_LANGUAGES = ("en", "ur", "de", "hi", "fr")

RLM = "\u200f"
LRI, PDI = "\u2066", "\u2069"
_URDU_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

Route = str
"""One way to challenge a decision (see ``ROUTES``)."""


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a statement of reasons says, independent of language."""

    content_id: str
    action: Action
    ground_basis: str | None
    """For a law: the provision (``PECA s.37(1)``); None for a term of service."""
    ground_label_en: str
    """The pack's label of the law, or the term's name (English)."""
    category: str | None
    """The taxonomy category the ground is about (names the harm in every language)."""
    source: str
    """``voluntary`` (automated detection), ``reviewer``, ``user_report``, ``trusted_flagger``,
    ``order`` or ``appeal``."""
    automated: bool
    automated_detection: bool
    appeal_window: Duration | None
    """None: the regime's own route has no window (India's Grievance Officer)."""
    routes: tuple[Route, ...]
    authority: str | None = None
    """The ordering authority's id (``PTA``) or name, for orders."""
    decide_within: Duration | None = None


# -- names ----------------------------------------------------------------------------------------

COUNTRY: dict[str, dict[str, str]] = {
    "en": {"PK": "Pakistan", "IN": "India", "DE": "Germany", "AT": "Austria", "FR": "France",
           "GB": "the United Kingdom", "US": "the United States", "AE": "the United Arab Emirates",
           "SA": "Saudi Arabia", "NL": "the Netherlands", "IT": "Italy", "ES": "Spain"},
    "ur": {"PK": "پاکستان", "IN": "بھارت", "DE": "جرمنی", "AT": "آسٹریا", "FR": "فرانس",
           "GB": "برطانیہ", "US": "امریکہ", "AE": "متحدہ عرب امارات", "SA": "سعودی عرب",
           "NL": "نیدرلینڈز", "IT": "اٹلی", "ES": "اسپین"},
    "de": {"PK": "Pakistan", "IN": "Indien", "DE": "Deutschland", "AT": "Österreich",
           "FR": "Frankreich", "GB": "dem Vereinigten Königreich", "US": "den USA",
           "AE": "den Vereinigten Arabischen Emiraten", "SA": "Saudi-Arabien",
           "NL": "den Niederlanden", "IT": "Italien", "ES": "Spanien"},
    "hi": {"PK": "पाकिस्तान", "IN": "भारत", "DE": "जर्मनी", "AT": "ऑस्ट्रिया", "FR": "फ़्रांस",
           "GB": "ब्रिटेन", "US": "अमेरिका", "AE": "संयुक्त अरब अमीरात", "SA": "सऊदी अरब",
           "NL": "नीदरलैंड", "IT": "इटली", "ES": "स्पेन"},
    "fr": {"PK": "Pakistan", "IN": "Inde", "DE": "Allemagne", "AT": "Autriche", "FR": "France",
           "GB": "Royaume-Uni", "US": "États-Unis", "AE": "Émirats arabes unis",
           "SA": "Arabie saoudite", "NL": "Pays-Bas", "IT": "Italie", "ES": "Espagne"},
}  # fmt: skip

AUTHORITY: dict[str, dict[str, str]] = {
    "PTA": {
        "en": "the Pakistan Telecommunication Authority (PTA)",
        "ur": "پاکستان ٹیلی کمیونیکیشن اتھارٹی (پی ٹی اے)",
        "de": "der pakistanischen Telekommunikationsbehörde (PTA)",  # genitive: "Anordnung der"
        "hi": "पाकिस्तान दूरसंचार प्राधिकरण (पीटीए)",
        "fr": "l'Autorité pakistanaise des télécommunications (PTA)",
    },
    "MEITY": {
        "en": "India's Ministry of Electronics and Information Technology (MeitY)",
        "ur": "بھارت کی وزارتِ الیکٹرانکس و انفارمیشن ٹیکنالوجی",
        "de": "des indischen Ministeriums für Elektronik und Informationstechnologie (MeitY)",
        "hi": "इलेक्ट्रॉनिकी और सूचना प्रौद्योगिकी मंत्रालय",
        "fr": "le ministère indien de l'Électronique et des Technologies de l'information (MeitY)",
    },
}

CATEGORY: dict[str, dict[str, str]] = {
    "ur": {
        "hate": "نفرت انگیز تقریر", "harassment": "ہراسانی اور بدسلوکی",
        "threat": "تشدد کی دھمکی", "violent_extremism": "پرتشدد انتہا پسندی",
        "graphic_violence": "دل دہلا دینے والا تشدد", "sexual": "جنسی مواد", "nudity": "عریانی",
        "child_safety": "بچوں کا تحفظ", "ncii": "رضامندی کے بغیر نجی تصاویر",
        "self_harm": "خودکشی اور خود کو نقصان پہنچانا", "dangerous_acts": "خطرناک حرکات اور چیلنج",
        "regulated_goods": "ممنوعہ یا ضابطہ شدہ اشیا", "fraud": "دھوکا دہی",
        "misinformation": "غلط معلومات", "synthetic_media": "مصنوعی طور پر تیار کردہ مواد",
        "defamation": "ہتکِ عزت", "privacy": "نجی معلومات", "impersonation": "کسی اور کا روپ دھارنا",
        "intellectual_property": "دانشورانہ املاک", "spam": "اسپیم",
        "religious_offence": "مذہبی جذبات مجروح کرنا", "state_security": "ریاستی سلامتی",
    },
    "de": {
        "hate": "Hassrede", "harassment": "Belästigung und Beleidigung",
        "threat": "Gewaltandrohung", "violent_extremism": "gewalttätiger Extremismus",
        "graphic_violence": "drastische Gewaltdarstellung", "sexual": "sexuelle Inhalte",
        "nudity": "Nacktheit", "child_safety": "Schutz von Minderjährigen",
        "ncii": "nicht einvernehmlich geteilte intime Bilder",
        "self_harm": "Suizid und Selbstverletzung", "dangerous_acts": "gefährliche Handlungen",
        "regulated_goods": "regulierte Waren", "fraud": "Betrug",
        "misinformation": "Falschinformation",
        "synthetic_media": "nicht gekennzeichnete synthetische Medien",
        "defamation": "Ehrverletzung", "privacy": "Verletzung der Privatsphäre",
        "impersonation": "Identitätsanmaßung", "intellectual_property": "geistiges Eigentum",
        "spam": "Spam", "religious_offence": "Beschimpfung von Bekenntnissen",
        "state_security": "Staatsgefährdung",
    },
    "fr": {
        "hate": "discours de haine", "harassment": "harcèlement et insultes",
        "threat": "menaces de violence", "violent_extremism": "extrémisme violent",
        "graphic_violence": "violence explicite", "sexual": "contenu sexuel", "nudity": "nudité",
        "child_safety": "protection des mineurs",
        "ncii": "images intimes partagées sans consentement",
        "self_harm": "suicide et automutilation", "dangerous_acts": "actes dangereux",
        "regulated_goods": "produits réglementés", "fraud": "fraude et escroquerie",
        "misinformation": "désinformation", "synthetic_media": "médias synthétiques non signalés",
        "defamation": "diffamation", "privacy": "atteinte à la vie privée",
        "impersonation": "usurpation d'identité",
        "intellectual_property": "propriété intellectuelle",
        "spam": "spam", "religious_offence": "atteinte aux croyances religieuses",
        "state_security": "atteinte à la sûreté de l'État",
    },
    "hi": {
        "hate": "नफ़रत भरी बातें", "harassment": "उत्पीड़न और दुर्व्यवहार", "threat": "हिंसा की धमकी",
        "violent_extremism": "हिंसक उग्रवाद", "graphic_violence": "वीभत्स हिंसा",
        "sexual": "यौन सामग्री", "nudity": "नग्नता", "child_safety": "बच्चों की सुरक्षा",
        "ncii": "बिना सहमति के साझा की गई निजी तस्वीरें", "self_harm": "आत्महत्या और आत्म-क्षति",
        "dangerous_acts": "ख़तरनाक करतब", "regulated_goods": "विनियमित वस्तुएँ",
        "fraud": "धोखाधड़ी", "misinformation": "भ्रामक जानकारी",
        "synthetic_media": "बिना बताए कृत्रिम रूप से बनाई गई सामग्री", "defamation": "मानहानि",
        "privacy": "निजता का उल्लंघन", "impersonation": "किसी और का रूप धारण करना",
        "intellectual_property": "बौद्धिक संपदा", "spam": "स्पैम",
        "religious_offence": "धार्मिक भावनाओं को ठेस", "state_security": "राज्य की सुरक्षा",
    },
}  # fmt: skip

GROUND_UR = {
    "PK.ISLAM": "اسلام کی عظمت (پیکا دفعہ 37(1))",
    "PK.SECURITY": "پاکستان کی سلامتی (پیکا دفعہ 37(1))",
    "PK.INTEGRITY_DEFENCE": "پاکستان کی سالمیت یا دفاع (پیکا دفعہ 37(1))",
    "PK.PUBORD": "امنِ عامہ (پیکا دفعہ 37(1))",
    "PK.DECENCY": "شائستگی اور اخلاقیات (پیکا دفعہ 37(1))",
    "PK.CONTEMPT": "توہینِ عدالت (پیکا دفعہ 37(1))",
    "PK.INCITE": "کسی جرم پر اکسانا (پیکا دفعہ 37(1))",
    "PK.HATE": "بین المذاہب، فرقہ وارانہ یا نسلی نفرت (پیکا دفعہ 11)",
    "PK.LIVE_PROHIBITED": "ممنوعہ لائیو اسٹریم (قواعد 2021)",
    "PK.FALSE_INFORMATION": "جھوٹی معلومات (پیکا دفعہ 26 الف)",
}
"""PK legal grounds as an Urdu reader knows them (PECA is پیکا, section is دفعہ)."""

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "hi": ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर",
           "अक्टूबर", "नवंबर", "दिसंबर"],
    "ur": ["جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر",
           "نومبر", "دسمبر"],
}  # fmt: skip


def date_text(t: datetime, lang: str) -> str:
    month = _MONTHS[lang][t.month - 1]
    return f"{t.day}. {month} {t.year}" if lang == "de" else f"{t.day} {month} {t.year}"


def _isolate(text: str) -> str:
    """A Latin identifier inside right-to-left prose, kept left to right."""
    return f"{LRI}{text}{PDI}"


def country_name(code: str, lang: str) -> str:
    name = COUNTRY[lang].get(code)
    if name is not None:
        return name
    return _isolate(code) if lang == "ur" else code


def authority_name(authority: str | None, lang: str) -> str:
    known = AUTHORITY.get((authority or "").upper())
    if known is not None:
        return known[lang]
    generic = {
        "en": "a public authority",
        "ur": "ایک سرکاری ادارے",
        "de": "einer Behörde",  # genitive
        "hi": "एक सरकारी प्राधिकरण",
        "fr": "une autorité publique",
    }[lang]
    if not authority:
        return generic
    return f"{generic} ({_isolate(authority) if lang == 'ur' else authority})"


def category_name(code: str | None, lang: str, english: str) -> str:
    if code is None:
        return english
    return CATEGORY.get(lang, {}).get(code, english)


def _period(d: Duration, lang: str) -> str:
    if d.months or d.years:
        n = d.months + 12 * d.years
        return {"en": f"{n} months", "ur": f"{n} ماہ", "de": f"{n} Monaten", "hi": f"{n} महीने",
                "fr": f"{n} mois"}[lang]  # fmt: skip
    n = d.fixed.days
    return {"en": f"{n} days", "ur": f"{n} دن", "de": f"{n} Tagen", "hi": f"{n} दिन",
            "fr": f"{n} jours"}[lang]  # fmt: skip


# -- sentences ------------------------------------------------------------------------------------

_MEASURE: dict[str, dict[ActionType, str]] = {
    "en": {
        ActionType.REMOVE: "Your content {id} has been removed {scope}.",
        ActionType.WITHHOLD: "Your content {id} has been withheld {scope}: viewers there cannot "
        "see it.",
        ActionType.AGE_RESTRICT: "Your content {id} can now be seen {scope} only by viewers aged "
        "{age} or over.",
        ActionType.REDUCE_REACH: "Your content {id} is now shown to fewer people {scope}.",
        ActionType.LABEL: "A warning label has been added to your content {id} {scope}.",
        ActionType.SUSPEND_ACCOUNT: "Your account has been suspended {scope}.",
    },
    "ur": {
        ActionType.REMOVE: "آپ کا مواد {id} {scope} ہٹا دیا گیا ہے۔",
        ActionType.WITHHOLD: "آپ کا مواد {id} {scope} روک دیا گیا ہے، یعنی وہاں کے ناظرین اسے "
        "نہیں دیکھ سکیں گے۔",
        ActionType.AGE_RESTRICT: "آپ کا مواد {id} اب {scope} صرف {age} سال یا اس سے زیادہ عمر کے "
        "ناظرین دیکھ سکیں گے۔",
        ActionType.REDUCE_REACH: "آپ کا مواد {id} اب {scope} کم لوگوں کو دکھایا جائے گا۔",
        ActionType.LABEL: "آپ کے مواد {id} پر {scope} ایک انتباہی لیبل لگا دیا گیا ہے۔",
        ActionType.SUSPEND_ACCOUNT: "آپ کا اکاؤنٹ {scope} معطل کر دیا گیا ہے۔",
    },
    "de": {
        ActionType.REMOVE: "Ihr Inhalt {id} wurde {scope} entfernt.",
        ActionType.WITHHOLD: "Ihr Inhalt {id} wurde {scope} gesperrt: Nutzer dort können ihn "
        "nicht sehen.",
        ActionType.AGE_RESTRICT: "Ihr Inhalt {id} ist {scope} nur noch für Personen ab {age} "
        "Jahren sichtbar.",
        ActionType.REDUCE_REACH: "Ihr Inhalt {id} wird {scope} weniger Personen angezeigt.",
        ActionType.LABEL: "Ihr Inhalt {id} wurde {scope} mit einem Warnhinweis versehen.",
        ActionType.SUSPEND_ACCOUNT: "Ihr Konto wurde {scope} gesperrt.",
    },
    "hi": {
        ActionType.REMOVE: "आपकी सामग्री {id} {scope} हटा दी गई है।",
        ActionType.WITHHOLD: "आपकी सामग्री {id} {scope} रोक दी गई है: वहाँ के दर्शक इसे नहीं देख सकेंगे।",
        ActionType.AGE_RESTRICT: "आपकी सामग्री {id} अब {scope} केवल {age} वर्ष या उससे अधिक आयु के "
        "दर्शक देख सकेंगे।",
        ActionType.REDUCE_REACH: "आपकी सामग्री {id} अब {scope} कम लोगों को दिखाई जाएगी।",
        ActionType.LABEL: "आपकी सामग्री {id} पर {scope} एक चेतावनी लेबल लगाया गया है।",
        ActionType.SUSPEND_ACCOUNT: "आपका खाता {scope} निलंबित कर दिया गया है।",
    },
    "fr": {
        ActionType.REMOVE: "Votre contenu {id} a été supprimé {scope}.",
        ActionType.WITHHOLD: "L'accès à votre contenu {id} a été bloqué {scope} ; les "
        "utilisateurs de ce territoire ne peuvent plus le voir.",
        ActionType.AGE_RESTRICT: "Votre contenu {id} n'est plus visible {scope} que par les "
        "personnes de {age} ans ou plus.",
        ActionType.REDUCE_REACH: "Votre contenu {id} est désormais montré à moins de personnes "
        "{scope}.",
        ActionType.LABEL: "Un avertissement a été ajouté à votre contenu {id} {scope}.",
        ActionType.SUSPEND_ACCOUNT: "Votre compte a été suspendu {scope}.",
    },
}

_EVERYWHERE = {"en": "everywhere", "ur": "ہر جگہ", "de": "überall", "hi": "हर जगह",
               "fr": "partout"}  # fmt: skip

_LABELS = {
    "en": ("Duration", "Ground", "Facts", "Automated means", "How to challenge this decision"),
    "ur": ("مدت", "بنیاد", "حقائق", "خودکار ذرائع", "اس فیصلے کے خلاف آپ کیا کر سکتے ہیں"),
    "de": ("Dauer", "Grund", "Sachverhalt", "Automatisierte Mittel",
           "So können Sie diese Entscheidung anfechten"),
    "hi": ("अवधि", "आधार", "तथ्य", "स्वचालित साधन", "इस निर्णय को चुनौती देने के तरीक़े"),
    "fr": ("Durée", "Motif", "Faits", "Moyens automatisés", "Comment contester cette décision"),
}  # fmt: skip

_UNTIL = {"en": "until {d}", "ur": "{d} تک", "de": "bis {d}", "hi": "{d} तक",
          "fr": "jusqu'au {d}"}  # fmt: skip
_NO_END = {"en": "no end date", "ur": "کوئی اختتامی تاریخ نہیں", "de": "unbefristet",
           "hi": "कोई समाप्ति तिथि नहीं", "fr": "sans date de fin"}  # fmt: skip

_LAW = {"en": "the law, {basis}: {label}", "ur": "قانون: {label}", "de": "Gesetz, {basis}: {label}",
        "hi": "क़ानून, {basis}: {label}", "fr": "la loi, {basis} : {label}"}  # fmt: skip
_TERMS = {"en": "our terms of service: {label}", "ur": "ہماری سروس کی شرائط: {label}",
          "de": "unsere Nutzungsbedingungen: {label}", "hi": "हमारी सेवा की शर्तें: {label}",
          "fr": "nos conditions d'utilisation : {label}"}  # fmt: skip

_FACTS: dict[str, dict[str, str]] = {
    "en": {
        "voluntary": "Our automated systems detected this content and assessed it as {cat}.",
        "reviewer": "Our systems flagged this content for review, and a reviewer assessed it as "
        "{cat}.",
        "user_report": "Someone reported this content to us, and a reviewer assessed it as {cat}.",
        "trusted_flagger": "A trusted flagger reported this content, and a reviewer assessed it "
        "as {cat}.",
        "order": "We received an order from {authority} about this content; a legal reviewer "
        "examined it and acted on it.",
        "appeal": "Someone who had reported this content asked us to review our decision not to "
        "act; a reviewer assessed it as {cat}.",
    },
    "ur": {
        "voluntary": "ہمارے خودکار نظام نے اس مواد کی نشاندہی کی اور اسے {cat} کے زمرے میں پایا۔",
        "reviewer": "ہمارے نظام نے یہ مواد جائزے کے لیے بھیجا، اور ایک جائزہ کار نے اسے {cat} کے "
        "زمرے میں پایا۔",
        "user_report": "کسی صارف نے اس مواد کی شکایت کی، اور ایک جائزہ کار نے اسے {cat} کے زمرے "
        "میں پایا۔",
        "trusted_flagger": "ایک معتبر نشاندہی کنندہ نے اس مواد کی شکایت کی، اور ایک جائزہ کار نے "
        "اسے {cat} کے زمرے میں پایا۔",
        "order": "ہمیں اس مواد کے بارے میں {authority} کا حکم موصول ہوا؛ ہمارے قانونی جائزہ کار نے "
        "اس کا جائزہ لے کر اس پر عمل کیا۔",
        "appeal": "اس مواد کی شکایت کرنے والے شخص نے ہمارے کارروائی نہ کرنے کے فیصلے پر نظرِ ثانی "
        "کی درخواست کی؛ ایک جائزہ کار نے اسے {cat} کے زمرے میں پایا۔",
    },
    "de": {
        "voluntary": "Unsere automatisierten Systeme haben diesen Inhalt erkannt und als {cat} "
        "eingestuft.",
        "reviewer": "Unsere Systeme haben diesen Inhalt zur Prüfung vorgelegt; eine Prüferin oder "
        "ein Prüfer hat ihn als {cat} eingestuft.",
        "user_report": "Jemand hat uns diesen Inhalt gemeldet; eine Prüferin oder ein Prüfer hat "
        "ihn als {cat} eingestuft.",
        "trusted_flagger": "Ein vertrauenswürdiger Hinweisgeber hat diesen Inhalt gemeldet; eine "
        "Prüferin oder ein Prüfer hat ihn als {cat} eingestuft.",
        "order": "Wir haben zu diesem Inhalt eine Anordnung {authority} erhalten; unsere "
        "Rechtsabteilung hat sie geprüft und umgesetzt.",
        "appeal": "Eine Person, die diesen Inhalt gemeldet hatte, hat die Überprüfung unserer "
        "Entscheidung verlangt, nichts zu unternehmen; der Inhalt wurde als {cat} eingestuft.",
    },
    "hi": {
        "voluntary": "हमारी स्वचालित प्रणालियों ने इस सामग्री का पता लगाया और इसे {cat} की श्रेणी में पाया।",
        "reviewer": "हमारी प्रणालियों ने यह सामग्री समीक्षा के लिए भेजी, और एक समीक्षक ने इसे {cat} की "
        "श्रेणी में पाया।",
        "user_report": "किसी ने हमें इस सामग्री की शिकायत की, और एक समीक्षक ने इसे {cat} की श्रेणी में पाया।",
        "trusted_flagger": "एक विश्वसनीय फ़्लैगर ने इस सामग्री की शिकायत की, और एक समीक्षक ने इसे "
        "{cat} की श्रेणी में पाया।",
        "order": "हमें इस सामग्री के बारे में {authority} का आदेश मिला; हमारे क़ानूनी समीक्षक ने उसकी "
        "जाँच करके उस पर कार्रवाई की।",
        "appeal": "इस सामग्री की शिकायत करने वाले व्यक्ति ने कार्रवाई न करने के हमारे निर्णय की "
        "समीक्षा माँगी; एक समीक्षक ने इसे {cat} की श्रेणी में पाया।",
    },
    "fr": {
        "voluntary": "Nos systèmes automatisés ont détecté ce contenu et l'ont classé comme {cat}.",
        "reviewer": "Nos systèmes ont soumis ce contenu à un examen ; un modérateur l'a classé "
        "comme {cat}.",
        "user_report": "Quelqu'un nous a signalé ce contenu ; un modérateur l'a classé comme "
        "{cat}.",
        "trusted_flagger": "Un signaleur de confiance a signalé ce contenu ; un modérateur l'a "
        "classé comme {cat}.",
        "order": "Nous avons reçu une injonction de {authority} concernant ce contenu ; notre "
        "service juridique l'a examinée et exécutée.",
        "appeal": "Une personne qui avait signalé ce contenu a demandé le réexamen de notre "
        "décision de ne pas agir ; un modérateur l'a classé comme {cat}.",
    },
}

_ORDER_FLAG = {
    "en": "This action was taken on an order from {authority}.",
    "ur": "یہ کارروائی {authority} کے حکم پر کی گئی ہے۔",
    "de": "Diese Maßnahme beruht auf einer Anordnung {authority}.",
    "hi": "यह कार्रवाई {authority} के आदेश पर की गई है।",
    "fr": "Cette mesure fait suite à une injonction de {authority}.",
}

_AUTOMATED = {
    # (detected, decided) for each language
    "en": ("The content was detected by automated means.",
           "The content was not detected by automated means.",
           "The decision was taken by automated means, without human review.",
           "The decision was taken by a person."),
    "ur": ("اس مواد کی نشاندہی خودکار نظام نے کی۔", "اس مواد کی نشاندہی خودکار نظام نے نہیں کی۔",
           "یہ فیصلہ خودکار نظام نے کسی انسانی جائزے کے بغیر کیا۔", "یہ فیصلہ ایک انسان نے کیا۔"),
    "de": ("Der Inhalt wurde mit automatisierten Mitteln erkannt.",
           "Der Inhalt wurde nicht mit automatisierten Mitteln erkannt.",
           "Die Entscheidung wurde automatisiert getroffen, ohne menschliche Prüfung.",
           "Die Entscheidung hat ein Mensch getroffen."),
    "hi": ("इस सामग्री का पता स्वचालित साधनों से लगाया गया।",
           "इस सामग्री का पता स्वचालित साधनों से नहीं लगाया गया।",
           "यह निर्णय स्वचालित साधनों से, बिना मानवीय समीक्षा के, लिया गया।",
           "यह निर्णय एक व्यक्ति ने लिया।"),
    "fr": ("Le contenu a été détecté par des moyens automatisés.",
           "Le contenu n'a pas été détecté par des moyens automatisés.",
           "La décision a été prise par des moyens automatisés, sans examen humain.",
           "La décision a été prise par une personne."),
}  # fmt: skip

ROUTES: dict[str, dict[str, str]] = {
    "internal": {
        "en": "Appeal to us {within}; a person who did not take this decision will decide.",
        "ur": "ہم سے {within} اپیل کریں؛ اس کا فیصلہ وہ شخص کرے گا جس نے یہ فیصلہ نہیں کیا۔",
        "de": "Legen Sie bei uns {within} Beschwerde ein; darüber entscheidet eine Person, die "
        "diese Entscheidung nicht getroffen hat.",
        "hi": "हमसे {within} अपील करें; इसका निर्णय वह व्यक्ति करेगा जिसने यह निर्णय नहीं लिया।",
        "fr": "Faites appel auprès de nous {within} ; une personne qui n'a pas pris cette décision "
        "tranchera.",
    },
    "internal_dsa": {
        "en": "Complain to us {within} (internal complaint, Art. 20 of the EU Digital Services "
        "Act); a person who did not take this decision will decide.",
        "ur": "ہم سے {within} شکایت کریں (یورپی یونین کے ڈیجیٹل سروسز ایکٹ کی دفعہ 20)؛ "
        "اس کا فیصلہ وہ شخص کرے گا جس نے یہ فیصلہ نہیں کیا۔",
        "de": "Legen Sie bei uns {within} Beschwerde ein (internes Beschwerdemanagement, Art. 20 "
        "Digital Services Act); darüber entscheidet eine Person, die diese Entscheidung nicht "
        "getroffen hat.",
        "hi": "हमसे {within} शिकायत करें (यूरोपीय संघ के डिजिटल सेवा अधिनियम का अनुच्छेद 20); इसका "
        "निर्णय वह व्यक्ति करेगा जिसने यह निर्णय नहीं लिया।",
        "fr": "Déposez une réclamation auprès de nous {within} (système interne de traitement des "
        "réclamations, art. 20 du règlement sur les services numériques) ; une personne qui n'a "
        "pas pris cette décision tranchera.",
    },
    "out_of_court": {
        "en": "Take the dispute to an out-of-court dispute settlement body certified under "
        "Art. 21 of the EU Digital Services Act.",
        "ur": "تنازع کو عدالت سے باہر تصفیے کے کسی ایسے ادارے کے پاس لے جائیں جو "
        "ڈیجیٹل سروسز ایکٹ کی دفعہ 21 کے تحت تصدیق شدہ ہو۔",
        "de": "Wenden Sie sich an eine nach Art. 21 Digital Services Act zertifizierte "
        "außergerichtliche Streitbeilegungsstelle.",
        "hi": "विवाद को डिजिटल सेवा अधिनियम के अनुच्छेद 21 के तहत प्रमाणित किसी अदालत-बाहर विवाद "
        "समाधान निकाय के पास ले जाएँ।",
        "fr": "Saisissez un organe de règlement extrajudiciaire des litiges certifié au titre de "
        "l'art. 21 du règlement sur les services numériques.",
    },
    "courts": {
        "en": "Go to court; you may do so at any time, whatever other route you take.",
        "ur": "عدالت سے رجوع کریں؛ یہ حق کسی بھی وقت حاصل ہے، چاہے آپ کوئی اور راستہ بھی "
        "اختیار کریں۔",
        "de": "Rufen Sie ein Gericht an; das ist jederzeit möglich, unabhängig von den anderen "
        "Wegen.",
        "hi": "अदालत जाएँ; यह आप किसी भी समय कर सकते हैं, चाहे कोई और रास्ता भी अपनाएँ।",
        "fr": "Saisissez la justice ; vous pouvez le faire à tout moment, quelle que soit la voie "
        "choisie par ailleurs.",
    },
    "order_courts": {
        "en": "Challenge the order itself before the authorities or courts of the country that "
        "issued it.",
        "ur": "خود حکم کو اسے جاری کرنے والے ملک کے حکام یا عدالتوں کے سامنے چیلنج کریں۔",
        "de": "Fechten Sie die Anordnung selbst bei den Behörden oder Gerichten des Staates an, "
        "der sie erlassen hat.",
        "hi": "आदेश को ही उसे जारी करने वाले देश के अधिकारियों या अदालतों के सामने चुनौती दें।",
        "fr": "Contestez l'injonction elle-même devant les autorités ou juridictions de l'État "
        "qui l'a émise.",
    },
    "pk_pta_review": {
        "en": "Ask the Pakistan Telecommunication Authority (PTA) to review its order (PECA "
        "s.37(4)), and appeal its decision to the High Court (PECA s.37(5)).",
        "ur": "پاکستان ٹیلی کمیونیکیشن اتھارٹی (پی ٹی اے) سے اس کے حکم پر نظرِ ثانی کی درخواست کریں "
        "(پیکا دفعہ 37(4))، اور اس کے فیصلے کے خلاف ہائی کورٹ میں اپیل کریں (پیکا دفعہ 37(5))۔",
        "de": "Beantragen Sie bei der pakistanischen Telekommunikationsbehörde (PTA) die "
        "Überprüfung ihrer Anordnung (PECA s.37(4)) und legen Sie gegen deren Entscheidung "
        "Rechtsmittel beim High Court ein (PECA s.37(5)).",
        "hi": "पाकिस्तान दूरसंचार प्राधिकरण (पीटीए) से उसके आदेश की समीक्षा माँगें (पेका धारा 37(4)), "
        "और उसके निर्णय के विरुद्ध हाई कोर्ट में अपील करें (पेका धारा 37(5))।",
        "fr": "Demandez à l'Autorité pakistanaise des télécommunications (PTA) de réexaminer son "
        "injonction (PECA art. 37(4)), puis faites appel de sa décision devant la High Court "
        "(PECA art. 37(5)).",
    },
    "pk_tribunal": {
        "en": "Go to a Social Media Protection Tribunal (PECA, as amended in 2025); its decisions "
        "can be appealed to the Supreme Court.",
        "ur": "سوشل میڈیا پروٹیکشن ٹریبونل سے رجوع کریں (پیکا، ترمیم 2025)؛ اس کے فیصلے کے خلاف "
        "سپریم کورٹ میں اپیل ہو سکتی ہے۔",
        "de": "Wenden Sie sich an ein Social Media Protection Tribunal (PECA in der Fassung von "
        "2025); gegen dessen Entscheidungen ist die Berufung zum Supreme Court möglich.",
        "hi": "सोशल मीडिया प्रोटेक्शन ट्रिब्यूनल में जाएँ (पेका, 2025 का संशोधन); उसके निर्णयों के "
        "विरुद्ध सुप्रीम कोर्ट में अपील की जा सकती है।",
        "fr": "Saisissez un Social Media Protection Tribunal (PECA, modifiée en 2025) ; ses "
        "décisions sont susceptibles d'appel devant la Cour suprême.",
    },
    "pk_grievance": {
        "en": "Complain to our grievance officer for Pakistan (Removal and Blocking of Unlawful "
        "Online Content Rules, 2021).",
        "ur": "پاکستان کے لیے ہمارے شکایات افسر سے رجوع کریں (غیر قانونی آن لائن مواد کو ہٹانے اور "
        "بلاک کرنے کے قواعد 2021)۔",
        "de": "Wenden Sie sich an unseren Beschwerdebeauftragten für Pakistan (Removal and "
        "Blocking of Unlawful Online Content Rules, 2021).",
        "hi": "पाकिस्तान के लिए हमारे शिकायत अधिकारी से संपर्क करें (गैरक़ानूनी ऑनलाइन सामग्री हटाने "
        "और रोकने के नियम, 2021)।",
        "fr": "Adressez-vous à notre responsable des réclamations pour le Pakistan (Removal and "
        "Blocking of Unlawful Online Content Rules, 2021).",
    },
    "in_grievance_officer": {
        "en": "Complain to our Grievance Officer (IT Rules 2021, rule 3(2)){decide}.",
        "ur": "ہمارے شکایات افسر سے رجوع کریں (بھارت کے آئی ٹی قواعد 2021، قاعدہ 3(2)){decide}۔",
        "de": "Wenden Sie sich an unseren Grievance Officer (IT Rules 2021, Regel 3(2)){decide}.",
        "hi": "हमारे शिकायत अधिकारी से शिकायत करें (आईटी नियम 2021, नियम 3(2)){decide}।",
        "fr": "Adressez une réclamation à notre Grievance Officer (IT Rules 2021, règle "
        "3(2)){decide}.",
    },
    "in_gac": {
        "en": "Appeal the Grievance Officer's decision to the Grievance Appellate Committee.",
        "ur": "شکایات افسر کے فیصلے کے خلاف شکایات کی اپیلیٹ کمیٹی میں اپیل کریں۔",
        "de": "Gegen die Entscheidung des Grievance Officer können Sie beim Grievance Appellate "
        "Committee Berufung einlegen.",
        "hi": "शिकायत अधिकारी के निर्णय के विरुद्ध शिकायत अपील समिति में अपील करें।",
        "fr": "Faites appel de la décision du Grievance Officer devant le Grievance Appellate "
        "Committee.",
    },
}

_WITHIN = {"en": "within {p} of receiving this notice", "ur": "یہ نوٹس ملنے کے {p} کے اندر",
           "de": "innerhalb von {p} nach Erhalt dieser Mitteilung",
           "hi": "यह सूचना मिलने के {p} के भीतर", "fr": "dans un délai de {p} après réception "
           "de cette notification"}  # fmt: skip
_ANY_TIME = {"en": "at any time", "ur": "کسی بھی وقت", "de": "jederzeit", "hi": "किसी भी समय",
             "fr": "à tout moment"}  # fmt: skip
_DECIDE = {"en": "; they decide within {p}", "ur": "؛ وہ {p} کے اندر فیصلہ کریں گے",
           "de": "; er entscheidet innerhalb von {p}", "hi": "; वे {p} के भीतर निर्णय लेंगे",
           "fr": " ; il statue dans un délai de {p}"}  # fmt: skip


def routes_for(regime: str | None, *, law: bool, order: bool) -> tuple[Route, ...]:
    """The ways to challenge a restriction: by the regime of the pack that applies (``dsa``,
    ``pk``, ``in``, or None for the platform's own appeal only), the kind of ground, and whether
    an authority ordered it."""
    if regime == "dsa":
        first = ("order_courts",) if order else ()
        return (*first, "internal_dsa", "out_of_court", "courts")
    if regime == "pk":
        if order:
            return ("internal", "pk_pta_review", "pk_tribunal")
        if law:
            return ("internal", "pk_grievance", "pk_tribunal")
        return ("internal", "pk_grievance")
    if regime == "in":
        return ("in_grievance_officer", "in_gac")
    return ("internal",)


def _route_text(route: Route, f: Facts, lang: str) -> str:
    within = (
        _WITHIN[lang].format(p=_period(f.appeal_window, lang))
        if f.appeal_window is not None
        else _ANY_TIME[lang]
    )
    decide = (
        _DECIDE[lang].format(p=_period(f.decide_within, lang))
        if f.decide_within is not None
        else ""
    )
    return ROUTES[route][lang].format(within=within, decide=decide)


def _scope(action: Action, lang: str) -> str:
    countries = action.scope.countries
    if countries is None:
        return _EVERYWHERE[lang]
    names = [country_name(c, lang) for c in countries]
    if lang == "ur":
        return "، ".join(names) + " میں"
    if lang == "hi":
        return ", ".join(names) + " में"
    if lang == "de":
        return "in " + ", ".join(names)
    if lang == "fr":
        lead = "dans le pays suivant : " if len(names) == 1 else "dans les pays suivants : "
        return lead + ", ".join(names)
    return "in " + ", ".join(names)


def ground_text(f: Facts, lang: str, ground_code: str) -> str:
    cat = category_name(f.category, lang, f.ground_label_en)
    if f.ground_basis is None:
        return _TERMS[lang].format(label=cat)
    if lang == "ur":
        label = GROUND_UR.get(ground_code) or f"{_isolate(f.ground_basis)} ({cat})"
        return _LAW[lang].format(label=label)
    label = f.ground_label_en if lang == "en" else cat
    return _LAW[lang].format(basis=f.ground_basis, label=label)


def render(lang: str, f: Facts) -> str:
    """The notice, as plain text in ``lang`` (one of :data:`NOTICE_LANGUAGES`)."""
    if lang not in NOTICE_LANGUAGES:
        raise ValueError(f"no notice template for {lang!r}")
    a = f.action
    cid = _isolate(f.content_id) if lang == "ur" else f.content_id
    duration, ground, facts_label, auto_label, redress = _LABELS[lang]
    until = (
        _UNTIL[lang].format(d=date_text(a.expires_at, lang))
        if a.expires_at is not None
        else _NO_END[lang]
    )
    cat = category_name(f.category, lang, f.ground_label_en)
    authority = authority_name(f.authority, lang)
    facts = _FACTS[lang].get(f.source, _FACTS[lang]["reviewer"])
    detected_yes, detected_no, decided_auto, decided_human = _AUTOMATED[lang]
    colon = " : " if lang == "fr" else ": "  # French sets a space before the colon
    stop = {"hi": "।", "ur": "۔"}.get(lang, ".")
    lines = [
        _MEASURE[lang][a.type].format(id=cid, scope=_scope(a, lang), age=a.min_age or 18),
        f"{duration}{colon}{until}{stop}",
        f"{ground}{colon}{ground_text(f, lang, a.ground.code)}{stop}",
        f"{facts_label}{colon}" + facts.format(cat=cat, authority=authority),
    ]
    if f.source == "order":
        lines.append(_ORDER_FLAG[lang].format(authority=authority))
    lines.append(
        f"{auto_label}{colon}"
        + (detected_yes if f.automated_detection else detected_no)
        + " "
        + (decided_auto if f.automated else decided_human)
    )
    lines.append(f"{redress}{colon.rstrip()}")
    lines += [f"- {_route_text(r, f, lang)}" for r in f.routes]
    if lang == "ur":
        lines = [_urdu_line(line) for line in lines]
    return "\n".join(lines)


def _urdu_line(line: str) -> str:
    """Urdu digits outside isolated Latin runs, and a leading right-to-left mark so that a
    plain-text client sets the line right to left."""
    parts = re.split(f"({LRI}.*?{PDI})", line)
    return RLM + "".join(p if p.startswith(LRI) else p.translate(_URDU_DIGITS) for p in parts)


_DIRECTION = {"ur": "rtl"}
_FONT = {"ur": "'Noto Nastaliq Urdu', serif"}


def html_page(items: list[tuple[str, str]], *, font_url: str, title: str = "Notices") -> str:
    """Notices ``(language, text)`` as one HTML page, each in its own direction; Urdu set in
    the vendored Nastaliq font (``font_url`` points at ``NotoNastaliqUrdu-Regular.ttf``)."""
    sections = []
    for lang, text in items:
        body = "".join(f"<p>{html.escape(line.lstrip(RLM))}</p>" for line in text.splitlines())
        sections.append(
            f'<section class="notice" lang="{lang}" dir="{_DIRECTION.get(lang, "ltr")}">'
            f"{body}</section>"
        )
    fonts = ";".join(f"[lang={k}]{{font-family:{v};line-height:2.2}}" for k, v in _FONT.items())
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>@font-face{font-family:'Noto Nastaliq Urdu';"
        f"src:url('{font_url}') format('truetype')}}"
        "body{font-family:sans-serif;max-width:48rem;margin:2rem auto}"
        ".notice{border:1px solid #999;padding:0 1rem;margin:1rem 0}"
        f"{fonts}</style></head><body>{''.join(sections)}</body></html>"
    )
