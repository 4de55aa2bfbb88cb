from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from nigran.detect.media.banks import (
    Bank,
    EntryStatus,
    HashBanks,
    SignalType,
    export_entries,
    parse_entries,
)
from nigran.detect.media.hashing import pdq_dihedral, pdq_from_image
from nigran.detect.media.samples import synthetic_image
from nigran.detect.media.vpdq import FrameHash, VideoHash, parse_video_hash
from nigran.errors import InvalidInput, NotFound


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def log() -> list[tuple[str, str, dict[str, Any]]]:
    return []


@pytest.fixture
def banks(log: list[tuple[str, str, dict[str, Any]]]) -> HashBanks:
    hb = HashBanks(lambda kind, subject, payload: log.append((kind, subject, payload)))
    hb.create_bank(Bank("ncii", category="sexual"), actor="alice")
    return hb


def test_bank_image_matches_copies_and_rotations(banks: HashBanks, photo: Image.Image) -> None:
    entry = banks.add_entry("ncii", "pdq", pdq_from_image(photo).hex, actor="alice", note="case 1")
    for copy in (photo.resize((320, 240)), photo.transpose(Image.Transpose.ROTATE_90)):
        result = banks.match_image(pdq_dihedral(copy))
        assert [m.entry_id for m in result.matches] == [entry.id]
        assert result.matches[0].category == "sexual"
    assert banks.match_image(pdq_dihedral(synthetic_image(77))).matches == []


def test_per_bank_threshold_and_disabled_bank(banks: HashBanks, photo: Image.Image) -> None:
    banks.add_entry("ncii", "pdq", pdq_from_image(photo).hex, actor="a")
    w, h = photo.size
    cropped = pdq_dihedral(photo.crop((int(w * 0.02), 0, w, h)))
    distance = banks.match_image(cropped).matches[0].distance
    assert distance > 4
    banks.update_bank("ncii", pdq_distance=distance - 1, actor="a")
    assert banks.match_image(cropped).matches == []
    banks.update_bank("ncii", pdq_distance=31, enabled=False, actor="a")
    assert banks.match_image(cropped).matches == []
    with pytest.raises(InvalidInput, match="pdq_distance"):
        banks.update_bank("ncii", pdq_distance=40, actor="a")


def test_negative_bank_suppresses_and_is_reported(banks: HashBanks, photo: Image.Image) -> None:
    positive = banks.add_entry("ncii", "pdq", pdq_from_image(photo).hex, actor="a")
    banks.create_bank(Bank("known-ok", negative=True), actor="a")
    banks.add_entry("known-ok", "pdq", pdq_from_image(photo.resize((300, 225))).hex, actor="a")
    result = banks.match_image(pdq_dihedral(photo))
    assert result.matches == []
    assert [m.entry_id for m in result.suppressed] == [positive.id]
    assert result.negatives and result.negatives[0].bank == "known-ok"


def test_hot_hash_is_quarantined(log: list[tuple[str, str, dict[str, Any]]]) -> None:
    clock = Clock()
    banks = HashBanks(lambda *args: log.append(args), clock=clock)
    banks.create_bank(Bank("feed", hot_limit=3, hot_window_s=60), actor="a")
    image = synthetic_image(12)
    entry = banks.add_entry("feed", "pdq", pdq_from_image(image).hex, actor="a")
    variants = pdq_dihedral(image)
    for _ in range(3):
        clock.now += timedelta(seconds=10)
        assert banks.match_image(variants).matches
    clock.now += timedelta(seconds=100)  # the window slides: old hits no longer count
    for _ in range(3):
        clock.now += timedelta(seconds=1)
        assert banks.match_image(variants).matches
    clock.now += timedelta(seconds=1)
    assert banks.match_image(variants).matches == []  # the 4th hit in 60 s trips it
    assert banks.entries[entry.id].status is EntryStatus.QUARANTINED
    assert log[-1][0] == "media.entry.quarantined"
    assert "suspended pending review" in log[-1][2]["reason"]
    banks.enable_entry(entry.id, actor="reviewer", reason="checked: real match")
    assert banks.match_image(variants).matches


