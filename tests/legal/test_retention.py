"""Retention as a scheduled duty: the packs' periods (IN P180D, PK P1Y, none in DE) erase the
notifier's personal data from decided reports, ledgered, with the chain and the audit intact."""

from __future__ import annotations

from datetime import timedelta

from nigran import audit, jobs, ledger, schedule
from nigran.legal import reports, retention
from nigran.legal.reports import ReportIn
from nigran.store import Store
from tests.legal.conftest import T0


def _report(store: Store, content: str, jurisdiction: str, founded: bool) -> str:
    with store.transaction() as conn:
        made = reports.submit(
            conn,
            ReportIn(
                content=content,
                reporter=f"u-{jurisdiction}",
                category="hate",
                jurisdiction=jurisdiction,
                explanation=f"Names Mr Example of {jurisdiction} in abuse",
                reporter_name=f"Reporter {jurisdiction}",
                reporter_email=f"r-{jurisdiction.lower()}@example.org",
                good_faith=True,
            ),
            now=T0,
        )
        reports.resolve(conn, made["id"], founded=founded, reviewer="mod-1", now=T0)
    return str(made["id"])


def _erased(store: Store, ids: dict[str, str]) -> set[str]:
    out = set()
    with store.read() as conn:
        for jur, rid in ids.items():
            r = reports.get(conn, rid)
            if r["erased_at"] is not None:
                assert (r["reporter_name"], r["reporter_email"], r["explanation"]) == (
                    None,
                    None,
                    "",
                )
                assert r["reporter"] == f"u-{jur}" and r["status"] in ("founded", "unfounded")
                out.add(jur)
            else:
                assert r["reporter_name"] == f"Reporter {jur}"
    return out


def test_retention_erases_on_schedule_and_is_ledgered(legal_store: Store) -> None:
    ids = {
        "IN": _report(legal_store, "v2", "IN", founded=True),
        "PK": _report(legal_store, "v1", "PK", founded=False),
        "DE": _report(legal_store, "v3", "DE", founded=False),
    }
    assert schedule.ensure_retention(legal_store, now=T0)
    assert not schedule.ensure_retention(legal_store, now=T0)  # one chain
    tick = schedule.run_due(legal_store, now=T0)
    assert [j.kind for j in tick.ran if j.kind == jobs.RETENTION] == [jobs.RETENTION]
    assert _erased(legal_store, ids) == set()

    # 179 days: within IN's 180 days and the notifier's six months to contest.
    schedule.run_due(legal_store, now=T0 + timedelta(days=179))
    assert _erased(legal_store, ids) == set()
    schedule.run_due(legal_store, now=T0 + timedelta(days=184))
    assert _erased(legal_store, ids) == {"IN"}
    schedule.run_due(legal_store, now=T0 + timedelta(days=364))
    assert _erased(legal_store, ids) == {"IN"}
    schedule.run_due(legal_store, now=T0 + timedelta(days=366))
    assert _erased(legal_store, ids) == {"IN", "PK"}
    schedule.run_due(legal_store, now=T0 + timedelta(days=3650))
    assert _erased(legal_store, ids) == {"IN", "PK"}  # the DE and EU packs set no period

    with legal_store.read() as conn:
        entries = [e for e in ledger.entries(conn) if e.kind == retention.LEDGER_KIND]
        assert [(e.subject, e.data()["pack"], e.data()["retention"]) for e in entries] == [
            (f"report:{ids['IN']}", "IN", "P180D"),
            (f"report:{ids['PK']}", "PK", "P1Y"),
        ]
        assert all(e.data()["erased"] == list(retention.ERASED_FIELDS) for e in entries)
        assert ledger.verify(conn).ok
        assert audit.check(conn) == []
        chain = "".join(e.payload for e in ledger.entries(conn))
    assert "Reporter IN" not in chain and "r-in@example.org" not in chain


def test_an_open_report_is_kept(legal_store: Store) -> None:
    with legal_store.transaction() as conn:
        made = reports.submit(
            conn,
            ReportIn(
                content="v2",
                reporter="u-open",
                category="hate",
                jurisdiction="IN",
                explanation="Still waiting for a decision",
                reporter_name="Still Open",
                reporter_email="open@example.org",
                good_faith=True,
            ),
            now=T0,
        )
        assert retention.sweep(conn, now=T0 + timedelta(days=1000)) == []
        assert reports.get(conn, made["id"])["reporter_name"] == "Still Open"
