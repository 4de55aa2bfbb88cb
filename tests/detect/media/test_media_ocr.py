"""OCR that reads text and only text: confidence and word-shape filters, large pictures, a time
limit that degrades to "no text", and signals in the language of the text read."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from nigran.detect.media.detectors import OcrDetector
from nigran.detect.media.ocr import OcrEngine, is_word
from nigran.detect.media.samples import synthetic_image, synthetic_texture, text_image
from nigran.model import Content, MediaKind, MediaRef, SignalSource
from nigran.store import Store
from nigran.store.tables import cases
from tests.factories import THREAT_UR, stored_ref

NASKH = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
# Vendored with the console (its Urdu font), so always here.
NASTALIQ = (
    Path(__file__).resolve().parents[3] / "nigran/console/static/NotoNastaliqUrdu-Regular.ttf"
)
THREAT_NASTALIQ = "میں تمہارا گھر جلا دوں گا"  # "I will burn your house down"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or not NASKH.exists() or not DEJAVU.exists(),
    reason="tesseract-ocr / fonts-noto-core / fonts-dejavu-core not installed",
)


def _item(path: Path, **kw: object) -> Content:
    return Content.model_validate(
        {
            "id": "post-1",
            "kind": "image",
            "author": "u1",
            "media": [MediaRef(ref=stored_ref(path), kind=MediaKind.IMAGE).model_dump()],
            **kw,
        }
    )


def test_word_shape() -> None:
    for word in ("meet", "Tonight,", "don't", "آج", "بہت", "اچھا۔", "و", "I"):
        assert is_word(word), word
    for noise in ("|", "=~", "1¥", "a1b", "ی7", "PR\u200f1", "--", "ا", "x"):
        assert not is_word(noise), noise


@pytest.mark.parametrize(
    "picture",
    [synthetic_texture(1, (480, 360)), synthetic_texture(2, (320, 480)), synthetic_image(3)],
    ids=["texture", "tall texture", "photo"],
)
def test_a_textless_picture_gives_no_text_and_no_signal(
    tmp_path: Path, picture: Image.Image
) -> None:
    from nigran.detect.text.lexicon import LexiconDetector

    # Time limits far above need: this test is about what is read, on a machine under any load.
    engine = OcrEngine(timeout=600)
    unfiltered = OcrEngine(min_confidence=0, min_word_share=0, timeout=600)
    picture.save(tmp_path / "p.png")
    read = engine.read_text(picture)
    assert read.text == "" and not read.timed_out
    # What the filters removed was there: tesseract does "read" textures.
    assert unfiltered.read_text(picture).words > 0
    detector = OcrDetector([LexiconDetector.from_default_banks()], engine)
    assert detector.detect([_item(tmp_path / "p.png")]) == [[]]


def test_a_large_picture_is_reduced_and_its_text_read() -> None:
    lines = ["Meet me at the old bridge", "at nine tonight", "and come alone"]
    page = text_image(lines, DEJAVU, size=150, width=4000, padding=200)
    big = Image.new("RGB", (4000, 3000), "white")
    big.paste(page, (0, 800))
    engine = OcrEngine(("eng",), timeout=600)
    assert max(engine.prepare(big).size) == engine.max_side
    read = engine.read_text(big)
    assert not read.timed_out
    assert read.text.split() == " ".join(lines).split()
    assert read.also == ""  # the second, smaller reading is for Arabic-script text only


def test_a_read_that_runs_over_is_no_text_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    picture = text_image(["Meet me at the old bridge"], DEJAVU, size=40)
    engine = OcrEngine(("eng",), timeout=0.001)
    with caplog.at_level(logging.WARNING, logger="nigran.detect.media.ocr"):
        read = engine.read_text(picture)
    assert read.timed_out and read.text == ""
    assert engine.timeouts == 1
    assert "ran over its" in caplog.text


def test_an_item_past_its_ocr_budget_reads_no_further(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from nigran.detect.text.lexicon import LexiconDetector

    text_image([THREAT_UR], NASKH, size=44, rtl=True).save(tmp_path / "t.png")
    detector = OcrDetector(
        [LexiconDetector.from_default_banks()], OcrEngine(("urd",)), item_seconds=0.0
    )
    with caplog.at_level(logging.WARNING, logger="nigran.detect.media.detectors"):
        assert detector.detect([_item(tmp_path / "t.png")]) == [[]]
    assert detector.timeouts == 1 and "budget" in caplog.text


def test_an_urdu_threat_read_off_an_image_goes_to_an_urdu_queue(
    store: Store, tmp_path: Path
) -> None:
    from nigran.runtime.pipeline import Pipeline

    text_image([THREAT_UR], NASKH, size=44, width=900, rtl=True).save(tmp_path / "t.png")
    # The caption is English and the platform says so; the threat is in the picture, in Urdu.
    post = _item(tmp_path / "t.png", texts={"caption": "look at this"}, language_hint="en")
    out = Pipeline(store).run([post]).outcomes[0]
    threat = [s for s in out.signals if s.category == "threat"]
    assert threat and all(s.source is SignalSource.OCR for s in threat)
    assert {s.language for s in threat} == {"ur"}
    assert {s.evidence.details["ocr_language"] for s in threat} == {"ur"}
    assert out.case_id is not None
    with store.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == out.case_id)).one()
    assert (row.category, row.language) == ("threat", "ur")
    assert row.queue.startswith("ur-")


@pytest.mark.parametrize("caption", [False, True], ids=["dark on light", "light on dark"])
def test_a_nastaliq_threat_on_an_image_goes_to_an_urdu_queue(
    store: Store, tmp_path: Path, caption: bool
) -> None:
    from nigran.runtime.pipeline import Pipeline

    colours = {"background": (20, 20, 20), "colour": (255, 255, 255)} if caption else {}
    picture = text_image([THREAT_NASTALIQ], NASTALIQ, size=44, width=900, rtl=True, **colours)
    picture.save(tmp_path / "t.png")
    post = _item(tmp_path / "t.png", texts={"caption": "look at this"}, language_hint="en")
    out = Pipeline(store).run([post]).outcomes[0]
    threat = [s for s in out.signals if s.category == "threat"]
    assert threat and all(s.source is SignalSource.OCR for s in threat)
    # Tesseract reads Nastaliq with its spaces moved and letters lost; the lexicon finds the
    # threat approximately, which is evidence for a reviewer, not for removal.
    (signal,) = [s for s in threat if s.detector == "ocr+lexicon"]
    assert signal.language == "ur" and "جلا" in signal.evidence.details["on_screen_text"]
    assert set(signal.evidence.details["approximate"]) == {"گھر جلا دوں گا"}
    assert 0.5 <= signal.score < 0.9
    assert out.case_id is not None
    with store.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == out.case_id)).one()
    assert (row.category, row.language) == ("threat", "ur")
    assert row.queue.startswith("ur-")


@pytest.mark.parametrize(
    "sentence",
    [
        "میں شام تک سارا کام ختم کر دوں گا",  # ends like a threat ("I will finish all the work")
        "میں تمہیں گاڑی میں گھر چھوڑ دوں گا",  # "I will drop you home"
        "آج بریانی بہت مزے کی بنی ہے",
    ],
)
def test_benign_nastaliq_images_give_no_signal(tmp_path: Path, sentence: str) -> None:
    from nigran.detect.text.lexicon import LexiconDetector

    text_image([sentence], NASTALIQ, size=44, width=900, rtl=True).save(tmp_path / "b.png")
    detector = OcrDetector([LexiconDetector.from_default_banks()], OcrEngine(timeout=600))
    assert detector.detect([_item(tmp_path / "b.png")]) == [[]]
