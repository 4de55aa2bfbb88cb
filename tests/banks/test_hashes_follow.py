"""Several processes share the banks: each follows the others' changes through the ledger, and
concurrent writers never reuse an entry id or overwrite a row they have not seen."""

from __future__ import annotations

from pathlib import Path

from nigran.banks.hashes import BankStore
from nigran.detect.media.banks import Bank
from nigran.detect.media.hashing import pdq_dihedral, pdq_from_image
from nigran.detect.media.samples import synthetic_image
from nigran.model import Content, ContentKind, MediaKind, MediaRef
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from tests.factories import stored_ref


def test_two_bank_stores_follow_each_other(store: Store) -> None:
    a, b = BankStore(store), BankStore(store)
    one, two = synthetic_image(31), synthetic_image(32)
    with a.change() as hb:
        hb.create_bank(Bank("shared", category="sexual"), actor="alice")
        first = hb.add_entry("shared", "pdq", pdq_from_image(one).hex, actor="alice")
    assert not b.banks.match_image(pdq_dihedral(one)).matches  # b has not followed yet
    # b writes without following by hand: change() follows first, so b knows the bank and
    # takes the next id instead of overwriting alice's entry.
    with b.change() as hb:
        second = hb.add_entry("shared", "pdq", pdq_from_image(two).hex, actor="bilal")
    assert second.id == first.id + 1
    assert [m.entry_id for m in b.banks.match_image(pdq_dihedral(one)).matches] == [first.id]
    assert a.follow() >= 1
    assert [m.entry_id for m in a.banks.match_image(pdq_dihedral(two)).matches] == [second.id]
    # Disabling, removing and bank settings travel the same way.
    with a.change() as hb:
        hb.disable_entry(second.id, actor="alice", reason="wrong image")
        hb.remove_entry(first.id, actor="alice")
        hb.update_bank("shared", actor="alice", pdq_distance=10)
    b.follow()
    assert not b.banks.match_image(pdq_dihedral(one)).matches
    assert not b.banks.match_image(pdq_dihedral(two)).matches
    assert first.id not in b.banks.entries
    assert b.banks.banks["shared"].pdq_distance == 10
    assert b.follow() == 0  # nothing new
    fresh = BankStore(store)
    assert fresh.banks.entries == b.banks.entries and fresh.banks.banks == b.banks.banks


def test_a_running_pipeline_matches_a_hash_banked_elsewhere(store: Store, tmp_path: Path) -> None:
    image = synthetic_image(33)
    image.save(tmp_path / "x.jpg", quality=90)
    pipeline = Pipeline(store)  # loads the (empty) banks now, as `nigran serve` does at start
    elsewhere = BankStore(store)  # e.g. `nigran media bank add` in another process
    with elsewhere.change() as hb:
        hb.create_bank(Bank("ncii", category="sexual", severity=4), actor="alice")
        hb.add_entry("ncii", "pdq", pdq_from_image(image).hex, actor="alice")
    item = Content(
        id="upload-1",
        kind=ContentKind.IMAGE,
        author="u",
        media=[MediaRef(ref=stored_ref(tmp_path / "x.jpg"), kind=MediaKind.IMAGE)],
        upload_country="PK",
    )
    result = pipeline.run([item])
    assert not result.errors
    assert any(s.evidence.bank == "ncii" for s in result.outcomes[0].signals)
