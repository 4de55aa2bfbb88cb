"""The pipeline: ingest → detectors → policy → decision → enforcement, with the ledger alongside.

``moderate`` is the one function every runner calls (the CLI, the API, a stream worker): it takes
a batch of validated ``Content`` and returns one result per item. A batch is written in one
transaction; if that fails, it is written again without the items that made it fail (see
``Pipeline._commit``), so one bad item never takes the others down and never leaves partial rows
or ledger entries behind.

Idempotency: an item whose ``id`` and ``version`` are already stored is not moderated again; its
stored decision is returned (``duplicate=True``). The same key with a *different* body is a
``ConflictingResubmission`` error for that item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select, tuple_
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from nigran import enforce, jobs, ledger, record
from nigran.banks.hashes import BankStore
from nigran.banks.terms import TermStore
from nigran.detect import Detector, default_detectors
from nigran.detect.text.langid import guess_languages
from nigran.errors import ConflictingResubmission, InvalidContent, NigranError
from nigran.legal import orders
from nigran.model import Content, Decision, Restriction, RestrictionSource, Signal, utcnow
from nigran.policy import Policy, PolicyContext, default_policy
from nigran.review import cases as review_cases
from nigran.store import Store
from nigran.store.tables import content, restrictions, signals


@dataclass(slots=True)
class Outcome:
    content: Content
    language: str
    signals: list[Signal]
    decision: Decision
    decision_id: int
    duplicate: bool = False
    ledger: list[int] = field(default_factory=list)
    case_id: str | None = None
    index: int = 0
    """Position of the item in the batch given to ``Pipeline.run``."""

    def summary(self) -> dict[str, object]:
        """The line ``nigran moderate`` writes for this item."""
        d = self.decision
        return {
            "id": self.content.id,
            "version": self.content.version,
            "language": self.language,
            "outcome": d.outcome,
            "actions": [
                {"type": a.type.value, "scope": str(a.scope), "ground": str(a.ground)}
                for a in d.actions
            ],
            "review": d.review.queue if d.review else None,
            "categories": sorted({s.category for s in self.signals}),
            "decision_id": self.decision_id,
            "policy_version": d.policy_version,
            "duplicate": self.duplicate,
            "ledger": self.ledger,
        }


@dataclass(frozen=True, slots=True)
class ItemError:
    index: int
    key: str
    error: NigranError


@dataclass(slots=True)
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


RACE_RETRIES = 3
"""How often a batch is tried again after another writer stored one of its keys first."""


def _as_item_error(exc: Exception, item: Content) -> NigranError:
    if isinstance(exc, NigranError):
        return exc
    # The model's validation should refuse any value a database cannot hold; should one still
    # slip through, it is this item's error, not a 500 for the batch.
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
    return InvalidContent(f"the database refused this item: {detail}", where=item.key)


class Pipeline:
    """Detectors and policy loaded once; ``run`` is called per batch."""

    def __init__(
        self,
        store: Store,
        detectors: Sequence[Detector] | None = None,
        policy: Policy | None = None,
        *,
        index_dir: Path | None = None,
    ) -> None:
        """``index_dir``: where the media match index is saved between starts (see
        :mod:`nigran.banks.hashes`); None rebuilds it from the tables each time."""
        self.store = store
        self.bank_store: BankStore | None = None
        self.term_store: TermStore | None = None
        self.follow_every = 1.0
        """Seconds between looks for bank and term changes made by other processes."""
        if detectors is None:
            # Hash banks and term changes live in the store: load them here and hand them to
            # the detectors; ``run`` keeps them in step.
            self.bank_store = BankStore(store, index_dir=index_dir)
            self.term_store = TermStore(store)
            detectors = default_detectors(self.bank_store.banks, lexicon=self.term_store.detector)
        self.detectors = list(detectors)
        self.policy = policy or default_policy()

    # -- pure part ------------------------------------------------------------------------------

    def analyse(
        self, items: Sequence[Content], now: datetime
    ) -> list[tuple[str, list[Signal], Decision]]:
        # One batched language ID up front; detectors asking about the same texts hit its memory.
        detected = guess_languages([" ".join(item.texts.values()) for item in items])
        per_item: list[list[Signal]] = [[] for _ in items]
        for detector in self.detectors:
            for i, found in enumerate(detector.detect(items)):
                per_item[i].extend(found)
        out = []
        ctx = PolicyContext(now=now)
        for item, sigs, lang in zip(items, per_item, detected, strict=True):
            language = item.language_hint or lang
            out.append((language, sigs, self.policy.decide(item, sigs, ctx)))
        return out

    # -- with the store -------------------------------------------------------------------------

    def run(self, items: Sequence[Content], *, now: datetime | None = None) -> BatchResult:
        # Bank and term changes made by other processes (CLI, reviewers, other workers) since.
        if self.bank_store is not None:
            self.bank_store.follow(at_most_every=self.follow_every)
        if self.term_store is not None:
            self.term_store.follow(at_most_every=self.follow_every)
        result = self._run(items, now or utcnow())
        if self.bank_store is not None:
            self.bank_store.flush()  # quarantines of over-matching bank entries found meanwhile
        return result

    def _run(self, items: Sequence[Content], now: datetime) -> BatchResult:
        result = BatchResult()
        self._commit(list(enumerate(items)), now, result, RACE_RETRIES)
        result.outcomes.sort(key=lambda o: o.index)
        result.errors.sort(key=lambda e: e.index)
        return result

    def _commit(
        self, batch: list[tuple[int, Content]], now: datetime, result: BatchResult, retries: int
    ) -> None:
        """Write ``batch`` in one transaction; when it fails, write the others without the items
        that made it fail, still in one transaction, instead of item by item.

        - A key stored by another writer meanwhile (IntegrityError): the same batch again, which
          now reads that key as stored (a duplicate, or a conflict if the body differs). So is a
          batch whose connection was killed under it.
        - An item already stored with another body (ConflictingResubmission names its key): that
          item is refused, the rest go again.
        - Anything else an item can cause (a typed error, a value the database refuses): halves,
          each in one transaction, down to the item that fails; k bad items cost O(k log n)
          transactions, none of them leaves partial rows behind.
        """
        while batch:
            scratch = BatchResult()
            try:
                with self.store.transaction() as conn:
                    outcomes = self._process(conn, batch, now, scratch)
            except IntegrityError:
                if retries <= 0:
                    raise
                retries -= 1
                continue
            except ConflictingResubmission as exc:
                named = [i for i, c in batch if c.key == exc.where]
                if len(named) == 1:
                    result.errors.append(ItemError(named[0], str(exc.where), exc))
                    batch = [x for x in batch if x[0] != named[0]]
                    continue
                self._split(batch, now, result, retries, exc)
                return
            except (NigranError, DataError, OverflowError) as exc:
                self._split(batch, now, result, retries, exc)
                return
            except DBAPIError as exc:
                # A connection killed under the transaction: the pool hands out a fresh one.
                if not exc.connection_invalidated or retries <= 0:
                    raise
                retries -= 1
                continue
            result.outcomes.extend(outcomes)
            result.errors.extend(scratch.errors)
            return

    def _split(
        self,
        batch: list[tuple[int, Content]],
        now: datetime,
        result: BatchResult,
        retries: int,
        exc: Exception,
    ) -> None:
        if len(batch) == 1:
            index, item = batch[0]
            result.errors.append(ItemError(index, item.key, _as_item_error(exc, item)))
            return
        half = len(batch) // 2
        self._commit(batch[:half], now, result, retries)
        self._commit(batch[half:], now, result, retries)

    def _process(
        self,
        conn: Connection,
        batch: list[tuple[int, Content]],
        now: datetime,
        result: BatchResult,
    ) -> list[Outcome]:
        keys = {(c.id, c.version) for _, c in batch}
        stored = {
            (r.content_id, r.version): r.fingerprint
            for r in conn.execute(
                select(content.c.content_id, content.c.version, content.c.fingerprint).where(
                    tuple_(content.c.content_id, content.c.version).in_(list(keys))
                )
            )
        }
        fresh: list[tuple[int, Content, str]] = []
        seen: dict[tuple[str, int], str] = dict(stored)
        duplicates: list[tuple[int, Content]] = []
        for index, item in batch:
            key = (item.id, item.version)
            fp = item.fingerprint()
            if key in seen:
                if seen[key] != fp:
                    err = ConflictingResubmission(
                        f"{item.key} is already stored with a different body; "
                        "send changes as a new version",
                        where=item.key,
                    )
                    if len(batch) > 1:
                        raise err
                    result.errors.append(ItemError(index, item.key, err))
                    continue
                duplicates.append((index, item))
                continue
            seen[key] = fp
            fresh.append((index, item, fp))

        outcomes = (
            self._write(conn, [c for _, c, _ in fresh], [fp for _, _, fp in fresh], now)
            if fresh
            else []
        )
        for (index, _, _), outcome in zip(fresh, outcomes, strict=True):
            outcome.index = index
        for index, item in duplicates:
            outcome = load_outcome(conn, item)
            outcome.index = index
            outcomes.append(outcome)
        outcomes.sort(key=lambda o: o.index)
        return outcomes

    def _write(
        self, conn: Connection, items: list[Content], fingerprints: list[str], now: datetime
    ) -> list[Outcome]:
        analysed = self.analyse(items, now)
        conn.execute(
            insert(content),
            [
                {
                    "content_id": c.id,
                    "version": c.version,
                    "kind": c.kind.value,
                    "author": c.author,
                    "upload_country": c.upload_country,
                    "language": lang,
                    "fingerprint": fp,
                    "body": c.model_dump(mode="json", exclude_none=True),
                    "received_at": now,
                }
                for c, fp, (lang, _, _) in zip(items, fingerprints, analysed, strict=True)
            ],
        )
        signal_rows = [
            {
                "content_id": c.id,
                "version": c.version,
                "source": s.source.value,
                "detector": s.detector,
                "category": s.category,
                "score": s.score,
                "language": s.language,
                "severity": s.severity,
                "evidence": s.evidence.model_dump(mode="json", exclude_none=True),
                "created_at": now,
            }
            for c, (_, sigs, _) in zip(items, analysed, strict=True)
            for s in sigs
        ]
        signal_ids: list[int] = []
        if signal_rows:
            signal_ids = list(
                conn.execute(
                    insert(signals).returning(signals.c.id, sort_by_parameter_order=True),
                    signal_rows,
                ).scalars()
            )
        per_item_ids: list[list[int]] = []
        pos = 0
        for _, sigs, _ in analysed:
            per_item_ids.append(signal_ids[pos : pos + len(sigs)])
            pos += len(sigs)
        decision_ids = record.insert_decisions(
            conn, [(d, ids) for (_, _, d), ids in zip(analysed, per_item_ids, strict=True)]
        )
        # Restrictions already on these items (earlier versions, people, authorities), and the
        # newest version of each now stored: an older version never overrides a newer one.
        ids = [c.id for c in items]
        in_force = enforce.active(conn, ids)
        newest = record.newest_versions(conn, ids)
        outcomes: list[Outcome] = []
        entries: list[tuple[str, str, object]] = []
        spans: list[int] = []
        case_requests: list[tuple[int, review_cases.CaseRequest]] = []
        new_restrictions: dict[str, dict[str, object]] = {}
        changed_under_orders: list[tuple[Content, review_cases.CaseRequest]] = []
        due_jobs: list[dict[str, object]] = []
        for c, fp, (lang, sigs, d), sids, did in zip(
            items, fingerprints, analysed, per_item_ids, decision_ids, strict=True
        ):
            item_entries: list[tuple[str, str, object]] = [
                (
                    "content.stored",
                    c.id,
                    {
                        "id": c.id,
                        "version": c.version,
                        "kind": c.kind.value,
                        "author": c.author,
                        "fingerprint": fp,
                        "upload_country": c.upload_country,
                        "language": lang,
                    },
                )
            ]
            item_entries.extend(
                (
                    "signal.recorded",
                    c.id,
                    {
                        "signal_id": sid,
                        "version": c.version,
                        **s.model_dump(mode="json", exclude_none=True),
                    },
                )
                for sid, s in zip(sids, sigs, strict=True)
            )
            held = in_force[c.id]
            done = record.Recorded(did)
            if d.actions or held:
                done = record.apply(
                    conn,
                    d,
                    did,
                    in_force=held,
                    source=RestrictionSource.AUTOMATED,
                    remoderate=True,
                    newest_version=newest.get(c.id),
                    deferred=new_restrictions,
                    schedule=False,
                    now=now,
                )
                due_jobs.extend(done.jobs)
            item_entries.append(("decision.made", c.id, record.made_payload(d, did, sids, done)))
            item_entries.extend(done.entries)
            if d.review is not None and not done.superseded:
                case_requests.append(
                    (
                        len(outcomes),
                        review_cases.CaseRequest(
                            subject=c.id,
                            item=c,
                            category=d.review.category,
                            severity=d.review.severity,
                            source="proactive",
                            language=_case_language(lang, sigs, d.review.category),
                            decision_id=did,
                            legal_deadline=d.review.deadline,
                        ),
                    )
                )
            if not done.superseded and c.version > 1:
                reviews = _order_reviews(conn, c, held, did)
                case_requests.extend((len(outcomes), req) for req in reviews)
                changed_under_orders.extend((c, req) for req in reviews)
            entries.extend(item_entries)
            spans.append(len(item_entries))
            outcomes.append(Outcome(c, lang, sigs, d, did))
        if new_restrictions:  # one insert for the batch's new restrictions
            conn.execute(insert(restrictions), list(new_restrictions.values()))
        if case_requests:
            case_ids, case_entries = review_cases.open_cases(
                conn, [r for _, r in case_requests], now=now, append=False
            )
            # Each case's entry joins its item's entries, so an outcome's ledger slice stays whole.
            extra: dict[int, list[tuple[str, str, object]]] = {}
            for (pos, _), cid, entry in zip(case_requests, case_ids, case_entries, strict=True):
                if outcomes[pos].case_id is None:
                    outcomes[pos].case_id = cid
                extra.setdefault(pos, []).append(entry)
            merged: list[tuple[str, str, object]] = []
            start = 0
            for pos, n in enumerate(spans):
                merged.extend(entries[start : start + n])
                merged.extend(extra.get(pos, []))
                start += n
                spans[pos] = n + len(extra.get(pos, []))
            entries = merged
        seqs = ledger.append_many(conn, entries)
        # The batch's duties (statements of reasons, expiries) in one insert, same transaction.
        jobs.add(conn, due_jobs)
        if changed_under_orders:
            by_ref = {
                (r.ref, r.subject): cid for (_, r), cid in zip(case_requests, case_ids, strict=True)
            }
            for c, req in changed_under_orders:
                # Legal staff and the authority see on the order that its item changed.
                orders.note_item_changed(
                    conn,
                    (req.ref or "").removeprefix("order:"),
                    item=c.id,
                    version=c.version,
                    case_id=by_ref.get((req.ref, req.subject)),
                    now=now,
                )
        pos = 0
        for outcome, n in zip(outcomes, spans, strict=True):
            outcome.ledger = seqs[pos : pos + n]
            pos += n
        return outcomes


def _case_language(language: str, signals: Sequence[Signal], category: str) -> str:
    """Route by the language of the evidence: a case about text read off an image goes to the
    readers of that text's language, not the caption's."""
    for s in sorted(signals, key=lambda s: -s.score):
        if s.category == category and s.language:
            return s.language
    return language


def _order_reviews(
    conn: Connection, item: Content, held: Sequence[Restriction], decision_id: int
) -> list[review_cases.CaseRequest]:
    """A materially changed version of an item under an order goes back to the order's legal
    team: the order's restriction carries over, and legal checks it still fits the new version."""
    orders_on = sorted(
        {r.source_ref for r in held if r.source is RestrictionSource.ORDER and r.source_ref}
    )
    if not orders_on:
        return []
    before = conn.execute(
        select(content.c.body)
        .where(content.c.content_id == item.id, content.c.version < item.version)
        .order_by(content.c.version.desc())
        .limit(1)
    ).scalar()
    if before is not None and not material_change(Content.model_validate(before), item):
        return []
    out = []
    for ref in orders_on:
        r = next(x for x in held if x.source_ref == ref)
        out.append(
            review_cases.CaseRequest(
                subject=item.id,
                item=item,
                category=r.action.ground.code,
                severity=3,
                source="authority_order",
                jurisdiction=_jurisdiction(r),
                decision_id=decision_id,
                escalated_to="legal",
                ref=ref,
            )
        )
    return out


