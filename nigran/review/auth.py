"""People and their rights: argon2 passwords, console sessions, API tokens, roles, throttling.

Roles:
- ``reviewer`` claims and decides cases in the queues assigned to them, nothing else;
- ``lead`` sees every queue, takes cases escalated to a lead, runs QA and sees the dashboards;
- ``legal`` takes cases escalated to legal (in any queue) and may decide on legal grounds;
- ``authority`` is an outside requester: no access to review at all (orders have their own area);
- ``admin`` manages users and may do everything.

Secrets are stored only as hashes: passwords with argon2id, session cookies and API tokens as
SHA-256 (they are long random values, so a fast hash is enough and lookups stay one index probe).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, and_, delete, func, insert, select, update

from nigran.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from nigran.model import utcnow
from nigran.review.cases import Reviewer
from nigran.store import Store
from nigran.store.tables_review import api_tokens, login_attempts, sessions, users

ROLES = ("reviewer", "lead", "legal", "authority", "admin")
REVIEW_ROLES = frozenset({"reviewer", "lead", "legal", "admin"})
SESSION_HOURS = 12
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30
DEFAULT_WELLNESS: dict[str, Any] = {
    # What a reviewer sets for themselves (nigran.review.wellness); blur is a strength 0-3.
    "blur": 2,
    "greyscale": True,
    "mute": True,
    "severe_cap": 40,
    "shift_hours": 8,
    "queue_thumbnails": False,
    "autoplay": False,
    "exposure_limit": None,
}

_hasher = PasswordHasher()
# Verifying against this when the user does not exist costs the same as a real check, so the
# response time does not tell an attacker which user names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    id: str
    display_name: str
    roles: frozenset[str]
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    queues: frozenset[str] = frozenset()
    wellness: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_WELLNESS))
    active: bool = True

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(set(roles) & self.roles)

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden(f"this needs the role {' or '.join(roles)}", where=self.id)

    def reviewer(self) -> Reviewer:
        cap = self.wellness.get("severe_cap")
        return Reviewer(
            self.id,
            self.roles,
            self.queues,
            int(cap) if cap is not None else None,
            frozenset(self.categories),
        )


def _user(row: Any) -> User:
    return User(
        id=row.id,
        display_name=row.display_name,
        roles=frozenset(row.roles),
        languages=tuple(row.languages),
        categories=tuple(row.categories),
        queues=frozenset(row.queues),
        wellness={**DEFAULT_WELLNESS, **(row.wellness or {})},
        active=bool(row.active),
    )


def _check_roles(roles: Iterable[str]) -> list[str]:
    out = sorted(set(roles))
    bad = [r for r in out if r not in ROLES]
    if bad or not out:
        raise InvalidInput(f"roles must be some of {', '.join(ROLES)}; got {out}", where="roles")
    return out


def add_user(
    store: Store,
    user_id: str,
    password: str,
    *,
    roles: Sequence[str] = ("reviewer",),
    display_name: str | None = None,
    languages: Sequence[str] = (),
    categories: Sequence[str] = (),
    queues: Sequence[str] = (),
    wellness: dict[str, Any] | None = None,
) -> User:
    if (
        not user_id
        or len(user_id) > 64
        or not user_id.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise InvalidInput("user id: 1-64 letters, digits, '.', '-' or '_'", where="id")
    if len(password) < 10:
        raise InvalidInput("password must be at least 10 characters", where="password")
    with store.transaction() as conn:
        # Ids are unique whatever their case: "Farah" and "farah" are one person, so separation
        # of duties (comparing ids) cannot be dodged by a capital letter.
        taken = conn.execute(
            select(users.c.id).where(func.lower(users.c.id) == user_id.lower())
        ).first()
        if taken:
            raise InvalidInput(f"user {taken.id!r} already exists", where=user_id)
        conn.execute(
            insert(users).values(
                id=user_id,
                display_name=display_name or user_id,
                password_hash=_hasher.hash(password),
                roles=_check_roles(roles),
                languages=list(languages),
                categories=list(categories),
                queues=sorted(set(queues)),
                wellness={**DEFAULT_WELLNESS, **(wellness or {})},
                active=True,
                created_at=utcnow(),
            )
        )
    return get_user(store, user_id)


def update_user(store: Store, user_id: str, **changes: Any) -> User:
    allowed = {"roles", "languages", "categories", "queues", "wellness", "active", "display_name"}
    if set(changes) - allowed:
        raise InvalidInput(f"cannot change {sorted(set(changes) - allowed)}", where=user_id)
    if "roles" in changes:
        changes["roles"] = _check_roles(changes["roles"])
    if "password" in changes:  # pragma: no cover - guarded by `allowed`
        raise InvalidInput("use set_password", where=user_id)
    with store.transaction() as conn:
        if conn.execute(update(users).where(users.c.id == user_id).values(**changes)).rowcount == 0:
            raise NotFound(f"no user {user_id!r}", where=user_id)
    return get_user(store, user_id)


def set_wellness(store: Store, user_id: str, changes: dict[str, Any]) -> User:
    """Save a reviewer's own wellness preferences (only the keys they may set)."""
    from nigran.review import wellness

    current = get_user(store, user_id).wellness
    return update_user(store, user_id, wellness=wellness.merged(current, changes))


