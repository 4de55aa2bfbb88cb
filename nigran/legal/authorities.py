"""Authority accounts and role-scoped API keys.

One account per authority (``PTA``; courts send through PTA). A key carries one role:

- ``authority``: sends orders and sees only its own authority's orders;
- ``legal``: a legal reviewer (decides orders, reports and appeals);
- ``platform``: the platform's backend, filing reports and appeals on behalf of its users;
- ``flagger``: a trusted flagger's own account (DSA Art. 22), filing its notices itself: only
  notices filed with such a key count as a trusted flagger's;
- ``admin``: manages authorities and keys.

This small table stands in until the review room's accounts and roles land; keys are stored
only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Connection, insert, select, update

from nigran import ledger
from nigran.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from nigran.model import utcnow
from nigran.policy.packs import PackSet, default_packs
from nigran.store.tables_legal import api_keys, authorities

Role = Literal["authority", "legal", "platform", "flagger", "admin"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str
    authority_id: str | None = None

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role!r} may not do this (needs one of {list(roles)})")


@dataclass(frozen=True, slots=True)
class Authority:
    id: str
    name: str
    jurisdiction: str
    requester: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_authority(
    conn: Connection,
    id: str,
    name: str,
    jurisdiction: str,
    requester: str,
    *,
    packs: PackSet | None = None,
    now: datetime | None = None,
) -> Authority:
    """Register an authority; ``requester`` must be one the jurisdiction's packs know."""
    packs = packs or default_packs()
    jurisdiction = jurisdiction.upper()
    known = {r for p in packs.packs_for_country(jurisdiction) for r in p.regulators}
    if not known:
        raise InvalidInput(f"no jurisdiction pack covers {jurisdiction}", where="jurisdiction")
    if requester not in known:
        raise InvalidInput(
            f"{requester!r} is not a requester in the {jurisdiction} packs; known: {sorted(known)}",
            where="requester",
        )
    if get_authority(conn, id, missing_ok=True) is not None:
        raise InvalidInput(f"authority {id!r} already exists", where="id")
    conn.execute(
        insert(authorities).values(
            id=id,
            name=name,
            jurisdiction=jurisdiction,
            requester=requester,
            created_at=now or utcnow(),
        )
    )
    ledger.append(
        conn,
        "authority.added",
        f"authority:{id}",
        {"id": id, "name": name, "jurisdiction": jurisdiction, "requester": requester},
    )
    return Authority(id, name, jurisdiction, requester)


def get_authority(conn: Connection, id: str, *, missing_ok: bool = False) -> Authority | None:
    row = conn.execute(select(authorities).where(authorities.c.id == id)).one_or_none()
    if row is None:
        if missing_ok:
            return None
        raise NotFound(f"no authority {id!r}", where="authority")
    return Authority(row.id, row.name, row.jurisdiction, row.requester)


def create_key(
    conn: Connection,
    principal: str,
    role: str,
    *,
    authority_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new API key (returned once, stored hashed)."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; roles: {list(ROLES)}", where="role")
    if (role == "authority") != (authority_id is not None):
        raise InvalidInput("an authority key needs --authority, and only an authority key does")
    if authority_id is not None:
        get_authority(conn, authority_id)
    key = "ngk_" + secrets.token_urlsafe(24)
    conn.execute(
        insert(api_keys).values(
            key_hash=_hash(key),
            principal=principal,
            role=role,
            authority_id=authority_id,
            created_at=now or utcnow(),
        )
    )
    ledger.append(
        conn,
        "key.created",
        f"principal:{principal}",
        {"principal": principal, "role": role, "authority": authority_id, "key": _hash(key)[:12]},
    )
    return key


def revoke_key(conn: Connection, key: str, *, now: datetime | None = None) -> None:
    n = conn.execute(
        update(api_keys)
        .where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    ).rowcount
    if not n:
        raise NotFound("no such active key")
    ledger.append(conn, "key.revoked", "key", {"key": _hash(key)[:12]})


def authenticate(conn: Connection, key: str | None) -> Principal:
    if not key:
        raise Unauthorized("send an API key: 'Authorization: Bearer <key>'")
    row = conn.execute(
        select(api_keys).where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(row.principal, row.role, row.authority_id)
