"""A reviewer's "add to bank" / "add to negative bank": the item's media hashes into a hash bank.

Positive: bank ``reviewed-<category>`` (created on first use, the category the reviewer decided
on), so re-uploads and stored copies of the media are matched from now on (the retroactive scan
runs as for any banked hash). Negative: bank ``reviewed-negative``, so the media stops matching
positive banks (a confirmed false positive). Images are banked by PDQ, videos by MD5 (HMA's
``video_md5``); every change is ledgered by the bank store.

The review room decides (:func:`nigran.review.decide.decide`, one transaction); the edges that
took the verdict (API, console, CLI) then call :func:`bank_after_decision`, so the review room
never imports the banks (the dependency points banks -> review: the rescan opens review cases).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from nigran.banks.hashes import BankStore, configured_index_dir
from nigran.banks.rescan import rescan
from nigran.detect.media.banks import Bank, SignalType
from nigran.detect.media.refs import MediaLoader
from nigran.errors import NigranError
from nigran.model import Content, MediaKind
from nigran.review.decide import BANK_ACTIONS, Result, Verdict
from nigran.store import Store
from nigran.store.tables import cases, content
from nigran.store.tables_review import outcomes

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


def bank_after_decision(
    store: Store,
    result: Result,
    verdict: Verdict,
    *,
    bank_store: BankStore | None = None,
) -> Result:
    """Bank the decided item's media if the reviewer asked for it; ``result`` with ``banked``
    (the new entry ids) or ``bank_error`` set. Called after :func:`~nigran.review.decide.decide`
    has committed: the bank store writes (and ledgers) in its own transaction, and a failure here
    leaves the decision standing. Golden cases bank nothing (they test the reviewer).

    ``bank_store``: the running process's banks (so "add to bank" matches at once and no bank is
    reloaded per decision); one is loaded for the call when not given."""
    if verdict.bank_action not in BANK_ACTIONS:
        return result
    with store.read() as conn:
        case = conn.execute(
            select(cases.c.content_id, cases.c.version, cases.c.kind).where(
                cases.c.id == result.case_id
            )
        ).one()
        if case.kind == "golden":
            return result
        body = conn.execute(
            select(content.c.body).where(
                content.c.content_id == case.content_id, content.c.version == case.version
            )
        ).scalar_one()
        outcome = conn.execute(
            select(outcomes.c.reviewer, outcomes.c.ground, outcomes.c.category)
            .where(outcomes.c.case_id == result.case_id)
            .order_by(outcomes.c.id.desc())
            .limit(1)
        ).one()
    item = Content.model_validate(body)
    if not item.media:
        return result
    # The category decided on (a policy ground), else the one the case was opened for.
    kind, _, code = (outcome.ground or "").partition(":")
    category = code if kind == "policy" else outcome.category
    try:
        ids = bank_media(
            bank_store or BankStore(store, index_dir=configured_index_dir(store)),
            item,
            action=verdict.bank_action,
            category=category,
            reviewer=outcome.reviewer,
            case_id=result.case_id,
        )
    except NigranError as exc:
        return replace(result, bank_error=str(exc))
    return replace(result, banked=tuple(ids))
