"""Passwords, sessions, tokens, throttling; SLA events raised once each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from nigran.errors import InvalidInput, TooManyAttempts, Unauthorized
from nigran.model import utcnow
from nigran.review import auth, sla
from nigran.store import Store
from nigran.store.tables import ledger
from nigran.store.tables_review import users
from tests.review.support import PASSWORD, person, report, stored


def test_passwords_are_argon2_hashes_and_sessions_work(sqlite_store: Store) -> None:
    store = sqlite_store
    person(store, "amna", "ur-hate")
    with store.read() as conn:
        h = conn.execute(select(users.c.password_hash)).scalar_one()
    assert h.startswith("$argon2id$") and PASSWORD not in h
    sess = auth.login(store, "amna", PASSWORD)
    got = auth.session(store, sess.token)
    assert got is not None and got.user.id == "amna" and got.csrf == sess.csrf
    assert auth.csrf_ok(got, sess.csrf)
    assert not auth.csrf_ok(got, "x") and not auth.csrf_ok(got, None)
    assert auth.session(store, sess.token, now=utcnow() + timedelta(hours=13)) is None
    auth.logout(store, sess.token)
    assert auth.session(store, sess.token) is None
    with pytest.raises(Unauthorized):
        auth.login(store, "amna", "wrong password!")
    with pytest.raises(Unauthorized):
        auth.login(store, "nobody", PASSWORD)


def test_login_throttling_blocks_even_the_right_password(sqlite_store: Store) -> None:
    store = sqlite_store
    person(store, "amna")
    t0 = utcnow()
    for _ in range(auth.MAX_FAILURES_PER_USER):
        with pytest.raises(Unauthorized):
            auth.login(store, "amna", "guess guess guess", now=t0)
    with pytest.raises(TooManyAttempts):
        auth.login(store, "amna", PASSWORD, now=t0)
    assert auth.login(store, "amna", PASSWORD, now=t0 + auth.THROTTLE_WINDOW + timedelta(1))


def test_tokens_and_user_validation(sqlite_store: Store) -> None:
    store = sqlite_store
    person(store, "lead1", roles=("lead",))
    token = auth.create_token(store, "lead1")
    u = auth.token_user(store, token)
    assert u is not None and u.has("lead") and not u.has("legal")
    auth.revoke_token(store, token)
    assert auth.token_user(store, token) is None
    with pytest.raises(InvalidInput, match="roles"):
        auth.add_user(store, "x1", PASSWORD, roles=("overlord",))
    with pytest.raises(InvalidInput, match="at least 10"):
        auth.add_user(store, "x2", "short")
    with pytest.raises(InvalidInput, match="already exists"):
        person(store, "lead1")


def test_sla_events_are_raised_once_ledgered_and_sent(store: Store) -> None:
    t0 = utcnow()
    cid = report(store, stored(store, "s1"), severity=4, now=t0)  # 2 h SLA, at risk after 1.5 h
    sent: list[dict[str, Any]] = []
    assert sla.sweep(store, now=t0 + timedelta(minutes=10), hook=sent.append) == []
    ev = sla.sweep(store, now=t0 + timedelta(minutes=95), hook=sent.append)
    assert [e["event"] for e in ev] == ["case.sla_at_risk"]
    assert sla.sweep(store, now=t0 + timedelta(minutes=100), hook=sent.append) == []
    ev = sla.sweep(store, now=t0 + timedelta(hours=3), hook=sent.append)
    assert [(e["event"], e["case_id"]) for e in ev] == [("case.sla_breached", cid)]
    assert [e["event"] for e in sent] == ["case.sla_at_risk", "case.sla_breached"]
    with store.read() as conn:
        kinds = list(conn.execute(select(ledger.c.kind).where(ledger.c.subject == "s1")).scalars())
    assert kinds.count("case.sla_at_risk") == 1 and kinds.count("case.sla_breached") == 1
