"""Submitting statements to the DSA Transparency Database (``POST /api/v1/statements``).

The database refuses a whole request when one statement in it is invalid or names a ``puid``
it already holds, so the client works per statement:

- every statement sent is recorded (``dsa_submissions``): the statement, its hash, when it was
  sent, in which request, and the answer;
- a ``puid`` the database accepted (or answered "already present") is never sent again;
- when a request is refused, the statements the answer names are recorded as rejected (or as
  already present) and the others are sent again at once, without them;
- a failure of the service (5xx, 429, no answer) is retried with backoff, up to ``attempts``
  times per request; what still failed is sent again by the next run;
- a statement rejected before is sent again only once it has changed (its hash differs).
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from nigran.errors import ConfigError, NigranError
from nigran.legal.dsa import BATCH, batches
from nigran.model import utcnow
from nigran.store import Store
from nigran.store.tables_legal import dsa_submissions

ENDPOINT = "/api/v1/statements"
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
) -> SubmitReport:
    """Send ``statements`` (already validated) to ``url``, recording each attempt."""
    if not token:
        raise ConfigError("no DSA Transparency Database token: set NIGRAN_DSA_TOKEN")
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
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    endpoint = url.rstrip("/") + ENDPOINT
    for chunk in batches(pending, batch):
        queue = list(chunk)
        tries = 0
        while queue:
            batch_id = uuid.uuid4().hex
            sent_at = clock()
            body = orjson.dumps({"statements": queue})
            report.requests += 1
            try:
                code, raw = post(endpoint, body, headers)
            except OSError as exc:
                code, raw = 0, str(exc).encode()
            answered = clock()
            try:
                answer: Any = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                answer = {"text": raw.decode("utf-8", "replace")[:2000]}
            statuses: list[str]
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
                statuses = ["failed"] * len(queue)
            _record(
                store, queue, statuses, batch_id, tries + 1, sent_at, code, answer, per, answered
            )
            if code in (401, 403):
                raise SubmissionRefused(
                    f"the Transparency Database refused the platform (HTTP {code}); "
                    "check NIGRAN_DSA_TOKEN"
                )
            for sor, st in zip(queue, statuses, strict=True):
                if st == "accepted":
                    report.accepted += 1
                elif st == "already_present":
                    report.already_present += 1
                elif st == "rejected":
                    report.rejected += 1
                    report.problems[sor["puid"]] = per[queue.index(sor)]
            if "failed" in statuses:
                tries += 1
                if tries >= attempts:
                    report.failed += len(queue)
                    break
                sleep(backoff_s * 2 ** (tries - 1))
                continue
            # Refused because of others: send the rest again, without those named.
            queue = [s for s, st in zip(queue, statuses, strict=True) if st == "deferred"]
    return report


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
    store: Store,
    queue: Sequence[dict[str, Any]],
    statuses: Sequence[str],
    batch_id: str,
    attempt: int,
    sent_at: datetime,
    code: int,
    answer: Any,
    per: dict[int, list[str]],
    answered: datetime,
) -> None:
    with store.transaction() as conn:
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
                    "http_status": code or None,
                    "answer": _answer_for(answer, i, len(queue), per),
                    "answered_at": answered,
                }
                for i, (sor, st) in enumerate(zip(queue, statuses, strict=True))
            ],
        )