def get_user(store: Store, user_id: str) -> User:
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
    if row is None:
        raise NotFound(f"no user {user_id!r}", where=user_id)
    return _user(row)


def find_user(store: Store, name: str) -> User:
    """The user a person named on the command line is: the id exactly, else the one id equal to
    it ignoring case."""
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.id == name)).one_or_none()
        if row is None:
            found = conn.execute(select(users).where(func.lower(users.c.id) == name.lower())).all()
            row = found[0] if len(found) == 1 else None
    if row is None:
        raise NotFound(
            f"no user {name!r}: decisions are taken by named users (nigran users add)",
            where=name,
        )
    return _user(row)


def acting_user(store: Store, name: str, *roles: str) -> User:
    """The named user, who must exist, be active and hold one of ``roles`` (or admin)."""
    user = find_user(store, name)
    if not user.active:
        raise Forbidden(f"user {user.id} is deactivated", where=user.id)
    user.require(*roles)
    return user


def list_users(store: Store) -> list[User]:
    with store.read() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]


# -- sessions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    csrf: str
    user: User


def _failures(conn: Connection, column: Any, value: str, since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(login_attempts)
            .where(column == value, login_attempts.c.at >= since, login_attempts.c.ok.is_(False))
        ).scalar_one()
    )


def login(
    store: Store, user_id: str, password: str, *, address: str = "-", now: datetime | None = None
) -> Session:
    """Check a password and open a console session; throttled per user name and per address."""
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    with store.transaction() as conn:
        if (
            _failures(conn, login_attempts.c.username, user_id[:64], since) >= MAX_FAILURES_PER_USER
            or _failures(conn, login_attempts.c.address, address[:64], since)
            >= MAX_FAILURES_PER_ADDRESS
        ):
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {THROTTLE_WINDOW.seconds // 60} minutes",
                where=user_id[:64],
            )
        row = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
        ok = False
        try:
            ok = _hasher.verify(row.password_hash if row else _DUMMY_HASH, password) and (
                row is not None and bool(row.active)
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        conn.execute(
            insert(login_attempts).values(
                username=user_id[:64], address=address[:64], ok=ok, at=now
            )
        )
    if not ok or row is None:
        raise Unauthorized("wrong user name or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute(
            insert(sessions).values(
                token_hash=_sha(token),
                user_id=row.id,
                csrf=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
    return Session(token, csrf, _user(row))


def session(store: Store, token: str | None, *, now: datetime | None = None) -> Session | None:
    if not token:
        return None
    now = now or utcnow()
    with store.read() as conn:
        row = conn.execute(
            select(sessions, users)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == _sha(token), sessions.c.expires_at > now)
        ).one_or_none()
    if row is None or not row.active:
        return None
    return Session(token, row.csrf, _user(row))


def logout(store: Store, token: str) -> None:
    with store.transaction() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _sha(token)))


def csrf_ok(sess: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(sess.csrf, submitted or "")


# -- API tokens -----------------------------------------------------------------------------------


def create_token(store: Store, user_id: str, name: str = "api") -> str:
    get_user(store, user_id)
    token = "ngr_" + secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute(
            insert(api_tokens).values(
                token_hash=_sha(token), user_id=user_id, name=name[:200], created_at=utcnow()
            )
        )
    return token


def revoke_token(store: Store, token: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == _sha(token))
            .values(revoked_at=utcnow())
        )


def token_user(store: Store, token: str | None) -> User | None:
    if not token:
        return None
    with store.read() as conn:
        row = conn.execute(
            select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(and_(api_tokens.c.token_hash == _sha(token), api_tokens.c.revoked_at.is_(None)))
        ).one_or_none()
    if row is None or not row.active:
        return None
    return _user(row)
