"""`nigran users`, `nigran queues`, `nigran review`: thin commands over the library."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.review import auth
from nigran.store import Store
from tests.review.support import PASSWORD, report, stored


def test_users_queues_and_sweep(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    app = build_app()
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["users", "add", "amna", "--queue", "ur-hate", "--password-stdin", "--db", url],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    assert "added amna (reviewer); queues: ur-hate" in r.output
    bad = runner.invoke(
        app,
        ["users", "add", "x", "--queue", "nowhere", "--password-stdin", "--db", url],
        input=PASSWORD + "\n",
    )
    assert bad.exit_code == 1 and "unknown queues" in bad.output
    token = runner.invoke(app, ["users", "token", "amna", "--db", url]).output.strip()
    store = Store.open(url)
    user = auth.token_user(store, token)
    assert user is not None and user.id == "amna"
    report(store, stored(store, "q1"))
    out = runner.invoke(app, ["queues", "--db", url]).output
    line = next(ln for ln in out.splitlines() if "ur-hate" in ln)
    assert "│ 1 " in line
    sweep = runner.invoke(app, ["review", "sweep", "--db", url])
    assert sweep.exit_code == 0 and "0 expired claims returned; 0 SLA events raised" in sweep.output
    store.dispose()
