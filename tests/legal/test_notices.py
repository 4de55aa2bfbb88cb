from __future__ import annotations

from datetime import UTC, datetime

from nigran.legal import notices
from nigran.model import Action, ActionType, Ground, Scope
from nigran.policy.durations import parse_duration

AT = datetime(2026, 11, 20, tzinfo=UTC)


def _facts(**kw: object) -> notices.Facts:
    base: dict[str, object] = {
        "content_id": "v1",
        "action": Action(
            type=ActionType.WITHHOLD,
            scope=Scope.only("PK"),
            ground=Ground(kind="law", code="PK.DECENCY"),
        ),
        "ground_label_en": "law: Decency and morality (PECA s.37(1); RB2021)",
        "ground_label_ur": "قانون: " + notices.GROUND_UR["PK.DECENCY"],
        "facts": "",
        "automated": False,
        "automated_detection": False,
        "appeal_window": parse_duration("P6M"),
        "government_request": True,
    }
    base.update(kw)
    return notices.Facts(**base)  # type: ignore[arg-type]


def test_english_notice_text() -> None:
    text = notices.render("en", _facts())
    assert text.splitlines() == [
        "Your content (v1) has been withheld (not shown to viewers) in Pakistan.",
        "Duration: with no end date.",
        "Ground: law: Decency and morality (PECA s.37(1); RB2021).",
        "This action was taken on an order from a government authority.",
        "The content was not detected by automated means.",
        "The decision was taken by a human reviewer.",
        "Appeal: you can appeal within 6 months of receiving this notice. Your appeal will be "
        "decided by a person who did not take this decision.",
    ]


def test_urdu_notice_text() -> None:
    text = notices.render("ur", _facts())
    assert text.splitlines() == [
        "آپ کا مواد (v1) پاکستان میں روک دیا گیا ہے (ناظرین کو نہیں دکھایا جائے گا)۔",
        "مدت: بغیر کسی اختتامی تاریخ کے۔",
        "بنیاد: قانون: شائستگی اور اخلاقیات (پیکا دفعہ 37)۔",
        "یہ کارروائی ایک سرکاری ادارے کے حکم پر کی گئی ہے۔",
        "اس مواد کی نشاندہی خودکار نظام نے نہیں کی۔",
        "یہ فیصلہ ایک انسانی جائزہ کار نے کیا۔",
        "اپیل: آپ یہ نوٹس ملنے کے 6 ماہ کے اندر اپیل کر سکتے ہیں۔ آپ کی اپیل کا فیصلہ ایک ایسا "
        "انسان کرے گا جس نے یہ فیصلہ نہیں کیا تھا۔",
    ]


def test_automated_global_removal_in_both_languages() -> None:
    f = _facts(
        action=Action(type=ActionType.REMOVE, ground=Ground(kind="policy", code="hate")),
        ground_label_en="our terms of service: Hate speech",
        ground_label_ur="ہماری سروس کی شرائط: نفرت انگیز تقریر",
        automated=True,
        automated_detection=True,
        government_request=False,
    )
    en, ur = notices.render("en", f), notices.render("ur", f)
    assert en.startswith("Your content (v1) has been removed everywhere.")
    assert "The decision was taken by automated means." in en
    assert "order from a government" not in en
    assert ur.startswith("آپ کا مواد (v1) ہر جگہ ہٹا دیا گیا ہے۔")
    assert "یہ فیصلہ خودکار نظام نے کیا۔" in ur and "سرکاری" not in ur


def test_language_from_profile_then_detection() -> None:
    assert notices.choose_language("en", "ur") == "en"
    assert notices.choose_language(None, "ur") == "ur"
    assert notices.choose_language(None, "ps") == "ur"
    assert notices.choose_language(None, "und-Latn") == "en"
    assert notices.choose_language("fr", None) == "en"
