"""Restrictions that compose: the failures of issue #16, end to end through the CLI, on both
databases. Each test drives Nigran as a compliance team would (moderate, orders, reports,
appeals, users) and checks who can see what afterwards, and where the record says it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nigran.cli import build_app
from nigran.store import Store
from nigran.store.tables import cases
from tests.factories import stored_ref

runner = CliRunner()
PASSWORD = "correct horse battery\n"
T = "2026-12-01T09:00:00Z"


@dataclass
class Nigran:
    """The ``nigran`` command against one database, as a person types it."""

    db: str
    tmp: Path

    def run(self, *args: str, stdin: str | None = None) -> str:
        r = runner.invoke(build_app(), [*args], input=stdin)
        assert r.exit_code == 0, f"nigran {' '.join(args)}\n{r.output}"
        return r.output

    def fails(self, *args: str) -> str:
        r = runner.invoke(build_app(), [*args])
        assert r.exit_code != 0, f"nigran {' '.join(args)} should have failed\n{r.output}"
        return " ".join(r.output.split())  # the terminal wraps long messages

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args))

    def moderate(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        src = self.tmp / "in.jsonl"
        src.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n")
        out = self.tmp / "out.jsonl"
        self.run("moderate", str(src), "--out", str(out))
        return [json.loads(line) for line in out.read_text().splitlines()]

    def file(self, name: str, body: dict[str, Any]) -> str:
        path = self.tmp / name
        path.write_text(json.dumps(body, ensure_ascii=False))
        return str(path)

    def visible(self, content_id: str, country: str, age: int = 30) -> bool:
        out = self.run(
            "enforce", "check", content_id, "--country", country, "--viewer-age", str(age)
        )
        return ": visible (" in out

    def restrictions(self, content_id: str, *, lifted: bool = False) -> list[dict[str, Any]]:
        args = ["enforce", "show", content_id] + (["--all"] if lifted else [])
        return [json.loads(line) for line in self.run(*args).splitlines() if line.strip()]

    def order(self, authority: str, body: dict[str, Any], at: str = T) -> dict[str, Any]:
        path = self.file(f"order-{authority}.json", body)
        got: dict[str, Any] = self.json(
            "orders", "receive", path, "--authority", authority, "--at", at
        )
        return got


@pytest.fixture
def nigran(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Nigran]:
    monkeypatch.setenv("NIGRAN_DATABASE_URL", store_url)
    n = Nigran(store_url, tmp_path)
    for user, role in [("farah", "legal"), ("imran", "legal"), ("sana", "reviewer")]:
        n.run("users", "add", user, "--role", role, "--password-stdin", stdin=PASSWORD)
    n.run(
        "authorities", "add", "PTA", "--name", "PTA", "--jurisdiction", "PK", "--requester", "PTA"
    )
    n.run(
        "authorities",
        "add",
        "MEITY",
        "--name",
        "MeitY",
        "--jurisdiction",
        "IN",
        "--requester",
        "IN_GOVT",
    )
    n.run(
        "authorities",
        "add",
        "LKA-BY",
        "--name",
        "LKA Bayern",
        "--jurisdiction",
        "DE",
        "--requester",
        "EU_MS_AUTHORITY",
    )
    yield n


def video(cid: str, caption: str, country: str = "PK", version: int = 1) -> dict[str, Any]:
    return {
        "id": cid,
        "version": version,
        "kind": "video",
        "author": "ayesha",
        "upload_country": country,
        "texts": {"caption": caption},
    }


BENIGN = "شام کی سیر اور چائے"  # "an evening walk and tea"


def withheld_in_pk_by_pta(n: Nigran, cid: str) -> str:
    o = n.order("PTA", {"legal_ground": "PK.DECENCY", "items": [cid], "reasons": "obscene"})
    n.run("orders", "decide", o["id"], "--reviewer", "farah", "--at", "2026-12-01T10:00:00Z")
    assert not n.visible(cid, "PK") and n.visible(cid, "DE")
    return str(o["id"])


# -- 1. an edit does not lift a legal obligation --------------------------------------------------


def test_new_version_keeps_order_and_notice_restrictions(nigran: Nigran, store: Store) -> None:
    n = nigran
    n.moderate(video("v1", BENIGN), video("d1", "A walk by the river", "DE"), video("n1", BENIGN))
    order_id = withheld_in_pk_by_pta(n, "v1")
    de = n.order(
        "LKA-BY",
        {
            "legal_ground": "DE.STGB_130",
            "items": ["d1"],
            "reasons": "Volksverhetzung",
            "details": {"redress_information": "VG Berlin"},
        },
    )
    n.run("orders", "decide", de["id"], "--reviewer", "imran")
    assert not n.visible("d1", "DE") and n.visible("d1", "FR")
    report = n.json(
        "reports",
        "submit",
        n.file(
            "report.json",
            {
                "content": "n1",
                "reporter": "u-55",
                "category": "hate",
                "explanation": "This video insults a religious group",
                "reporter_name": "Zara",
                "reporter_email": "zara@example.org",
                "good_faith": True,
                "jurisdiction": "DE",
            },
        ),
    )
    n.run(
        "reports",
        "resolve",
        report["id"],
        "--reviewer",
        "sana",
        "--founded",
        "--action",
        "withhold",
        "--scope",
        "DE",
    )
    assert not n.visible("n1", "DE")

    # The uploader sends version 2 of each with one emoji added.
    out = n.moderate(
        video("v1", BENIGN + " 🙂", version=2),
        video("d1", "A walk by the river 🙂", "DE", version=2),
        video("n1", BENIGN + " 🙂", version=2),
    )
    assert all(o["actions"] == [] for o in out)  # automation asks for nothing on them
    assert not n.visible("v1", "PK") and not n.visible("d1", "DE") and not n.visible("n1", "DE")
    (held,) = n.restrictions("v1")
    assert (held["source"], held["source_ref"], held["binds"]) == (
        "order",
        f"order:{order_id}",
        "item",
    )
    # The authority still sees what is true.
    shown = n.json("orders", "show", order_id, "--authority", "PTA")
    assert shown["status"] == "actioned"
    # An emoji is not a material change: no new legal case. A new text is, and legal checks it.
    with store.read() as conn:
        before = conn.execute(select(cases).where(cases.c.content_id == "v1")).all()
    n.moderate(video("v1", "نئی ویڈیو، نیا کیپشن", version=3))
    with store.read() as conn:
        after = conn.execute(select(cases).where(cases.c.content_id == "v1")).all()
    (new_case,) = [c for c in after if c.id not in {b.id for b in before}]
    assert (new_case.queue, new_case.source, new_case.escalated_to) == (
        "pk-authority",
        "authority_order",
        "legal",
    )
    assert not n.visible("v1", "PK")
    shown = n.json("orders", "show", order_id, "--authority", "PTA")
    assert shown["events"][-1] | {"at": None} == {
        "at": None,
        "kind": "item_changed",
        "from_status": None,
        "to_status": None,
        "item": "v1",
        "version": 3,
    }
    assert "ledger OK" in n.run("ledger", "verify")


# -- 2. an appeal against an order's restriction goes to legal, and the order hears of it ---------


def test_appeal_against_order_restriction_is_legal_work_on_the_order(nigran: Nigran) -> None:
    n = nigran
    n.moderate(video("v1", BENIGN))
    o = n.order(
        "PTA",
        {
            "order_type": "emergency",
            "legal_ground": "PK.DECENCY",
            "items": ["v1"],
            "reasons": "obscene",
            "written_reasons": "urgent",
        },
    )
    n.run("orders", "decide", o["id"], "--reviewer", "farah")
    assert not n.visible("v1", "PK")
    appeal = n.json("appeals", "file", "v1", "--appellant", "ayesha", "--reason", "cooking video")
    # A reviewer without the legal role may not decide it...
    refused = n.fails(
        "appeals",
        "decide",
        appeal["id"],
        "--reviewer",
        "sana",
        "--outcome",
        "reversed",
        "--reason",
        "fine",
    )
    assert "legal role" in refused
    assert not n.visible("v1", "PK")
    # ...a legal reviewer who did not take the order's decision does, and the order records it.
    n.run(
        "appeals",
        "decide",
        appeal["id"],
        "--reviewer",
        "imran",
        "--outcome",
        "reversed",
        "--reason",
        "No indecency in the video",
    )
    assert n.visible("v1", "PK")
    shown = n.json("orders", "show", o["id"], "--authority", "PTA")
    assert [e for e in shown["events"] if e["kind"].startswith("appeal_")] == [
        {
            "at": shown["events"][-2]["at"],
            "kind": "appeal_filed",
            "from_status": None,
            "to_status": None,
            "item": "v1",
        },
        {
            "at": shown["events"][-1]["at"],
            "kind": "appeal_decided",
            "from_status": None,
            "to_status": None,
            "item": "v1",
            "outcome": "reversed",
        },
    ]
    (lifted,) = n.restrictions("v1", lifted=True)
    assert (lifted["lifted_by"], lifted["lifted_ref"]) == ("order", f"appeal:{appeal['id']}")


# -- 3. a global decision adds to a legal hold, never replaces it ---------------------------------


def test_global_removal_adds_to_the_legal_hold(nigran: Nigran) -> None:
    n = nigran
    n.moderate(video("v1", BENIGN))
    o = n.order("PTA", {"legal_ground": "PK.DECENCY", "items": ["v1"], "reasons": "obscene"})
    n.run(
        "orders",
        "decide",
        o["id"],
        "--reviewer",
        "farah",
        "--outcome",
        "global",
        "--tos-category",
        "sexual",
    )
    assert not n.visible("v1", "PK") and not n.visible("v1", "DE")
    held = {(r["source"], r["action"]["type"]): r for r in n.restrictions("v1")}
    assert set(held) == {("order", "withhold"), ("reviewer", "remove")}
    # The terms-of-service removal is reversed on appeal; the PK legal hold stays.
    tos = held[("reviewer", "remove")]
    appeal = n.json(
        "appeals",
        "file",
        "v1",
        "--appellant",
        "ayesha",
        "--reason",
        "not sexual",
        "--restriction",
        tos["id"],
    )
    n.run(
        "appeals",
        "decide",
        appeal["id"],
        "--reviewer",
        "imran",
        "--outcome",
        "reversed",
        "--reason",
        "within our terms",
    )
    assert n.visible("v1", "DE") and not n.visible("v1", "PK")


# -- 4. separation of duties compares people, not strings -----------------------------------------


def test_separation_of_duties_by_user_id(nigran: Nigran) -> None:
    n = nigran
    n.moderate(video("v1", BENIGN))
    withheld_in_pk_by_pta(n, "v1")
    appeal = n.json("appeals", "file", "v1", "--appellant", "ayesha", "--reason", "cooking")
    for name in ("Farah", "FARAH", "farah"):
        out = n.fails(
            "appeals",
            "decide",
            appeal["id"],
            "--reviewer",
            name,
            "--outcome",
            "reversed",
            "--reason",
            "x",
        )
        assert "farah took the original decision" in out
    assert "no user 'nobody'" in n.fails(
        "appeals",
        "decide",
        appeal["id"],
        "--reviewer",
        "nobody",
        "--outcome",
        "upheld",
        "--reason",
        "x",
    )
    dup = runner.invoke(
        build_app(),
        ["users", "add", "Farah", "--role", "legal", "--password-stdin"],
        input=PASSWORD,
    )
    assert dup.exit_code != 0 and "'farah' already exists" in dup.output
    o = n.order("PTA", {"legal_ground": "PK.DECENCY", "items": ["v1"], "reasons": "again"})
    assert "legal" in n.fails("orders", "decide", o["id"], "--reviewer", "sana")
    assert not n.visible("v1", "PK")


# -- 5. every authority's orders reach their own legal team ---------------------------------------


def test_orders_route_to_the_queue_of_their_jurisdiction(nigran: Nigran, store: Store) -> None:
    n = nigran
    n.moderate(
        video("v1", BENIGN), video("i1", "Cricket highlights", "IN"), video("d1", "Hi", "DE")
    )
    pk = n.order("PTA", {"legal_ground": "PK.DECENCY", "items": ["v1"], "reasons": "obscene"})
    de = n.order(
        "LKA-BY",
        {
            "legal_ground": "DE.STGB_130",
            "items": ["d1"],
            "reasons": "hate",
            "details": {"redress_information": "VG Berlin"},
        },
    )
    inn = n.order(
        "MEITY",
        {
            "legal_ground": "IN.DECENCY",
            "items": ["i1"],
            "reasons": "obscene",
            "details": {
                "issuer_rank": "Joint Secretary",
                "statutory_provision": "IT Act s.79(3)(b)",
                "nature_of_unlawful_act": "obscenity",
            },
        },
    )
    with store.read() as conn:
        queues = {row.id: row.queue for row in conn.execute(select(cases.c.id, cases.c.queue))}
    got = {
        k: queues[n.json("orders", "show", o["id"])["case_id"]]
        for k, o in [("PK", pk), ("DE", de), ("IN", inn)]
    }
    assert got == {"PK": "pk-authority", "DE": "de-authority", "IN": "in-authority"}


# -- 6. each restriction is appealable on its own, on the pack's clock -----------------------------


def test_two_restrictions_appealed_at_once_and_indias_clock(nigran: Nigran, store: Store) -> None:
    n = nigran
    n.moderate(video("i1", "Cricket highlights", "IN"))
    o = n.order(
        "MEITY",
        {
            "legal_ground": "IN.DECENCY",
            "items": ["i1"],
            "reasons": "obscene",
            "details": {
                "issuer_rank": "Joint Secretary",
                "statutory_provision": "IT Act s.79(3)(b)",
                "nature_of_unlawful_act": "obscenity",
            },
        },
    )
    n.run(
        "orders",
        "decide",
        o["id"],
        "--reviewer",
        "farah",
        "--outcome",
        "global",
        "--tos-category",
        "sexual",
    )
    rs = n.restrictions("i1")
    assert len(rs) == 2
    refused = n.fails("appeals", "file", "i1", "--appellant", "ayesha", "--reason", "x")
    assert "name the one appealed" in refused
    filed = [
        n.json(
            "appeals",
            "file",
            "i1",
            "--appellant",
            "ayesha",
            "--reason",
            "not obscene",
            "--restriction",
            r["id"],
            "--at",
            "2026-12-02T10:00:00Z",
        )
        for r in rs
    ]
    assert {a["status"] for a in filed} == {"open"}
    # India's grievance officer decides within 7 days (IN pack: appeal.decide_within P7D).
    due = {a["restriction_id"]: a["due_at"] for a in filed}
    assert all(str(d).startswith("2026-12-09") for d in due.values()), due
    with store.read() as conn:
        deadlines = [
            r.deadline
            for r in conn.execute(
                select(cases.c.deadline).where(cases.c.id.in_([a["case_id"] for a in filed]))
            )
        ]
    # Each appeal case is due by the legal clock at the latest (earlier where its queue's SLA is).
    legal = datetime.fromisoformat(str(filed[0]["due_at"]).replace("Z", "+00:00"))
    assert len(deadlines) == 2 and all(d <= legal for d in deadlines)


# -- 8. a retroactive hash match opens the case the pipeline would ---------------------------------


def test_rescan_opens_a_routed_case_like_the_pipeline(nigran: Nigran, store: Store) -> None:
    from nigran.detect.media.samples import synthetic_image

    n = nigran
    upload = synthetic_image(9)
    upload.save(n.tmp / "upload.jpg", quality=80)

    def image_item(cid: str) -> dict[str, Any]:
        return {
            "id": cid,
            "kind": "image",
            "author": "u1",
            "upload_country": "PK",
            "media": [{"ref": stored_ref(n.tmp / "upload.jpg"), "kind": "image"}],
        }

    assert n.moderate(image_item("early"))[0]["outcome"] == "none"
    upload.resize((320, 240)).save(n.tmp / "reported.png")
    # A self-harm bank: a match asks for a human look (queue hint "wellbeing", not a queue).
    n.run("media", "bank", "create", "sh", "--actor", "trust-safety", "--category", "self_harm")
    out = json.loads(
        n.run(
            "media",
            "bank",
            "add",
            "sh",
            "--file",
            str(n.tmp / "reported.png"),
            "--actor",
            "trust-safety",
        )
    )
    (hit,) = out["rescan"]
    assert hit["content_id"] == "early"
    late = n.moderate(image_item("late"))[0]  # the same match, found by the pipeline
    with store.read() as conn:
        rows = {
            r.content_id: r
            for r in conn.execute(select(cases).where(cases.c.content_id.in_(["early", "late"])))
        }
    assert set(rows) == {"early", "late"}, late
    early, same = rows["early"], rows["late"]
    assert (early.queue, early.priority, early.source) == (same.queue, same.priority, same.source)
    assert early.risk_at is not None and early.queue != "wellbeing"
    from nigran.review.queues import config

    assert early.queue in config().ids


# -- 9 is a property test: tests/e2e/test_deterministic.py ---------------------------------------
