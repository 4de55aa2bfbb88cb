"""Submitting statements to the DSA Transparency Database (``POST /api/v1/statements``).

The database refuses a whole request when one statement in it is invalid or names a ``puid``
it already holds, so the client works per statement:

- every statement sent is recorded (``dsa_submissions``): the statement, its hash, when it was
  sent, in which request, and the answer; each request is ledgered (``dsa.submitted``) in the
  same transaction, and ``nigran audit`` checks the rows against the entries;
- a ``puid`` the database accepted (or answered "already present") is never sent again;
- when a request is refused, the statements the answer names are recorded as rejected (or as
  already present) and the others are sent again at once, without them;
- a failure of the service (5xx, 429, no answer, a refused token) is retried at once with a short
  backoff, up to ``attempts`` times per request; what still failed leaves a due job
  (``dsa.submit``, written with the attempt's record) that the scheduler runs with exponential
  backoff and jitter (:class:`RetryPolicy`, from the settings) until the statement is accepted,
  rejected, or has had ``dsa_retry_max`` attempts (then it is counted as given up, and the next
  ``nigran dsa submit`` sends it again);
- a rejected statement (invalid by the database's rules) is final: not retried, counted, and its
  messages kept;
- a statement rejected before is sent again only once it has changed (its hash differs).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select

from nigran import jobs, ledger
from nigran.config import settings
from nigran.errors import ConfigError, NigranError
from nigran.legal.dsa import BATCH, batches
from nigran.model import utcnow
from nigran.store import Store
from nigran.store.tables import jobs as job_rows
from nigran.store.tables_legal import dsa_submissions

ENDPOINT = "/api/v1/statements"
LEDGER_KIND = "dsa.submitted"
DONE = frozenset({"accepted", "already_present"})

Post = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]
"""(url, body, headers) -> (HTTP status, body); raises OSError when there is no answer."""


class SubmissionRefused(NigranError):
    """The database refused the platform itself (bad token, no rights): nothing can succeed."""


def _urllib_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def _sha(sor: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(sor, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(slots=True)
class SubmitReport:
    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    failed: int = 0
    skipped_done: int = 0
    """Statements whose puid the database already accepted: not sent."""
    skipped_unchanged: int = 0
    """Statements rejected before and unchanged since: not sent."""
    requests: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)
    """puid -> the database's messages, for the rejected ones."""
    retry_at: list[datetime] = field(default_factory=list)
    """When the scheduler sends the failed ones again (one due job per failed request)."""


