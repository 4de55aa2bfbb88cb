"""Retroactive scan: when hashes are banked, stored content is matched against them and any new
signals go through policy like any others (new decision, enforcement, ledger).

The catalogue (``media_hashes``) keeps each stored item's media hashes (8 dihedral PDQ values
for an image, the vPDQ frame list for a video, MD5 and SHA-256), computed the first time an item
is scanned, so the archive is decoded once, not at every new bank entry. A file that is gone or
unreadable is catalogued with its error and skipped.

Matching ignores the hot-hash counters (``count=False``): re-matching the archive is not a flood
of new uploads. A content version already carrying a signal for the same entry is left alone,
so running a scan twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from nigran import ledger, record
from nigran.banks.hashes import BankStore
from nigran.detect.media.banks import BankMatch
from nigran.detect.media.detectors import bank_signal
from nigran.detect.media.hashing import PdqHash
from nigran.detect.media.refs import MediaLoader
from nigran.detect.media.vpdq import VideoHash
from nigran.errors import NigranError
from nigran.model import Content, MediaKind, RestrictionSource, Signal, utcnow
from nigran.policy import Policy, PolicyContext, default_policy
from nigran.review.cases import CaseRequest, open_cases
from nigran.store import queries
from nigran.store.tables import content, signals
from nigran.store.tables_media import media_hashes

__all__ = ["RescanHit", "catalogue", "rescan"]


@dataclass(frozen=True, slots=True)
class RescanHit:
    content_id: str
    version: int
    entry_ids: list[int]
    decision_id: int
    outcome: str


def _hash_row(item: Content, ref_index: int, loader: MediaLoader, now: datetime) -> dict[str, Any]:
    ref = item.media[ref_index]
    row: dict[str, Any] = {
        "content_id": item.id,
        "version": item.version,
        "media_ref": ref.ref,
        "kind": ref.kind.value,
        "md5": None,
        "sha256": None,
        "created_at": now,
    }
    try:
        media = loader.load(ref)
        digests = media.digests()
        row["md5"], row["sha256"] = digests.md5, digests.sha256
        if ref.kind is MediaKind.VIDEO:
            row["hashes"] = {"vpdq": media.video().to_json()}
        else:
            row["hashes"] = {"pdq": [[v.hex, v.quality] for v in media.dihedral()]}
    except NigranError as exc:
        row["hashes"] = {"error": str(exc)}
    return row


def catalogue(bank_store: BankStore, *, loader: MediaLoader | None = None) -> int:
    """Hash every stored item's media not yet catalogued (latest versions); returns how many
    media files were added."""
    store = bank_store.store
    loader = loader or MediaLoader()
    with store.read() as conn:
        latest = (
            select(content.c.content_id, func.max(content.c.version).label("version"))
            .group_by(content.c.content_id)
            .subquery()
        )
        done = {
            (r.content_id, r.version)
            for r in conn.execute(select(media_hashes.c.content_id, media_hashes.c.version))
        }
        bodies = [
            Content.model_validate(r.body)
            for r in conn.execute(
                select(content.c.body).join(
                    latest,
                    (content.c.content_id == latest.c.content_id)
                    & (content.c.version == latest.c.version),
                )
            )
            if (r.body.get("media") and (r.body["id"], r.body.get("version", 1)) not in done)
        ]
    now = utcnow()
    rows = [_hash_row(item, k, loader, now) for item in bodies for k in range(len(item.media))]
    if rows:
        with store.transaction() as conn:
            conn.execute(insert(media_hashes), rows)
    return len(rows)


def _matches(bank_store: BankStore, row: Any, wanted: set[int]) -> list[BankMatch]:
    banks = bank_store.banks
    hashes = row.hashes
    if "vpdq" in hashes:
        result = banks.match_video(
            VideoHash.from_json(hashes["vpdq"]), md5=row.md5, sha256=row.sha256, count=False
        )
    elif "pdq" in hashes:
        variants = [PdqHash(h, int(q)) for h, q in hashes["pdq"]]
        result = banks.match_image(variants, md5=row.md5, sha256=row.sha256, count=False)
    else:
        return []
    return [m for m in result.matches if m.entry_id in wanted]


def rescan(
    bank_store: BankStore,
    entry_ids: Sequence[int],
    *,
    policy: Policy | None = None,
    loader: MediaLoader | None = None,
    now: datetime | None = None,
) -> list[RescanHit]:
    """Match stored content against the given bank entries; new signals are recorded and the
    item decided again by ``policy``, each item in its own transaction."""

    bank_store.flush()
    catalogue(bank_store, loader=loader)
    policy = policy or default_policy()
    now = now or utcnow()
    wanted = set(entry_ids)
    per_item: dict[tuple[str, int], list[tuple[str, BankMatch]]] = {}
    with bank_store.store.read() as conn:
        for row in conn.execute(select(media_hashes)):
            for m in _matches(bank_store, row, wanted):
                per_item.setdefault((row.content_id, row.version), []).append((row.media_ref, m))
    hits: list[RescanHit] = []
    for (cid, version), found in sorted(per_item.items()):
        with bank_store.store.transaction() as conn:
            hit = _apply(conn, bank_store, cid, version, found, policy, now)
        if hit is not None:
            hits.append(hit)
    return hits


def _apply(
    conn: Connection,
    bank_store: BankStore,
    cid: str,
    version: int,
    found: list[tuple[str, BankMatch]],
    policy: Policy,
    now: datetime,
) -> RescanHit | None:
    if queries.latest_version(conn, cid) != version:
        return None  # a newer version exists; it was catalogued and scanned on its own
    record_ = queries.content_record(conn, cid, version)
    already = {
        s.evidence.details.get("entry_id")
        for s in record_.signals
        if s.source.value == "hash_match"
    }
    fresh = [(ref, m) for ref, m in found if m.entry_id not in already]
    if not fresh:
        return None
    new_signals: list[Signal] = [bank_signal(bank_store.banks, m, ref) for ref, m in fresh]
    all_signals = record_.signals + new_signals
    decision = policy.decide(record_.content, all_signals, PolicyContext(now=now))
    rows = [
        {
            "content_id": cid,
            "version": version,
            "source": s.source.value,
            "detector": s.detector,
            "category": s.category,
            "score": s.score,
            "language": s.language,
            "severity": s.severity,
            "evidence": s.evidence.model_dump(mode="json", exclude_none=True),
            "created_at": now,
        }
        for s in new_signals
    ]
    new_ids = list(
        conn.execute(
            insert(signals).returning(signals.c.id, sort_by_parameter_order=True), rows
        ).scalars()
    )
    signal_ids = record_.signal_ids + new_ids
    entries: list[tuple[str, str, Any]] = [
        (
            "media.retro_scan.matched",
            cid,
            {
                "version": version,
                "entry_ids": sorted({m.entry_id for _, m in fresh}),
                "banks": sorted({m.bank for _, m in fresh}),
            },
        )
    ]
    entries += [
        (
            "signal.recorded",
            cid,
            {"signal_id": sid, "version": version, **s.model_dump(mode="json", exclude_none=True)},
        )
        for sid, s in zip(new_ids, new_signals, strict=True)
    ]
    done = record.record(
        conn,
        decision,
        source=RestrictionSource.AUTOMATED,
        signal_ids=signal_ids,
        remoderate=True,
        extra={"retro_scan": True},
        now=now,
        append=False,
    )
    entries += done.entries
    if decision.review is not None and not done.superseded:
        # The same case the pipeline would have opened for this match: routed, prioritised
        # and given its SLA by the one case opener.
        _, opened = open_cases(
            conn,
            [
                CaseRequest(
                    subject=cid,
                    item=record_.content,
                    category=decision.review.category,
                    severity=decision.review.severity,
                    source="proactive",
                    language=record_.language,
                    decision_id=done.decision_id,
                    legal_deadline=decision.review.deadline,
                )
            ],
            now=now,
            append=False,
        )
        entries += opened
    ledger.append_many(conn, entries)
    return RescanHit(
        cid, version, sorted({m.entry_id for _, m in fresh}), done.decision_id, decision.outcome
    )
