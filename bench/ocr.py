"""Urdu OCR: character error rate per engine configuration and font, on rendered sentences.

Renders ordinary Urdu sentences (written for this benchmark; no slurs) in Nastaliq (the vendored
Noto Nastaliq Urdu) and Naskh (Noto Naskh Arabic, Amiri), at two sizes, dark on light and as a
light caption on a dark or photo-like background, clean and after video-frame compression
(reduced to 60 % and JPEG at quality 35), and reads each with several tesseract
configurations. Prints the CER (edit distance / reference length, whitespace folded) per engine
and font, beside the baseline (the configuration before issue 22: ``urd+eng``, page mode 6, no
word filter), and how many images gave no text at all.

Usage: .venv/bin/python -m bench.ocr [--sentences 12] [--engines baseline,urd,...]
One tesseract thread per read; a full run is about 600 reads (some minutes on one core).

``--lexicon``: what the lexicon finds in what OCR reads, exactly (as typed text is matched) and
approximately (:mod:`nigran.detect.text.fuzzy`, OCR text only): threats of the Urdu bank said in
a sentence, and benign sentences (the ones above and near misses that end like threats, "I will
tell you", "I will drop you home"), rendered in every font, size and condition as above; prints
the share of threat renderings that give the threat signal and the count of benign renderings
that give any signal, and the same for the benign sentences' own text (a perfect reading).
"""

from __future__ import annotations

import argparse
import io
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageFilter

from nigran.detect.media.ocr import OcrEngine, OcrText
from nigran.detect.media.samples import synthetic_image, synthetic_texture, text_image

SENTENCES = [
    "آج موسم بہت اچھا ہے",
    "میں کل بازار جاؤں گا",
    "یہ کتاب میرے دوست نے لکھی ہے",
    "ہمارے گاؤں میں ایک پرانا درخت ہے",
    "بچے اسکول سے گھر واپس آ گئے",
    "براہ کرم اپنا نام اور پتہ لکھیں",
    "شام کو ہم سب نے مل کر کھانا کھایا",
    "لاہور پاکستان کا ایک بڑا شہر ہے",
    "اس ویڈیو کو بہت لوگوں نے پسند کیا",
    "بارش کے بعد سڑکیں گیلی ہو گئیں",
    "میری امی چائے بہت شوق سے پیتی ہیں",
    "کل صبح دس بجے میٹنگ ہوگی",
    "ریل گاڑی وقت پر اسٹیشن پہنچ گئی",
    "ہم نے چھٹیوں میں پہاڑوں کی سیر کی",
]

NEAR_MISSES = [
    # Benign sentences that end as the bank's threats do ("... دوں گا", I will ...).
    "میں تمہیں کل سب کچھ بتا دوں گا",
    "میں تمہیں گاڑی میں گھر چھوڑ دوں گا",
    "میں تمہیں کتاب واپس کر دوں گا",
    "میں شام تک سارا کام ختم کر دوں گا",
    "میں تمہارا فون ٹھیک کر دوں گا",
    "بچوں کے لیے کھانا بنا دوں گا",
    "میں دروازہ بند کر دوں گا",
    "میں یہ خط کل بھیج دوں گا",
    "میں تمہیں جان سے زیادہ چاہتا ہوں",
    "ہم مل کر گھر کی چھت ٹھیک کر دیں گے",
]

THREAT_SENTENCE = "اگر تم نے پھر ایسا کیا تو {}"
"""A threat of the bank said in a sentence: "if you do that again, then ..."."""

FONTS = {
    "nastaliq": Path(__file__).resolve().parents[1]
    / "nigran/console/static/NotoNastaliqUrdu-Regular.ttf",
    "naskh-noto": Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"),
    "naskh-amiri": Path("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf"),
}

# Each read may take 2 minutes: the time limit is for production, and a benchmark under load must
# not count a timed-out texture as "no noise".
T = 120.0

ENGINES: dict[str, Callable[[], OcrEngine]] = {
    # The configuration before issue 22: urd+eng in one pass, pictures enlarged to 400 px high,
    # no filter at all.
    "baseline": lambda: OcrEngine(
        ("urd", "eng"), combined=True, min_confidence=0, min_word_share=0, min_height=400, timeout=T
    ),
    "urd+eng/400": lambda: OcrEngine(("urd", "eng"), combined=True, min_height=400, timeout=T),
    "urd+eng": lambda: OcrEngine(("urd", "eng"), combined=True, timeout=T),
    "urd>eng": lambda: OcrEngine(("urd", "eng"), timeout=T),  # the product's default
    "urd-psm7": lambda: OcrEngine(("urd",), psm=7, timeout=T),
    "Arabic": lambda: OcrEngine(("Arabic",), timeout=T),
    "urd+Arabic": lambda: OcrEngine(("urd", "Arabic"), combined=True, timeout=T),
}