def _jurisdiction(r: Restriction) -> str | None:
    """The pack whose law a restriction applies (``PK.DECENCY`` → ``PK``)."""
    if r.action.ground.kind != "law":
        return None
    return r.action.ground.code.split(".", 1)[0]


_WORD = re.compile(r"\w+")


def material_change(old: Content, new: Content) -> bool:
    """Whether a new version says or shows something else: other words (letters and digits, in
    any script; emoji, punctuation, spacing and case do not count) or other media."""

    def words(c: Content) -> list[str]:
        return [w.casefold() for t in c.texts.values() for w in _WORD.findall(t)]

    def media(c: Content) -> list[tuple[str, str | None]]:
        return [(m.ref, m.sha256) for m in c.media]

    return words(old) != words(new) or media(old) != media(new)


def load_outcome(conn: Connection, item: Content) -> Outcome:
    """The stored result for an already-moderated version (latest decision on it)."""
    from nigran.store import queries

    record = queries.content_record(conn, item.id, item.version)
    return Outcome(
        content=record.content,
        language=record.language or "und",
        signals=record.signals,
        decision=record.decision,
        decision_id=record.decision_id,
        duplicate=True,
        ledger=record.ledger,
    )


def moderate(
    store: Store,
    items: Iterable[Content],
    detectors: Sequence[Detector] | None = None,
    policy: Policy | None = None,
    *,
    batch_size: int = 256,
) -> BatchResult:
    """Moderate ``items`` in batches; convenience over :class:`Pipeline` for library users."""
    pipe = Pipeline(store, detectors, policy)
    total = BatchResult()
    batch: list[Content] = []
    offset = 0

    def flush() -> None:
        nonlocal offset
        r = pipe.run(batch)
        total.outcomes.extend(r.outcomes)
        total.errors.extend(ItemError(e.index + offset, e.key, e.error) for e in r.errors)
        offset += len(batch)
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return total