def test_exact_hashes_and_entry_lifecycle(
    banks: HashBanks, log: list[tuple[str, str, dict[str, Any]]]
) -> None:
    sha = "ab" * 32
    entry = banks.add_entry("ncii", SignalType.SHA256, sha.upper(), actor="a", source="ncmec")
    assert banks.match_image([], sha256=sha).matches[0].distance == 0
    banks.disable_entry(entry.id, actor="a", reason="appeal upheld")
    assert banks.match_image([], sha256=sha).matches == []
    banks.enable_entry(entry.id, actor="a")
    banks.remove_entry(entry.id, actor="a", reason="source withdrew it")
    assert banks.match_image([], sha256=sha).matches == []
    with pytest.raises(NotFound):
        banks.disable_entry(entry.id, actor="a")
    with pytest.raises(InvalidInput, match="64 hex digits"):
        banks.add_entry("ncii", "pdq", "xyz", actor="a")
    kinds = [k for k, _, _ in log]
    assert kinds == [
        "media.bank.created",
        "media.entry.added",
        "media.entry.disabled",
        "media.entry.enabled",
        "media.entry.removed",
    ]
    assert all(p["actor"] == "a" for k, _, p in log[1:])


def test_pytx_and_csv_round_trip(banks: HashBanks) -> None:
    pdqs = [pdq_from_image(synthetic_image(s)).hex for s in range(3)]
    text = "# from ThreatExchange\n" + "".join(f"pdq {h}\n" for h in pdqs) + "video_md5 " + "c" * 32
    added = banks.import_entries("ncii", text, fmt="pytx", actor="a", source="te:1234")
    assert len(added) == 4
    assert banks.import_entries("ncii", text, fmt="pytx", actor="a", source="te") == []
    exported = export_entries(banks.entries.values(), fmt="pytx")
    assert sorted(exported.splitlines()) == sorted(line for line in text.splitlines()[1:])
    csv_text = export_entries(banks.entries.values(), fmt="csv")
    rows = parse_entries(csv_text, fmt="csv")
    assert {(k.value, v) for k, v, *_ in rows} == {
        (e.signal_type.value, e.value) for e in banks.entries.values()
    }
    bare = parse_entries("\n".join(pdqs), fmt="pytx", default_type=SignalType.PDQ)
    assert [v for _, v, *_ in bare] == pdqs
    with pytest.raises(InvalidInput, match="line 2"):
        parse_entries("pdq " + pdqs[0] + "\nphotodna abc\n", fmt="pytx")
    with pytest.raises(InvalidInput, match="signal_value"):
        parse_entries("foo,bar\n1,2\n", fmt="csv")


def test_pytx_reads_our_export(tmp_path: Any, banks: HashBanks) -> None:
    """python-threatexchange's own local-file exchange parses what we export."""
    file_api = pytest.importorskip("threatexchange.exchanges.impl.file_api")
    pdq = pdq_from_image(synthetic_image(3)).hex
    banks.add_entry("ncii", "pdq", pdq, actor="a")
    path = tmp_path / "bank.txt"
    path.write_text(export_entries(banks.entries.values(), fmt="pytx"))
    api = file_api.LocalFileSignalExchangeAPI(
        file_api.FileCollaborationConfig(name="x", filename=str(path))
    )
    updates = next(api.fetch_iter([], None)).updates
    assert set(updates) == {("pdq", pdq)}


def test_vpdq_entries_exchange_in_pytx_form(banks: HashBanks) -> None:
    frames = tuple(
        FrameHash(float(k), float(k + 1), pdq_from_image(synthetic_image(40 + k)).hex, 100)
        for k in range(4)
    )
    video = VideoHash(frames)
    entry = banks.add_entry("ncii", "vpdq", video.to_vpdq_file(), actor="a")  # any form in
    assert parse_video_hash(entry.value).to_pytx() == video.to_pytx()
    exported = export_entries(banks.entries.values(), fmt="pytx")
    assert exported == f"vpdq {video.to_pytx()}\n"  # pytx's signal string, as HMA keeps it
    # Our own export read back into the same bank is recognised as the same entry.
    assert banks.import_entries("ncii", exported, fmt="pytx", actor="a", source="x") == []
    banks.create_bank(Bank("copy"), actor="a")
    added = banks.import_entries("copy", exported, fmt="pytx", actor="a", source="x")
    assert [e.signal_type for e in added] == [SignalType.VPDQ]
    found = banks.match_video(video)
    assert {m.bank for m in found.matches} == {"ncii", "copy"}
    csv_rows = parse_entries(export_entries(banks.entries.values(), fmt="csv"), fmt="csv")
    assert {parse_video_hash(v).to_pytx() for _, v, *_ in csv_rows} == {video.to_pytx()}