def _edits(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def cer(read: str, truth: str) -> float:
    a, b = " ".join(read.split()), " ".join(truth.split())
    return _edits(a, b) / max(1, len(b))


def _video_frame(image: Image.Image) -> Image.Image:
    """What a caption looks like in a frame of a compressed upload: reduced to 60 % (a 1080p
    caption in a 640 px frame) and saved as a low-quality JPEG."""
    small = image.resize(
        (round(image.width * 0.6), round(image.height * 0.6)), Image.Resampling.BILINEAR
    )
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=35)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def renders(n: int, sentences: list[str] | None = None) -> list[tuple[str, str, str, Image.Image]]:
    """``(font, condition, sentence, image)`` for each rendering."""
    photo = synthetic_image(3, (900, 160)).filter(ImageFilter.GaussianBlur(3))
    out = []
    for font, path in FONTS.items():
        if not path.exists():
            continue
        for k, sentence in enumerate((sentences or SENTENCES)[:n]):
            size = (40, 28)[k % 2]
            plain = text_image([sentence], path, size=size, width=900, rtl=True)
            caption = text_image(
                [sentence], path, size=size, width=900, rtl=True,
                background=(20, 20, 20), colour=(255, 255, 255),
            )  # fmt: skip
            on_photo = photo.resize(caption.size).point(lambda v: v // 3)
            on_photo.paste(
                caption, mask=caption.convert("L").point(lambda v: 255 if v > 128 else 0)
            )
            out += [
                (font, "plain", sentence, plain),
                (font, "caption", sentence, caption),
                (font, "video", sentence, _video_frame(on_photo)),
            ]
    return out


def lexicon_on_reads(engine_name: str) -> None:
    """Threat signals and false signals from the lexicon on what OCR reads (``--lexicon``)."""
    from nigran.detect.text.lexicon import LexiconDetector
    from nigran.model import Content, TextField

    lexicon = LexiconDetector.from_default_banks()
    threats = sorted(
        {t.term for t in lexicon.terms if t.category == "threat" and t.language == "ur"}
    )
    threat_sentences = [THREAT_SENTENCE.format(t) for t in threats]
    benign = SENTENCES + NEAR_MISSES
    engine = ENGINES[engine_name]()

    def categories(text: str, approximate: bool) -> set[str]:
        if not text.strip():
            return set()
        item = Content(id="b", kind="image", author="b", texts={TextField.ON_SCREEN: text})
        found = (lexicon.detect_read if approximate else lexicon.detect)([item])[0]
        return {s.category for s in found}

    print(
        f"Lexicon on OCR ({engine_name}): {len(threat_sentences)} threat sentences (every Urdu"
        f" threat of the bank), {len(benign)} benign ({len(NEAR_MISSES)} near misses), each"
        " rendered in every font, 2 sizes, 3 conditions\n"
    )
    typed = sum(bool(categories(s, True)) for s in benign)
    print(f"benign sentences' own text (a perfect reading) with any approximate signal: {typed}")
    print(f"{'font':<12} {'threat exact':>13} {'threat approx':>14} {'benign: any signal':>19}")
    by_font: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for kind, sentences in (("threat", threat_sentences), ("benign", benign)):
        for font, _condition, _sentence, image in renders(len(sentences), sentences):
            read = engine.read_text(image)
            text = f"{read.text}\n{read.also}" if read.also else read.text  # as OcrDetector
            row = by_font[font]
            if kind == "threat":
                row[0] += 1
                row[1] += "threat" in categories(text, False)
                row[2] += "threat" in categories(text, True)
            else:
                row[3] += 1
                row[4] += bool(categories(text, True))
    for font, (n, exact, approx, m, false) in by_font.items():
        print(
            f"{font:<12} {exact:>6}/{n:<3} {exact / n:4.2f} {approx:>6}/{n:<3} {approx / n:4.2f}"
            f" {false:>10}/{m:<3}"
        )
    textless = [synthetic_texture(k, (480, 360)) for k in range(10, 30)] + [
        synthetic_image(k, (640, 480)) for k in range(10, 30)
    ]
    read_as_text = signals = 0
    for picture in textless:
        read = engine.read_text(picture)
        text = f"{read.text}\n{read.also}" if read.also else read.text
        read_as_text += bool(text)
        signals += bool(categories(text, True))
    print(
        f"\n{len(textless)} textless pictures (20 textures, 20 photos): read as text"
        f" {read_as_text}, any lexicon signal {signals}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--engines", default="baseline,urd>eng,urd-psm7,Arabic,urd+Arabic")
    parser.add_argument("--lexicon", action="store_true", help="lexicon findings on OCR text")
    args = parser.parse_args()
    if args.lexicon:
        lexicon_on_reads("urd>eng")
        return
    images = renders(args.sentences)
    textless = [synthetic_texture(k, (480, 360)) for k in (1, 2)] + [
        synthetic_image(k, (640, 480)) for k in (3, 4)
    ]
    print(
        f"{len(images)} renderings of {args.sentences} sentences (sizes 40 and 28 px; plain: dark"
        " on light; caption: light on dark; video: caption on a photo, reduced, JPEG q35);"
        f" CER = edits / characters; noise: textless pictures (2 textures, 2 photos) read as"
        " text\n"
    )
    header = f"{'engine':<12} {'font':<12} {'CER':>6} {'empty':>6} {'s/read':>7} {'noise':>5}"
    print(header + "   by condition")
    for name in args.engines.split(","):
        engine = ENGINES[name]()
        scores: dict[str, list[float]] = defaultdict(list)
        by_condition: dict[tuple[str, str], list[float]] = defaultdict(list)
        empty: dict[str, int] = defaultdict(int)
        start = time.perf_counter()
        for font, condition, sentence, image in images:
            found: OcrText = engine.read_text(image)
            score = min(1.0, cer(found.text, sentence))
            scores[font].append(score)
            by_condition[(font, condition)].append(score)
            empty[font] += not found.text
        seconds = (time.perf_counter() - start) / max(1, len(images))
        noise = sum(bool(engine.read_text(p).text) for p in textless)
        for font, values in scores.items():
            conditions = "  ".join(
                f"{c}: {sum(v) / len(v):.3f}" for (f, c), v in by_condition.items() if f == font
            )
            print(
                f"{name:<12} {font:<12} {sum(values) / len(values):6.3f} "
                f"{empty[font]:>3}/{len(values):<2} {seconds:7.2f} {noise:>3}/{len(textless)}"
                f"   {conditions}"
            )


if __name__ == "__main__":
    main()
