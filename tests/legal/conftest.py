"""Fixtures for the legal room: a store with content, PTA and an Indian agency registered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nigran.legal import authorities
from nigran.runtime.pipeline import Pipeline
from nigran.store import Store
from tests.factories import BENIGN_EN, BENIGN_UR, item

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def seed(store: Store, now: datetime = T0) -> None:
    Pipeline(store).run(
        [
            item("v1", BENIGN_UR, kind="video", author="ayesha"),
            item("v2", BENIGN_EN, kind="video", author="bilal"),
            item("v3", BENIGN_EN, kind="video", author="chand", upload_country="DE"),
        ],
        now=now,
    )
    with store.transaction() as conn:
        authorities.add_authority(conn, "PTA", "Pakistan Telecommunication Authority", "PK", "PTA")
        authorities.add_authority(conn, "MEITY", "MeitY (IN)", "IN", "IN_GOVT")


@pytest.fixture
def legal_store(store: Store) -> Store:
    seed(store)
    return store