def last_status(conn: Connection, puids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """puid -> (status, payload hash) of its latest recorded attempt, or accepted if any was."""
    out: dict[str, tuple[str, str]] = {}
    for i in range(0, len(puids), 500):
        rows = conn.execute(
            select(
                dsa_submissions.c.puid, dsa_submissions.c.status, dsa_submissions.c.payload_sha256
            )
            .where(dsa_submissions.c.puid.in_(puids[i : i + 500]))
            .order_by(dsa_submissions.c.id)
        ).all()
        for r in rows:
            if out.get(r.puid, ("", ""))[0] in DONE:
                continue
            out[r.puid] = (r.status, r.payload_sha256)
    return out


def _errors_by_index(answer: Any, n: int) -> dict[int, list[str]] | None:
    """The statements a 422 answer names, by index in the request; None if it names none we
    can place (then the whole request counts as failed)."""
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if not isinstance(errors, dict):
        return None
    out: dict[int, list[str]] = {}
    for key, msgs in errors.items():
        m = re.search(r"(\d+)", str(key))
        if m is None or int(m.group(1)) >= n:
            return None
        field_name = str(key).split(".", 2)[-1] if str(key).count(".") >= 2 else ""
        texts = msgs if isinstance(msgs, list) else [msgs]
        out.setdefault(int(m.group(1)), []).extend(
            f"{field_name}: {t}" if field_name else str(t) for t in texts
        )
    return out or None


def _already_present(messages: list[str]) -> bool:
    """Whether the only complaint is that the puid is already in the database."""
    return bool(messages) and all(m.startswith("puid:") and "unique" in m.lower() for m in messages)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed statement is tried again, as a due job (``dsa.submit``)."""

    max_attempts: int = 8
    """Attempts per statement, the first included; then it is given up (and counted)."""
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=6)
    jitter: float = 0.25
    """Up to this share of the wait is added at random, so that many platforms' (or many
    batches') retries after one outage do not all arrive at once."""

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        cfg = settings()
        return cls(
            cfg.dsa_retry_max,
            timedelta(seconds=cfg.dsa_retry_base_s),
            timedelta(seconds=cfg.dsa_retry_cap_s),
        )

    def wait(self, failures: int, rng: random.Random) -> timedelta | None:
        """The wait after the ``failures``-th failed attempt, or None: give up."""
        if failures >= self.max_attempts:
            return None
        step = min(self.cap, self.base * (1 << max(failures - 1, 0)))
        return step * (1 + rng.uniform(0, self.jitter))


_rng = random.Random()


@dataclass(frozen=True, slots=True)
class _Answer:
    code: int
    answer: Any
    statuses: list[str]
    per: dict[int, list[str]]


def _exchange(post: Post, endpoint: str, headers: dict[str, str], queue: list[Any]) -> _Answer:
    """One request, and what it says about each statement in it."""
    try:
        code, raw = post(endpoint, orjson.dumps({"statements": queue}), headers)
    except OSError as exc:
        code, raw = 0, str(exc).encode()
    try:
        answer: Any = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        answer = {"text": raw.decode("utf-8", "replace")[:2000]}
    per: dict[int, list[str]] = {}
    if 200 <= code < 300:
        statuses = ["accepted"] * len(queue)
    elif code == 422 and (found := _errors_by_index(answer, len(queue))) is not None:
        per = found
        statuses = [
            ("already_present" if _already_present(per[i]) else "rejected")
            if i in per
            else "deferred"
            for i in range(len(queue))
        ]
    else:
        # No answer, 5xx, 429, a 422 naming no statement, 401/403: nothing in the request was
        # judged, so each is tried again later.
        statuses = ["failed"] * len(queue)
    return _Answer(code, answer, statuses, per)


def _headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def _tally(report: SubmitReport, queue: list[dict[str, Any]], a: _Answer) -> None:
    for i, (sor, st) in enumerate(zip(queue, a.statuses, strict=True)):
        if st == "accepted":
            report.accepted += 1
        elif st == "already_present":
            report.already_present += 1
        elif st == "rejected":
            report.rejected += 1
            report.problems[sor["puid"]] = a.per[i]


def submit(
    store: Store,
    statements: Sequence[dict[str, Any]],
    *,
    url: str,
    token: str | None,
    batch: int = BATCH,
    attempts: int = 3,
    backoff_s: float = 2.0,
    post: Post = _urllib_post,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
    retry: RetryPolicy | None = None,
) -> SubmitReport:
    """Send ``statements`` (already validated) to ``url``, recording each attempt.

    A request that still fails after ``attempts`` tries here leaves a due job (``dsa.submit``)
    written with its last attempt's record, so the scheduler tries its statements again with
    backoff (``retry``, default from the settings).
    """
    if not token:
        raise ConfigError("no DSA Transparency Database token: set NIGRAN_DSA_TOKEN")
    policy = retry or RetryPolicy.from_settings()
    report = SubmitReport()
    with store.read() as conn:
        known = last_status(conn, [s["puid"] for s in statements])
    pending: list[dict[str, Any]] = []
    for sor in statements:
        status, sha = known.get(sor["puid"], ("", ""))
        if status in DONE:
            report.skipped_done += 1
        elif status == "rejected" and sha == _sha(sor):
            report.skipped_unchanged += 1
        else:
            pending.append(sor)
    headers = _headers(token)
    endpoint = url.rstrip("/") + ENDPOINT
    for chunk in batches(pending, batch):
        queue = list(chunk)
        tries = 0
        while queue:
            batch_id = uuid.uuid4().hex
            sent_at = clock()
            report.requests += 1
            a = _exchange(post, endpoint, headers, queue)
            answered = clock()
            final = "failed" in a.statuses and tries + 1 >= attempts
            with store.transaction() as conn:
                retry_at = _record(
                    conn,
                    queue,
                    a,
                    batch_id,
                    tries + 1,
                    sent_at,
                    answered,
                    retry=policy if final else None,
                )
            if a.code in (401, 403):
                raise SubmissionRefused(
                    f"the Transparency Database refused the platform (HTTP {a.code}); "
                    "check NIGRAN_DSA_TOKEN"
                )
            _tally(report, queue, a)
            if "failed" in a.statuses:
                tries += 1
                if final:
                    report.failed += len(queue)
                    if retry_at is not None:
                        report.retry_at.append(retry_at)
                    break
                sleep(backoff_s * 2 ** (tries - 1))
                continue
            # Refused because of others: send the rest again, without those named.
            queue = [s for s, st in zip(queue, a.statuses, strict=True) if st == "deferred"]
    return report


@dataclass(frozen=True, slots=True)
class _Sent:
    queue: list[dict[str, Any]]
    answer: _Answer
    batch_id: str
    attempt: int


def send_retry(
    conn: Connection, batch_id: str, *, post: Post = _urllib_post
) -> Callable[[Connection, datetime], SubmitReport]:
    """The network half of the ``dsa.submit`` job, run by the scheduler *outside* the job's
    transaction (``conn`` only reads): send again the statements of the failed request
    ``batch_id`` whose latest attempt is that one (a puid accepted since, or sent again by
    ``nigran dsa submit``, is left alone). Returns the half that records the answers in the
    job's transaction (a failure writing the next due job, a rejection final).

    No transaction waits on the Transparency Database. Should the job's claim be lost between
    the halves, the statements were sent but not recorded; the process that took the job over
    sends them again, and the database answers that it holds those puids (recorded as
    ``already_present``), so nothing is stored twice."""
    cfg = settings()
    if not cfg.dsa_token:
        raise ConfigError("no DSA Transparency Database token: set NIGRAN_DSA_TOKEN")
    rows = conn.execute(
        select(dsa_submissions.c.puid, dsa_submissions.c.payload).where(
            dsa_submissions.c.batch_id == batch_id, dsa_submissions.c.status == "failed"
        )
    ).all()
    latest = _latest(conn, [r.puid for r in rows])
    queue = [dict(r.payload) for r in rows if latest.get(r.puid) == (batch_id, "failed")]
    attempt = 1 + _failures(conn, [s["puid"] for s in queue])
    headers = _headers(cfg.dsa_token)
    endpoint = cfg.dsa_url.rstrip("/") + ENDPOINT
    sent: list[_Sent] = []
    while queue:
        a = _exchange(post, endpoint, headers, queue)
        sent.append(_Sent(queue, a, uuid.uuid4().hex, attempt))
        if "failed" in a.statuses:
            break
        queue = [s for s, st in zip(queue, a.statuses, strict=True) if st == "deferred"]

    def record(conn: Connection, now: datetime) -> SubmitReport:
        policy = RetryPolicy.from_settings()
        report = SubmitReport(requests=len(sent))
        for x in sent:
            retry_at = _record(
                conn, x.queue, x.answer, x.batch_id, x.attempt, now, now, retry=policy
            )
            _tally(report, x.queue, x.answer)
            if "failed" in x.answer.statuses:
                report.failed += len(x.queue)
                if retry_at is not None:
                    report.retry_at.append(retry_at)
        return report

    return record


def retry_batch(
    conn: Connection, batch_id: str, *, now: datetime, post: Post = _urllib_post
) -> SubmitReport:
    """Both halves of the ``dsa.submit`` job in ``conn`` (for a caller that holds no lock worth
    sparing; the scheduler runs the network half outside the job's transaction)."""
    return send_retry(conn, batch_id, post=post)(conn, now)


def _latest(conn: Connection, puids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """puid -> (batch id, status) of its latest attempt."""
    out: dict[str, tuple[str, str]] = {}
    for i in range(0, len(puids), 500):
        for r in conn.execute(
            select(dsa_submissions.c.puid, dsa_submissions.c.batch_id, dsa_submissions.c.status)
            .where(dsa_submissions.c.puid.in_(puids[i : i + 500]))
            .order_by(dsa_submissions.c.id)
        ):
            out[r.puid] = (r.batch_id, r.status)
    return out


def _failures(conn: Connection, puids: Sequence[str]) -> int:
    """The most failed attempts any of ``puids`` has had."""
    if not puids:
        return 0
    counts = conn.execute(
        select(func.count())
        .where(dsa_submissions.c.puid.in_(list(puids)), dsa_submissions.c.status == "failed")
        .group_by(dsa_submissions.c.puid)
    ).scalars()
    return max((int(n) for n in counts), default=0)


def _answer_for(answer: Any, i: int, n: int, per: dict[int, list[str]]) -> Any:
    """The part of the answer about statement ``i``: its own messages, its own entry of a
    success answer, or (a failure of the whole request) the answer itself."""
    if i in per:
        return {"errors": per[i]}
    if isinstance(answer, dict):
        items = answer.get("statements")
        if isinstance(items, list) and len(items) == n:
            return items[i]
        if "errors" in answer:
            return {"deferred": "the request was refused for other statements in it"}
    return answer


def _record(
    conn: Connection,
    queue: Sequence[dict[str, Any]],
    a: _Answer,
    batch_id: str,
    attempt: int,
    sent_at: datetime,
    answered: datetime,
    *,
    retry: RetryPolicy | None,
) -> datetime | None:
    """Record one request's statements in ``conn``, and ledger the request (one
    ``dsa.submitted`` entry: each puid's outcome and statement hash, the answer's status, when,
    and the retry); where they failed and ``retry`` is given, write the due job that sends them
    again, in the same transaction, and return its time (None: no retry, or the statements have
    had their attempts and are given up)."""
    conn.execute(
        insert(dsa_submissions),
        [
            {
                "puid": sor["puid"],
                "batch_id": batch_id,
                "attempt": attempt,
                "payload": sor,
                "payload_sha256": _sha(sor),
                "sent_at": sent_at,
                "status": st,
                "http_status": a.code or None,
                "answer": _answer_for(a.answer, i, len(queue), a.per),
                "answered_at": answered,
            }
            for i, (sor, st) in enumerate(zip(queue, a.statuses, strict=True))
        ],
    )
    at: datetime | None = None
    if retry is not None and "failed" in a.statuses:
        wait = retry.wait(_failures(conn, [s["puid"] for s in queue]), _rng)
        if wait is not None:
            at = answered + wait
            jobs.add(conn, [jobs.due(jobs.DSA_SUBMIT, batch_id, at, now=answered)])
    ledger.append(
        conn,
        LEDGER_KIND,
        f"dsa-batch:{batch_id}",
        {
            "batch_id": batch_id,
            "attempt": attempt,
            "http_status": a.code or None,
            "sent_at": sent_at.isoformat(),
            "answered_at": answered.isoformat(),
            "statements": {
                sor["puid"]: [st, _sha(sor)] for sor, st in zip(queue, a.statuses, strict=True)
            },
            "retry_at": at.isoformat() if at is not None else None,
        },
    )
    return at


@dataclass(frozen=True, slots=True)
class Overview:
    """Where the statements stand, by each one's latest attempt."""

    accepted: int
    rejected: int
    """Refused by the database as invalid: not retried; fixed statements are sent again."""
    retry_pending: int
    """Failed, with a due job to send them again."""
    given_up: int
    """Failed, with no retry left: ``nigran dsa submit`` sends them again."""


def overview(conn: Connection) -> Overview:
    last = (
        select(func.max(dsa_submissions.c.id).label("id"))
        .group_by(dsa_submissions.c.puid)
        .subquery()
    )
    pending = (
        select(job_rows.c.ref)
        .where(
            job_rows.c.kind == jobs.DSA_SUBMIT,
            job_rows.c.done_at.is_(None),
            job_rows.c.failed_at.is_(None),
        )
        .scalar_subquery()
    )
    n: dict[str, int] = {}
    for status, waiting, count in conn.execute(
        select(
            dsa_submissions.c.status,
            dsa_submissions.c.batch_id.in_(pending),
            func.count(),
        )
        .join(last, last.c.id == dsa_submissions.c.id)
        .group_by(dsa_submissions.c.status, dsa_submissions.c.batch_id.in_(pending))
    ):
        key = status if status != "failed" else ("retry" if waiting else "given_up")
        n[key] = n.get(key, 0) + int(count)
    return Overview(
        n.get("accepted", 0) + n.get("already_present", 0),
        n.get("rejected", 0),
        n.get("retry", 0),
        n.get("given_up", 0),
    )


def problems(conn: Connection, *, limit: int = 1000) -> list[dict[str, Any]]:
    """The statements whose latest attempt was rejected (invalid: not retried) or failed with no
    retry pending (given up): puid, status, when, and the database's messages."""
    last = (
        select(func.max(dsa_submissions.c.id).label("id"))
        .group_by(dsa_submissions.c.puid)
        .subquery()
    )
    pending = select(job_rows.c.ref).where(
        job_rows.c.kind == jobs.DSA_SUBMIT,
        job_rows.c.done_at.is_(None),
        job_rows.c.failed_at.is_(None),
    )
    rows = conn.execute(
        select(dsa_submissions)
        .join(last, last.c.id == dsa_submissions.c.id)
        .where(
            (dsa_submissions.c.status == "rejected")
            | ((dsa_submissions.c.status == "failed") & dsa_submissions.c.batch_id.not_in(pending))
        )
        .order_by(dsa_submissions.c.sent_at, dsa_submissions.c.id)
        .limit(limit)
    )
    return [
        {
            "puid": r.puid,
            "status": "rejected" if r.status == "rejected" else "given_up",
            "sent_at": r.sent_at,
            "attempt": r.attempt,
            "http_status": r.http_status,
            "answer": r.answer,
        }
        for r in rows
    ]
