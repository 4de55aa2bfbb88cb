"""Banks in the store and the retroactive scan, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from nigran import ledger
from nigran.banks.hashes import BankStore
from nigran.banks.rescan import rescan
from nigran.detect.media.banks import Bank, EntryStatus
from nigran.detect.media.hashing import pdq_from_image
from nigran.detect.media.samples import synthetic_image
from nigran.model import Content, ContentKind, MediaKind, MediaRef
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store, queries
from nigran.store.tables import enforcement
from nigran.store.tables_media import media_bank_entries
from tests.factories import stored_ref


def _image_item(cid: str, path: Path) -> Content:
    return Content(
        id=cid,
        kind=ContentKind.IMAGE,
        author="u9",
        upload_country="PK",
        media=[MediaRef(ref=stored_ref(path), kind=MediaKind.IMAGE)],
    )


def test_bank_changes_persist_and_are_ledgered(store: Store) -> None:
    banks = BankStore(store)
    with banks.change() as hb:
        hb.create_bank(Bank("ncii", category="sexual", severity=4), actor="alice")
        entry = hb.add_entry("ncii", "pdq", pdq_from_image(synthetic_image(1)).hex, actor="alice")
        hb.disable_entry(entry.id, actor="bob", reason="appeal upheld")
    with pytest.raises(RuntimeError), banks.change() as hb:
        hb.add_entry("ncii", "sha256", "ab" * 32, actor="alice")
        raise RuntimeError("something failed mid-change")
    assert len(banks.banks.entries) == 1  # rolled back in memory too
    again = BankStore(store)
    assert again.banks.banks["ncii"].severity == 4
    assert again.banks.entries[entry.id].status is EntryStatus.DISABLED
    with store.read() as conn:
        kinds = [e.kind for e in ledger.for_subject(conn, "bank:ncii")]
        assert ledger.verify(conn).ok
        assert conn.execute(select(media_bank_entries.c.status)).scalars().all() == ["disabled"]
    assert kinds == ["media.bank.created", "media.entry.added", "media.entry.disabled"]


def test_quarantine_during_matching_is_flushed(store: Store) -> None:
    banks = BankStore(store)
    image = synthetic_image(4)
    with banks.change() as hb:
        hb.create_bank(Bank("feed", hot_limit=2), actor="a")
        entry = hb.add_entry("feed", "pdq", pdq_from_image(image).hex, actor="a")
    from nigran.detect.media.hashing import pdq_dihedral

    for _ in range(3):
        banks.banks.match_image(pdq_dihedral(image))
    assert banks.banks.entries[entry.id].status is EntryStatus.QUARANTINED
    assert banks.flush() == 1
    assert BankStore(store).banks.entries[entry.id].status is EntryStatus.QUARANTINED


def test_retroactive_scan_signals_decides_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    bad, fine = synthetic_image(21), synthetic_image(22)
    bad.save(tmp_path / "bad.jpg", quality=85)
    fine.save(tmp_path / "fine.jpg", quality=85)
    result = Pipeline(store, detectors=[]).run(
        [_image_item("p1", tmp_path / "bad.jpg"), _image_item("p2", tmp_path / "fine.jpg")]
    )
    assert [o.decision.outcome for o in result.outcomes] == ["none", "none"]

    banks = BankStore(store)
    with banks.change() as hb:
        hb.create_bank(Bank("ncii", category="sexual", severity=4), actor="alice")
        # Banked from a resized copy found elsewhere: not the stored file's exact bytes.
        entry = hb.add_entry(
            "ncii", "pdq", pdq_from_image(bad.resize((400, 300))).hex, actor="alice"
        )
    hits = rescan(banks, [entry.id])
    assert [(h.content_id, h.entry_ids) for h in hits] == [("p1", [entry.id])]
    # score 1 - 0.2 * distance / 31: the default policy withholds in PK or removes
    assert hits[0].outcome in ("withhold", "remove")
    with store.read() as conn:
        record = queries.content_record(conn, "p1")
        (signal,) = record.signals
        assert signal.evidence.bank == "ncii" and signal.evidence.details["entry_id"] == entry.id
        assert record.decision.outcome == hits[0].outcome
        expected = "removed" if hits[0].outcome == "remove" else "withheld"
        assert expected in conn.execute(select(enforcement.c.visibility)).scalars().all()
        kinds = [e.kind for e in ledger.for_subject(conn, "p1")]
        after = kinds[kinds.index("media.retro_scan.matched") :]
        assert {"signal.recorded", "decision.made", "enforcement.changed"} <= set(after)
        assert ledger.verify(conn).ok
        assert queries.content_record(conn, "p2").decision.outcome == "none"
    assert rescan(banks, [entry.id]) == []  # nothing new the second time


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf").exists(),
    reason="fonts-noto-core not installed (scripts/system-packages.txt)",
)
def test_default_pipeline_reads_on_screen_urdu_and_refuses_broken_media(
    sqlite_store: Store, tmp_path: Path
) -> None:
    import shutil

    from PIL import Image, ImageDraw, ImageFont

    from nigran.detect import default_detectors
    from nigran.errors import InvalidMedia
    from tests.factories import THREAT_UR, stored_ref

    if shutil.which("tesseract") is None:
        pytest.skip("tesseract-ocr not installed (scripts/system-packages.txt)")
    face = ImageFont.truetype(
        "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
        44,
        layout_engine=ImageFont.Layout.RAQM,
    )
    frame = Image.new("RGB", (1000, 200), (15, 15, 40))
    ImageDraw.Draw(frame).text(
        (960, 60), THREAT_UR, font=face, fill="white", direction="rtl", language="ur", anchor="ra"
    )
    frame.save(tmp_path / "threat.png")
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 4096)
    detectors = default_detectors()
    assert {d.name for d in detectors} >= {"lexicon", "nudenet", "ocr"}
    result = Pipeline(sqlite_store, detectors=detectors).run(
        [
            _image_item("shot", tmp_path / "threat.png"),
            Content(
                id="clip",
                kind=ContentKind.VIDEO,
                author="u9",
                media=[MediaRef(ref=stored_ref(tmp_path / "broken.mp4"), kind=MediaKind.VIDEO)],
            ),
        ]
    )
    (outcome,) = result.outcomes
    assert outcome.decision.outcome == "remove"
    # Every signal comes from the on-screen text (lexicon and classifier both read it).
    assert {(s.source.value, s.category) for s in outcome.signals} == {("ocr", "threat")}
    (error,) = result.errors
    assert error.key == "clip@1" and isinstance(error.error, InvalidMedia)
    assert "broken.mp4" in str(error.error)


def test_saved_index_is_reloaded_and_never_stale(store: Store, tmp_path: Path) -> None:
    import numpy as np

    from nigran.banks.hashes import index_dir_for

    rng = np.random.default_rng(4)
    hexes = [row.tobytes().hex() for row in rng.integers(0, 256, (50, 32), dtype=np.uint8)]
    folder = tmp_path / "index"
    first = BankStore(store, index_dir=folder)
    assert first.index_load is not None and first.index_load.source == "built"
    assert not first.index_load.saved  # nothing banked yet: nothing worth saving
    with first.change() as hb:
        hb.create_bank(Bank("te"), actor="a")
        ids = [
            hb.add_entry("te", "pdq", h, actor="a", metadata={"case": str(k)}).id
            for k, h in enumerate(hexes)
        ]
    assert first.save_index()

    again = BankStore(store, index_dir=folder)
    assert again.index_load is not None
    assert (again.index_load.source, again.index_load.rows, again.index_load.changed) == (
        "saved",
        50,
        0,
    )
    assert again.banks.pdq_index.query(hexes[3])[0] == (ids[3], 0)
    assert again.banks.entries == first.banks.entries  # times, metadata and all read back

    # Changes made after the save (here by a process that keeps no index file) ...
    other = BankStore(store)
    new_hash = rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()
    with other.change() as hb:
        hb.disable_entry(ids[0], actor="b")
        hb.remove_entry(ids[1], actor="b")
        added = hb.add_entry("te", "pdq", new_hash, actor="b")
    # ... are applied to the saved index on load: it answers as the tables say.
    third = BankStore(store, index_dir=folder)
    assert third.index_load is not None
    assert (third.index_load.source, third.index_load.changed) == ("saved", 3)
    pdq = third.banks.pdq_index
    assert pdq.query(hexes[0]) == [] and pdq.query(hexes[1]) == []
    assert pdq.query(new_hash) == [(added.id, 0)]
    assert len(pdq) == 49

    # A damaged file is not used: the index is rebuilt from the tables and saved afresh.
    (folder / "pdq" / "heads.npy").write_bytes(b"not an array")
    fourth = BankStore(store, index_dir=folder)
    assert fourth.index_load is not None
    assert (fourth.index_load.source, fourth.index_load.saved) == ("built", True)
    assert fourth.banks.pdq_index.query(new_hash) == [(added.id, 0)]
    assert BankStore(store, index_dir=folder).index_load.source == "saved"  # type: ignore[union-attr]

    assert index_dir_for(tmp_path, "sqlite:///a") != index_dir_for(tmp_path, "sqlite:///b")


def test_servers_keep_the_index_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nigran.api import create_app
    from nigran.banks.hashes import index_dir_for

    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("NIGRAN_DATABASE_URL", url)
    monkeypatch.setenv("NIGRAN_DATA_DIR", str(tmp_path / "data"))
    app = create_app()
    bank_store = app.state.pipeline.bank_store
    assert bank_store.index_dir == index_dir_for(tmp_path / "data", url)
    handed_in = create_app(Store.open(url))  # a store handed in: no index folder unless given
    assert handed_in.state.pipeline.bank_store.index_dir is None
