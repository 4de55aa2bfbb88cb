"""The state tables checked against the ledger: tamper evidence past the chain itself.

The hash chain proves its own entries unaltered; the tables that the serving path and the reports
read (``decisions``, ``restrictions``, ``enforcement``) are not in it. Every change to them is
ledgered in the same transaction, so each row can be checked against its entries:

- a decision row against its ``decision.made`` entry (outcome, actions, who decided, when, the
  statement);
- a restriction row against its ``restriction.added`` (or ``restriction.migrated``) entry, and,
  once lifted, its ``restriction.lifted`` entry; an entry without its row is reported too;
- each per-country enforcement row against the fold of the active restrictions, and against the
  last ``enforcement.changed`` / ``enforcement.expired`` entry for that country (a visibility
  edited in place shows up in both).

- each ``dsa_submissions`` row (a statement sent to the DSA Transparency Database) against its
  request's ``dsa.submitted`` entry (outcome, statement hash, attempt, answer status, times), and
  the statement stored in the row against its hash: a submission record edited, added or deleted
  outside Nigran shows.

``check`` returns one line per disagreement, naming the row; an empty list means the tables say
what the ledger says.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from nigran.model import Restriction, utcnow
from nigran.policy.visibility import country_states
from nigran.store.queries import restriction_from_row
from nigran.store.tables import decisions, enforcement, restrictions
from nigran.store.tables import ledger as ledger_table
from nigran.store.tables_legal import dsa_submissions

_DECISION_FIELDS = (
    "content_id",
    "version",
    "policy_version",
    "outcome",
    "automated",
    "decided_by",
    "actions",
    "statement",
    "decided_at",
)
_KINDS = (
    "decision.made",
    "restriction.added",
    "restriction.migrated",
    "restriction.lifted",
    "enforcement.changed",
    "enforcement.expired",
    "dsa.submitted",
)


@dataclass(slots=True)
class _Seen:
    decisions: dict[int, dict[str, Any]]
    added: dict[str, dict[str, Any]]
    lifted: dict[str, dict[str, Any]]
    visibility: dict[tuple[str, str], str]
    submissions: dict[str, dict[str, Any]]


def _entries(conn: Connection) -> _Seen:
    seen = _Seen({}, {}, {}, {}, {})
    rows = conn.execute(
        select(ledger_table.c.kind, ledger_table.c.subject, ledger_table.c.payload)
        .where(ledger_table.c.kind.in_(_KINDS))
        .order_by(ledger_table.c.seq)
    )
    for kind, subject, raw in rows:
        p = orjson.loads(raw)
        if kind == "decision.made":
            seen.decisions[int(p["decision_id"])] = p
        elif kind in ("restriction.added", "restriction.migrated"):
            seen.added[str(p["id"])] = p
        elif kind == "restriction.lifted":
            seen.lifted[str(p["restriction_id"])] = p
        elif kind == "dsa.submitted":
            seen.submissions[str(p["batch_id"])] = p
        else:
            seen.visibility[(subject, str(p["country"]))] = str(p["to"])
    return seen


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.fromisoformat(str(value)).isoformat()


def _restriction_facts(r: Restriction) -> dict[str, Any]:
    a = r.action
    return {
        "content_id": r.content_id,
        "action": a.type.value,
        "countries": list(a.scope.countries) if a.scope.countries is not None else None,
        "ground": f"{a.ground.kind}:{a.ground.code}",
        "min_age": a.min_age,
        "source": r.source.value,
        "source_ref": r.source_ref,
        "decided_by": r.decided_by,
        "expires_at": _iso(a.expires_at),
    }


def _entry_facts(p: dict[str, Any]) -> dict[str, Any]:
    """The same facts from a ``restriction.added`` (model dump) or ``restriction.migrated``
    (row) payload."""
    action = p.get("action")
    if isinstance(action, dict):
        scope = action.get("scope") or {}
        ground = action["ground"]
        return {
            "content_id": p["content_id"],
            "action": action["type"],
            "countries": scope.get("countries"),
            "ground": f"{ground['kind']}:{ground['code']}",
            "min_age": action.get("min_age"),
            "source": p["source"],
            "source_ref": p.get("source_ref"),
            "decided_by": p["decided_by"],
            "expires_at": _iso(action.get("expires_at")),
        }
    return {
        "content_id": p["content_id"],
        "action": action,
        "countries": p.get("countries"),
        "ground": f"{p['ground_kind']}:{p['ground_code']}",
        "min_age": p.get("min_age"),
        "source": p["source"],
        "source_ref": p.get("source_ref"),
        "decided_by": p["decided_by"],
        "expires_at": _iso(p.get("expires_at")),
    }


def check(conn: Connection, *, now: datetime | None = None) -> list[str]:
    """Every row of decisions, restrictions and enforcement that disagrees with the ledger."""
    now = now or utcnow()
    seen = _entries(conn)
    problems: list[str] = []

    for row in conn.execute(select(decisions).order_by(decisions.c.id)):
        entry = seen.decisions.pop(int(row.id), None)
        if entry is None:
            problems.append(f"decision {row.id}: no decision.made entry in the ledger")
            continue
        # The row's own columns (not re-derived: an edited outcome must show).
        stored = {f: getattr(row, f) for f in _DECISION_FIELDS if f != "version"}
        stored["version"] = row.version
        stored["decided_at"] = _iso(row.decided_at)
        for f in _DECISION_FIELDS:
            if _norm(stored.get(f)) != _norm(entry.get(f)):
                problems.append(
                    f"decision {row.id}: {f} is {stored.get(f)!r} in the table, "
                    f"{entry.get(f)!r} in the ledger"
                )
    problems += [f"decision {d}: ledgered but missing from the table" for d in seen.decisions]

    active: dict[str, list[Restriction]] = {}
    for row in conn.execute(select(restrictions).order_by(restrictions.c.id)):
        r = restriction_from_row(row)
        entry = seen.added.pop(r.id, None)
        if entry is None:
            problems.append(f"restriction {r.id}: no restriction.added entry in the ledger")
        else:
            mine, theirs = _restriction_facts(r), _entry_facts(entry)
            problems += [
                f"restriction {r.id}: {k} is {mine[k]!r} in the table, {theirs[k]!r} in the ledger"
                for k in mine
                if mine[k] != theirs[k]
            ]
        lift = seen.lifted.pop(r.id, None)
        if r.lifted_at is None:
            if lift is not None:
                problems.append(f"restriction {r.id}: lifted in the ledger, active in the table")
            else:
                active.setdefault(r.content_id, []).append(r)
        elif lift is None:
            problems.append(f"restriction {r.id}: lifted in the table, never in the ledger")
        elif lift.get("lifted_by") != (r.lifted_by.value if r.lifted_by else None):
            problems.append(
                f"restriction {r.id}: lifted by {r.lifted_by} in the table, "
                f"{lift.get('lifted_by')} in the ledger"
            )
    problems += [f"restriction {rid}: ledgered but missing from the table" for rid in seen.added]

    rows: dict[tuple[str, str], Any] = {
        (r.content_id, r.country): r for r in conn.execute(select(enforcement))
    }
    for cid in sorted({c for c, _ in rows} | set(active)):
        held = active.get(cid, [])
        # Rows are folded when restrictions change; one that expired since may still be in them.
        folds = (country_states(held, now), country_states(held))
        mine = {country: r.visibility for (c, country), r in rows.items() if c == cid}
        if not any(mine == {k: v.visibility.value for k, v in f.items()} for f in folds):
            problems.append(
                f"enforcement {cid}: rows {dict(sorted(mine.items()))} are not the fold of its "
                "active restrictions"
            )
    for (cid, country), row in rows.items():
        ledgered = seen.visibility.get((cid, country))
        if ledgered != row.visibility:
            problems.append(
                f"enforcement {cid}/{country}: {row.visibility} in the table, "
                f"{ledgered or 'no entry'} in the ledger"
            )
    for (cid, country), to in seen.visibility.items():
        if (cid, country) not in rows and to != "visible":
            problems.append(f"enforcement {cid}/{country}: {to} in the ledger, no row in the table")
    problems += _submissions(conn, seen.submissions)
    return problems


def _sha(statement: Any) -> str:
    return hashlib.sha256(orjson.dumps(statement, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _submissions(conn: Connection, entries: dict[str, dict[str, Any]]) -> list[str]:
    """Each DSA submission row against its request's ``dsa.submitted`` entry."""
    problems: list[str] = []
    left: dict[str, dict[str, Any]] = {
        b: dict(e["statements"])
        for b, e in entries.items()
        if isinstance(e.get("statements"), dict)
    }
    for row in conn.execute(select(dsa_submissions).order_by(dsa_submissions.c.id)):
        where = f"dsa submission {row.id} ({row.puid}, request {row.batch_id})"
        entry = entries.get(row.batch_id)
        outcome = left.get(row.batch_id, {}).pop(row.puid, None)
        if entry is None or outcome is None:
            problems.append(f"{where}: no dsa.submitted entry in the ledger")
            continue
        status, sha = outcome
        mine = {
            "status": row.status,
            "statement hash": row.payload_sha256,
            "attempt": row.attempt,
            "http status": row.http_status,
            "sent at": _iso(row.sent_at),
            "answered at": _iso(row.answered_at),
        }
        theirs = {
            "status": status,
            "statement hash": sha,
            "attempt": entry.get("attempt"),
            "http status": entry.get("http_status"),
            "sent at": _iso(entry.get("sent_at")),
            "answered at": _iso(entry.get("answered_at")),
        }
        problems += [
            f"{where}: {k} is {mine[k]!r} in the table, {theirs[k]!r} in the ledger"
            for k in mine
            if mine[k] != theirs[k]
        ]
        if _sha(row.payload) != row.payload_sha256:
            problems.append(f"{where}: the statement stored does not match its hash (edited)")
    problems += [
        f"dsa submission of {puid} in request {b}: ledgered but missing from the table"
        for b, rest in left.items()
        for puid in rest
    ]
    return problems


def _norm(value: Any) -> Any:
    """Compare JSON as JSON: key order and tuples against lists do not matter."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
