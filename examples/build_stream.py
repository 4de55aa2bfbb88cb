"""Build ``stream.jsonl`` (and its label sidecar) from the hand-written items in ``items.py``.

Deterministic: ids, authors, countries, times and reach come from a fixed seed, so re-running
gives byte-identical files. Run from the repository root::

    python examples/build_stream.py
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from items import EDITS, ITEMS, Item

HERE = Path(__file__).resolve().parent
SEED = 2026_11_24
START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)

# Authors by the language they mostly post in, with the country their account uploads from.
AUTHORS: dict[str, list[tuple[str, str]]] = {
    "ur": [
        ("rabia_ka_kitchen", "PK"),
        ("lahori.foodie", "PK"),
        ("sukhan_ghar", "PK"),
        ("nani_ki_baatein", "PK"),
        ("ustad_kamran_maths", "PK"),
        ("noor.khattati", "PK"),
        ("karachi_sahil_diaries", "PK"),
        ("mehndi_raat_official", "PK"),
        ("hunza.diaries", "PK"),
        ("awam_ki_awaz_news", "PK"),
        ("shaadi_season_pk", "PK"),
        ("islamabad_runner", "PK"),
        ("multan_wala_halwa", "PK"),
        ("dubai_mein_pakistani", "AE"),
        ("riyadh_driver_diaries", "SA"),
        ("urdu_adab_club", "PK"),
        ("baba_g_plumbing", "PK"),
        ("quetta_chai_adda", "PK"),
    ],
    "ur-Latn": [
        ("ammi_ki_recipes", "PK"),
        ("usman.travels", "PK"),
        ("amna_mdcat_prep", "PK"),
        ("fahad_comedy_gjw", "PK"),
        ("hira_makeup_rwp", "PK"),
        ("kisan_dost", "PK"),
        ("pindi_boy_07", "PK"),
        ("tapeball_champions", "PK"),
        ("bike_rider_sialkot", "PK"),
        ("css_aspirant_ali", "PK"),
        ("jugtain_hi_jugtain", "PK"),
        ("gym_with_shahzaib", "PK"),
        ("faisalabad_fabrics", "PK"),
        ("psl_hype_squad", "PK"),
        ("hockey_dil_se", "PK"),
        ("lawn_sale_wala", "PK"),
        ("umerkot_rang", "PK"),
        ("jeddah_wale_bhai", "SA"),
    ],
    "en": [
        ("zainab.writes", "GB"),
        ("cricket_stats_pk", "PK"),
        ("desi_mum_in_london", "GB"),
        ("bradford_bites", "GB"),
        ("houston_desi", "US"),
        ("berlin_student_pk", "DE"),
        ("dubai_henna_nights", "AE"),
        ("studywith_maryam", "PK"),
        ("faiz_on_the_metro", "GB"),
        ("riyadh_roadtrips", "SA"),
        ("badshahi_weddings_photo", "PK"),
        ("the_recovery_diary", "US"),
    ],
    "pnb": [
        ("pind_di_ronaq", "PK"),
        ("bhangra_boys_fsd", "PK"),
        ("heer_waris_lover", "PK"),
        ("amritsar_saag_house", "IN"),
        ("kabaddi_lyallpur", "PK"),
    ],
    "mix": [
        ("sana_mehndi_artist", "PK"),
        ("berlin_wala_pakistani", "DE"),
        ("karachi_traffic_vibes", "PK"),
        ("dubai_first_salary", "AE"),
        ("london_halwa_puri", "GB"),
        ("f7_cafe_hopper", "PK"),
        ("mdcat_survivor_24", "PK"),
        ("desi_moms_memes", "PK"),
    ],
    "ps": [("peshawar_chapli_kebab", "PK"), ("swat_valley_tours", "PK")],
    "sd": [("sindhi_ajrak_house", "PK"), ("thar_diaries", "PK")],
}
# Accounts that post most of the violating items (real services see repeat offenders).
OFFENDERS: list[tuple[str, str]] = [
    ("gaali_king_420", "PK"),
    ("sach_bolta_hoon_786", "PK"),
    ("anon_user_93821", "PK"),
    ("real_mard_0", "PK"),
    ("banda_naraz_hai", "PK"),
    ("sipahi_e_haq_x", "PK"),
    ("troll_no_1_pk", "PK"),
    ("khan_bhai_fb_x", "AE"),
    ("raat_ki_rani_vip", "PK"),
    ("marina_nights_vip", "AE"),
    ("private_party_lhr", "PK"),
    ("tuta_dil_99", "PK"),
    ("lonely_soul_22", "GB"),
    ("bradford_lad_88", "GB"),
    ("ghairat_brigade", "PK"),
    ("paid_calls_18", "PK"),
]
PLACE_COUNTRY = {
    "bradford": "GB",
    "london": "GB",
    "manchester": "GB",
    "dubai": "AE",
    "houston": "US",
    "berlin": "DE",
    "germany": "DE",
    "riyadh": "SA",
    "ریاض": "SA",
    "jeddah": "SA",
    "دبئی": "AE",
    "amritsar": "IN",
}
ID_PREFIX = {"video": "v", "comment": "c", "profile": "p", "image": "i", "text": "t", "live": "l"}
BASE_VIEWS = {
    "video": 4000,
    "live": 1500,
    "image": 1200,
    "text": 300,
    "profile": 200,
    "comment": 40,
}


def place_hint(item: Item) -> str | None:
    words = " ".join(item.texts.values()).lower()
    for place, country in PLACE_COUNTRY.items():
        if re.search(rf"\b{re.escape(place)}\b", words):
            return country
    return None


def pick_author(
    rng: random.Random, item: Item, unused: dict[str, list[tuple[str, str]]]
) -> tuple[str, str]:
    if item.author:
        return next(a for g in [*AUTHORS.values(), OFFENDERS] for a in g if a[0] == item.author)
    violating = item.label not in ("ok", "ok~")
    group = "offenders" if violating and rng.random() < 0.7 else item.lang
    pool = OFFENDERS if group == "offenders" else AUTHORS[item.lang]
    want = place_hint(item)
    if want:
        local = [a for a in pool if a[1] == want]
        local = local or [a for g in AUTHORS.values() for a in g if a[1] == want]
        return rng.choice(local)
    # Use every account at least once before repeating, so ~80 distinct authors appear.
    fresh = unused.setdefault(group, list(pool))
    if fresh:
        return fresh.pop(rng.randrange(len(fresh)))
    return rng.choice(pool)


def main() -> None:
    rng = random.Random(SEED)
    order = list(ITEMS)
    rng.shuffle(order)

    followers = {h: int(rng.lognormvariate(7.5, 1.6)) for g in AUTHORS.values() for h, _ in g}
    followers |= {h: int(rng.lognormvariate(5.0, 1.2)) for h, _ in OFFENDERS}

    unused: dict[str, list[tuple[str, str]]] = {}
    counters: dict[str, int] = {}
    rows: list[tuple[dict[str, Any], dict[str, str]]] = []
    by_first_text: dict[str, int] = {}
    for item in order:
        handle, country = pick_author(rng, item, unused)
        prefix = ID_PREFIX[item.kind]
        counters[prefix] = counters.get(prefix, 1000 + rng.randrange(50)) + rng.randrange(1, 40)
        record: dict[str, Any] = {
            "id": f"{prefix}-{counters[prefix]:06d}",
            "version": 1,
            "kind": item.kind,
            "author": handle,
            "texts": item.texts,
            "upload_country": country,
        }
        by_first_text[next(iter(item.texts.values()))] = len(rows)
        rows.append((record, {"lang": item.lang, "label": item.label, "copy": ""}))

    # Second versions arrive later than their first version; exact duplicates are resent lines.
    for first_text, edited in EDITS:
        first = next(i for t, i in by_first_text.items() if t.startswith(first_text))
        base = rows[first][0]
        record = {**base, "version": 2, "texts": edited.texts}
        at = rng.randrange(first + 15, len(rows) + 1)
        rows.insert(at, (record, {"lang": edited.lang, "label": edited.label, "copy": "edit"}))
        by_first_text = {t: i + (i >= at) for t, i in by_first_text.items()}
    for _ in range(3):
        first = rng.randrange(0, len(rows) // 2)
        while rows[first][1]["copy"]:
            first += 1
        at = rng.randrange(first + 10, len(rows) + 1)
        rows.insert(at, (rows[first][0], dict(rows[first][1], copy="duplicate")))

    # Times rise through the stream; reach depends on kind, the author's following and luck.
    span = (END - START).total_seconds()
    stamps = sorted(rng.uniform(0, span) for _ in rows)
    reach_of: dict[tuple[str, int], dict[str, Any]] = {}
    created_of: dict[tuple[str, int], str] = {}
    out_lines: list[str] = []
    label_lines = ["line\tid\tversion\tkind\tlang\tintent\tcategory\tnear_miss\tcopy"]
    for n, ((record, meta), stamp) in enumerate(zip(rows, stamps, strict=True), start=1):
        key = (str(record["id"]), int(record["version"]))
        if key not in created_of:
            created = START + timedelta(seconds=int(stamp))
            created_of[key] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
            author_followers = followers[str(record["author"])]
            views = int(
                BASE_VIEWS[str(record["kind"])]
                * rng.lognormvariate(0, 1.3)
                * (1 + author_followers / 20000)
            )
            if meta["label"] == "violent_extremism" and record["kind"] == "video":
                views *= 40  # the viral one a reviewer queue must put first
            age_h = rng.uniform(0.5, 36)
            reach_of[key] = {
                "views": views,
                "views_per_hour": round(views / age_h, 1),
                "followers": author_followers,
            }
        full = dict(record, created_at=created_of[key], reach=reach_of[key])
        out_lines.append(json.dumps(full, ensure_ascii=False, separators=(", ", ": ")))
        label = meta["label"]
        benign = label in ("ok", "ok~")
        label_lines.append(
            "\t".join(
                [
                    str(n),
                    key[0],
                    str(key[1]),
                    str(record["kind"]),
                    meta["lang"],
                    "benign" if benign else "violating",
                    "" if benign else label,
                    "yes" if label == "ok~" else "",
                    meta["copy"],
                ]
            )
        )

    (HERE / "stream.jsonl").write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    (HERE / "stream.labels.tsv").write_text("\n".join(label_lines) + "\n", encoding="utf-8")
    print(f"wrote {len(out_lines)} lines to {HERE / 'stream.jsonl'}")


if __name__ == "__main__":
    main()
