"""A scheduler process for the kill test: its one job's effect writes, then hangs mid-transaction.

Usage: python -m tests.schedule.kill_child DATABASE_URL READY_FILE
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from nigran import ledger, schedule
from nigran.store import Store


def main() -> None:
    url, ready = sys.argv[1], Path(sys.argv[2])

    def hang(conn: Connection, ref: str, now: datetime) -> None:
        ledger.append(conn, "test.effect", ref, {"by": "child"})
        ready.write_text("in the job")  # the effect is written, not committed: kill me now
        time.sleep(600)

    schedule.register("test.effect", hang)
    store = Store.open(url)
    schedule.run_due(store, worker="child")


if __name__ == "__main__":
    main()
