"""Statements of reasons a person can read and act on: Art. 17(3)'s elements in every notice
language, Urdu written as Urdu, redress by regime and ground, no internal notes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nigran.legal import notice_text, notices
from nigran.model import Action, ActionType, Ground, Scope
from nigran.policy.packs import default_packs
from nigran.store import Store
from nigran.store.tables_legal import notices as notices_table
from tests.legal.test_dsa_official import scenario

AT = datetime(2026, 11, 20, tzinfo=UTC)
LANGS = ("en", "ur", "de", "hi", "fr")


def facts(kind: str) -> notice_text.Facts:
    """One removal, one geo-withholding, one order and one appeal."""
    packs = default_packs()
    if kind == "removal":  # automated, global, on the terms, uploaded in Pakistan
        action = Action(type=ActionType.REMOVE, ground=Ground(kind="policy", code="hate"))
        country, source, auto = "PK", "voluntary", True
    elif kind == "geo":  # a German user's notice, StGB §130, Germany only, for six months
        action = Action(
            type=ActionType.WITHHOLD,
            scope=Scope.only("DE"),
            ground=Ground(kind="law", code="DE.STGB_130"),
            expires_at=AT + timedelta(days=181),
        )
        country, source, auto = "DE", "user_report", False
    elif kind == "order":  # PTA's order under PECA s.37(1), Pakistan only
        action = Action(
            type=ActionType.WITHHOLD,
            scope=Scope.only("PK"),
            ground=Ground(kind="law", code="PK.DECENCY"),
        )
        country, source, auto = "PK", "order", False
    else:  # a notifier's appeal upheld in India: removed everywhere
        action = Action(type=ActionType.REMOVE, ground=Ground(kind="policy", code="harassment"))
        country, source, auto = "IN", "appeal", False
    return notices.facts_for(
        action,
        content_id="v1",
        packs=packs,
        pack_id=notices.pack_for_action(action, packs, country),
        source=source,
        automated=auto,
        automated_detection=auto,
        authority="PTA" if kind == "order" else None,
    )


KINDS = ("removal", "geo", "order", "appeal")
# Art. 17(3): (a) measure, scope, duration; (b) facts; (c) automated means; (d)/(e) ground;
# (f) redress. The labels and the words each notice must carry, per language.
ELEMENTS = {
    "en": ("Duration", "Ground", "Facts", "Automated means", "How to challenge"),
    "ur": ("مدت", "بنیاد", "حقائق", "خودکار ذرائع", "اس فیصلے کے خلاف"),
    "de": ("Dauer", "Grund", "Sachverhalt", "Automatisierte Mittel", "anfechten"),
    "hi": ("अवधि", "आधार", "तथ्य", "स्वचालित साधन", "चुनौती"),
    "fr": ("Durée", "Motif", "Faits", "Moyens automatisés", "contester"),
}
SCOPE = {
    ("removal", "en"): "everywhere", ("removal", "ur"): "ہر جگہ", ("removal", "de"): "überall",
    ("removal", "hi"): "हर जगह", ("removal", "fr"): "partout",
    ("geo", "en"): "Germany", ("geo", "ur"): "جرمنی", ("geo", "de"): "Deutschland",
    ("geo", "hi"): "जर्मनी", ("geo", "fr"): "Allemagne",
    ("order", "en"): "Pakistan", ("order", "ur"): "پاکستان", ("order", "de"): "Pakistan",
    ("order", "hi"): "पाकिस्तान", ("order", "fr"): "Pakistan",
}  # fmt: skip
UNTIL = {"en": "20 May 2027", "ur": "۲۰ مئی ۲۰۲۷", "de": "20. Mai 2027", "hi": "20 मई 2027",
         "fr": "20 mai 2027"}  # fmt: skip
# (c): whether automated means decided, in each language (only the removal was automated).
DECIDED = {"en": ("taken by automated means", "taken by a person"),
           "ur": ("خودکار نظام نے کسی", "ایک انسان"),
           "de": ("automatisiert getroffen", "ein Mensch"),
           "hi": ("स्वचालित साधनों से,", "एक व्यक्ति"),
           "fr": ("par des moyens automatisés, sans", "par une personne")}  # fmt: skip
# The redress each regime gives, as words each language's text must carry.
REDRESS = {
    "geo": {"en": ["Art. 20", "Art. 21", "court"], "ur": ["دفعہ ۲۰", "دفعہ ۲۱", "عدالت"],
            "de": ["Art. 20", "Art. 21", "Gericht"], "hi": ["अनुच्छेद 20", "अनुच्छेद 21", "अदालत"],
            "fr": ["art. 20", "art. 21", "justice"]},
    "order": {"en": ["s.37(4)", "High Court", "Tribunal"],
              "ur": ["پیکا دفعہ ۳۷(۴)", "ہائی کورٹ", "ٹریبونل"],
              "de": ["s.37(4)", "High Court", "Tribunal"],
              "hi": ["धारा 37(4)", "हाई कोर्ट", "ट्रिब्यूनल"],
              "fr": ["37(4)", "High Court", "Tribunal"]},
    "removal": {"en": ["grievance officer"], "ur": ["شکایات افسر"],
                "de": ["Beschwerdebeauftragten"],
                "hi": ["शिकायत अधिकारी"], "fr": ["responsable des réclamations"]},
    "appeal": {"en": ["Grievance Officer", "Grievance Appellate Committee", "7 days"],
               "ur": ["شکایات افسر", "اپیلیٹ کمیٹی", "۷ دن"],
               "de": ["Grievance Officer", "Grievance Appellate Committee", "7 Tagen"],
               "hi": ["शिकायत अधिकारी", "शिकायत अपील समिति", "7 दिन"],
               "fr": ["Grievance Officer", "Grievance Appellate Committee", "7 jours"]},
}  # fmt: skip
GROUND = {
    "removal": {"en": "Hate speech", "ur": "نفرت انگیز تقریر", "de": "Hassrede",
                "hi": "नफ़रत भरी बातें", "fr": "discours de haine"},
    "geo": {"en": "StGB §130", "ur": "StGB §130", "de": "StGB §130", "hi": "StGB §130",
            "fr": "StGB §130"},
    "order": {"en": "PECA s.37(1)", "ur": "پیکا دفعہ ۳۷(۱)", "de": "PECA s.37(1)",
              "hi": "PECA s.37(1)", "fr": "PECA s.37(1)"},
    "appeal": {"en": "Harassment", "ur": "ہراسانی", "de": "Belästigung", "hi": "उत्पीड़न",
               "fr": "harcèlement"},
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_article_17_elements_in_every_language(kind: str, lang: str) -> None:
    text = notices.render(lang, facts(kind))
    for label in ELEMENTS[lang]:
        assert label in text, (kind, lang, label)
    assert "v1" in text  # which content
    if (kind, lang) in SCOPE:
        assert SCOPE[kind, lang] in text.splitlines()[0]
    if kind == "geo":
        assert UNTIL[lang] in text
    assert GROUND[kind][lang] in text
    for words in REDRESS[kind][lang]:
        assert words in text, (kind, lang, words)
    automated, human = DECIDED[lang]
    assert (automated if kind == "removal" else human) in text
    assert (human if kind == "removal" else automated) not in text
    for note in ("unverified", "legacy", "time limit", "NetzDG", "§3b", "placeholder"):
        assert note not in text


@pytest.mark.parametrize("kind", KINDS)
def test_urdu_is_written_as_urdu(kind: str) -> None:
    text = notices.render("ur", facts(kind))
    for line in text.splitlines():
        assert line.startswith(notice_text.RLM)
        # Latin letters and ASCII digits appear only inside isolated runs (ids, foreign laws).
        outside = re.sub(f"{notice_text.LRI}.*?{notice_text.PDI}", "", line)
        assert not re.search(r"[A-Za-z0-9]", outside), line
    assert "PTA" not in text and "PECA" not in text and "DSA" not in text
    if kind == "order":
        assert "پی ٹی اے" in text and "پیکا" in text


def test_urdu_label_sentence_is_grammatical() -> None:
    f = facts("order")
    label = notices.facts_for(
        Action(type=ActionType.LABEL, scope=Scope.only("PK"), ground=f.action.ground),
        content_id="v1",
        packs=default_packs(),
        pack_id="PK",
        source="order",
        automated=False,
        automated_detection=False,
        authority="PTA",
    )
    first = notices.render("ur", label).splitlines()[0]
    assert "میں پر" not in first
    assert first.endswith("پر پاکستان میں ایک انتباہی لیبل لگا دیا گیا ہے۔")


def test_redress_follows_the_ground_in_pakistan() -> None:
    # State redress (PTA, High Court) only where the state acted; terms-of-service removals
    # get the platform's appeal and its grievance officer.
    removal, order = facts("removal"), facts("order")
    assert removal.routes == ("internal", "pk_grievance")
    assert order.routes == ("internal", "pk_pta_review", "pk_tribunal")
    assert facts("geo").routes == ("internal_dsa", "out_of_court", "courts")
    assert facts("appeal").routes == ("in_grievance_officer", "in_gac")


def test_language_from_profile_then_detection() -> None:
    assert notices.choose_language("en", "ur") == "en"
    assert notices.choose_language(None, "ur") == "ur"
    assert notices.choose_language(None, "ps") == "ur"
    assert notices.choose_language("de", "ur") == "de"
    assert notices.choose_language(None, "hi") == "hi"
    assert notices.choose_language("fr", None) == "fr"
    assert notices.choose_language(None, None) == "en"
    packs = default_packs()
    named = {
        lang
        for p in ("EU", "DE", "IN", "PK")
        for lang in packs.pack(p).data["user_notice"]["languages"]
    }
    assert named <= set(notice_text.NOTICE_LANGUAGES) == set(notices.LANGUAGES)


def test_stored_notices_carry_facts_in_their_language(legal_store: Store) -> None:
    scenario(legal_store)
    with legal_store.read() as conn:
        rows = conn.execute(
            select(notices_table.c.language, notices_table.c.text, notices_table.c.order_id)
        ).all()
    pta = [r for r in rows if r.language == "ur" and r.order_id]
    assert pta and all("پی ٹی اے" in r.text for r in pta)
    for r in rows:
        # No notifier's, authority's or reviewer's free text reaches a notice.
        for personal in ("Hans", "hans@example.org", "Erika", "Khan", "Order "):
            assert personal not in r.text
