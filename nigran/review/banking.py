"""A reviewer's "add to bank" / "add to negative bank": the item's media hashes into a hash bank.

Positive: bank ``reviewed-<category>`` (created on first use, the category the reviewer decided
on), so re-uploads and stored copies of the media are matched from now on (the retroactive scan
runs as for any banked hash). Negative: bank ``reviewed-negative``, so the media stops matching
positive banks (a confirmed false positive). Images are banked by PDQ, videos by MD5 (HMA's
``video_md5``); every change is ledgered by the bank store.
"""

from __future__ import annotations

from nigran.banks.hashes import BankStore
from nigran.banks.rescan import rescan
from nigran.detect.media.banks import Bank, SignalType
from nigran.detect.media.refs import MediaLoader
from nigran.model import Content, MediaKind

NEGATIVE_BANK = "reviewed-negative"


def bank_name(action: str, category: str) -> str:
    return NEGATIVE_BANK if action == "negative" else f"reviewed-{category}"


def bank_media(
    store_banks: BankStore,
    item: Content,
    *,
    action: str,
    category: str,
    reviewer: str,
    case_id: str,
) -> list[int]:
    """Bank every image or video of ``item``; returns the new entry ids (none without media)."""
    media = [m for m in item.media if m.kind in (MediaKind.IMAGE, MediaKind.VIDEO)]
    if not media:
        return []
    loader = MediaLoader()
    values = []
    for ref in media:
        analysed = loader.load(ref)
        if ref.kind is MediaKind.IMAGE:
            values.append((SignalType.PDQ, analysed.dihedral()[0].hex))
        else:
            values.append((SignalType.VIDEO_MD5, analysed.digests().md5))
    name = bank_name(action, category)
    ids = []
    with store_banks.change() as banks:
        if name not in banks.banks:
            banks.create_bank(
                Bank(name, category=category, negative=action == "negative"), actor=reviewer
            )
        for kind, value in values:
            entry = banks.add_entry(
                name,
                kind,
                value,
                actor=reviewer,
                note=f"review case {case_id}",
                source="review",
            )
            ids.append(entry.id)
    if action == "add":
        rescan(store_banks, ids)
    return ids
