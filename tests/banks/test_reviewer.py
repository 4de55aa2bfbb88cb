"""A reviewer's "add to bank" and "add to negative bank" reach the hash banks once the decision
has committed (the edges call ``bank_after_decision`` after ``decide``)."""

from __future__ import annotations

from pathlib import Path

from nigran.banks.hashes import BankStore
from nigran.banks.reviewer import NEGATIVE_BANK, bank_after_decision
from nigran.detect.media.samples import synthetic_image
from nigran.model import MediaKind, MediaRef
from nigran.review import cases
from nigran.review.decide import Verdict, decide
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from tests.factories import item, stored_ref
from tests.review.support import report, reviewer, stored


def image(folder: Path, seed: int, name: str, size: tuple[int, int] = (640, 480)) -> MediaRef:
    path = folder / name
    synthetic_image(seed, size).save(path, quality=80)
    return MediaRef(ref=stored_ref(path), kind=MediaKind.IMAGE)


def decide_with_bank(store: Store, cid: str, action: str, category: str) -> tuple[int, ...]:
    claim = cases.claim_next(store, reviewer("amna", "ur-Latn-sexual", "ur-Latn"))
    assert claim is not None and claim.case_id == cid
    verdict = (
        Verdict("remove", f"policy:{category}", bank_action=action)
        if action == "add"
        else Verdict("none", bank_action=action)
    )
    res = bank_after_decision(store, decide(store, cid, "amna", verdict), verdict)
    assert res.bank_error is None, res.bank_error
    return res.banked


def test_banked_image_matches_a_later_copy(sqlite_store: Store, tmp_path: Path) -> None:
    first = stored(sqlite_store, "p1", "dekho", media=[image(tmp_path, 5, "a.jpg")])
    cid = report(sqlite_store, first, category="sexual", severity=3, language="ur-Latn")
    banked = decide_with_bank(sqlite_store, cid, "add", "sexual")
    assert len(banked) == 1
    banks = BankStore(sqlite_store).banks
    assert banks.banks["reviewed-sexual"].category == "sexual"
    # A smaller re-encode of the same picture, uploaded later, is now matched by the bank.
    copy = image(tmp_path, 5, "b.jpg", (320, 240))
    out = Pipeline(sqlite_store).run([item("p2", "naya", media=[copy])]).outcomes[0]
    hits = [s for s in out.signals if s.source.value == "hash_match"]
    assert hits and hits[0].evidence.bank == "reviewed-sexual"


def test_negative_bank_entry_is_made(sqlite_store: Store, tmp_path: Path) -> None:
    fine = stored(sqlite_store, "n1", "meri painting", media=[image(tmp_path, 9, "n.jpg")])
    cid = report(sqlite_store, fine, category="sexual", severity=2, language="ur-Latn")
    banked = decide_with_bank(sqlite_store, cid, "negative", "sexual")
    assert len(banked) == 1
    bank = BankStore(sqlite_store).banks.banks[NEGATIVE_BANK]
    assert bank.negative


def test_no_media_banks_nothing(sqlite_store: Store) -> None:
    text_only = stored(sqlite_store, "t1", "sirf text")
    cid = report(sqlite_store, text_only, category="sexual", severity=2, language="ur-Latn")
    assert decide_with_bank(sqlite_store, cid, "add", "sexual") == ()


def test_api_banks_after_the_decision_and_says_what(sqlite_store: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from nigran.api import create_app
    from nigran.review import auth
    from tests.review.support import person

    first = stored(sqlite_store, "h1", "dekho", media=[image(tmp_path, 7, "h.jpg")])
    cid = report(sqlite_store, first, category="sexual", severity=3, language="ur-Latn")
    person(sqlite_store, "amna", "ur-Latn-sexual")
    headers = {"Authorization": f"Bearer {auth.create_token(sqlite_store, 'amna')}"}
    with TestClient(create_app(sqlite_store)) as client:
        got = client.post("/v1/review/queues/ur-Latn-sexual/claim", headers=headers)
        assert got.status_code == 200 and got.json()["case_id"] == cid
        r = client.post(
            f"/v1/review/cases/{cid}/decision",
            headers=headers,
            json={"action": "remove", "ground": "policy:sexual", "bank_action": "add"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        # The server's own banks took the entry: a copy uploaded through it is matched at once.
        copy = image(tmp_path, 7, "h2.jpg", (320, 240))
        moderated = client.post(
            "/v1/content", json=item("h2", "naya", media=[copy]).model_dump(mode="json")
        )
        assert moderated.status_code == 200, moderated.text
        view = client.get("/v1/content/h2").json()
    assert body["bank_error"] is None and len(body["banked"]) == 1
    entry = BankStore(sqlite_store).banks.entries[body["banked"][0]]
    assert entry.bank == "reviewed-sexual" and entry.note == f"review case {cid}"
    hits = [s["signal"] for s in view["signals"] if s["signal"]["source"] == "hash_match"]
    assert [h["evidence"]["details"]["entry_id"] for h in hits] == body["banked"]
