"""Human decisions: enforcement, ledger, labels; QA double review and golden cases."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from nigran import enforce, ledger
from nigran.errors import InvalidInput
from nigran.review import cases, qa
from nigran.review.decide import Verdict, decide
from nigran.runtime.pipeline import moderate
from nigran.store import Store
from nigran.store.tables import cases as cases_t
from nigran.store.tables import decisions
from nigran.store.tables import ledger as ledger_t
from nigran.store.tables_review import review_labels
from tests.factories import SEXUAL_RU, THREAT_UR, item
from tests.review.support import REVIEW_ALL, report, reviewer, stored


def _kinds(store: Store, subject: str) -> list[str]:
    with store.read() as conn:
        return list(
            conn.execute(
                select(ledger_t.c.kind)
                .where(ledger_t.c.subject == subject)
                .order_by(ledger_t.c.seq)
            ).scalars()
        )


def test_pipeline_routes_by_detected_language(store: Store) -> None:
    r = moderate(
        store,
        [item("p1", THREAT_UR), item("p2", SEXUAL_RU, language_hint="ur-Latn")],
        policy=REVIEW_ALL,
    )
    with store.read() as conn:
        got = {o.content.id: cases.case_row(conn, o.case_id).queue for o in r.outcomes if o.case_id}
    assert got == {"p1": "ur-hate", "p2": "ur-Latn-sexual"}


def test_human_remove_goes_through_enforcement_and_ledger(store: Store) -> None:
    r = moderate(store, [item("h1", THREAT_UR, upload_country="PK")], policy=REVIEW_ALL)
    cid = r.outcomes[0].case_id
    assert cid is not None and enforce.visible(store, "h1", "PK")
    claim = cases.claim_next(store, reviewer("amna", "ur-hate"))
    assert claim is not None and claim.case_id == cid
    res = decide(
        store,
        cid,
        "amna",
        Verdict("withhold", "policy:threat", countries=("PK",), bank_action="add"),
    )
    assert not enforce.visible(store, "h1", "PK")
    assert enforce.visible(store, "h1", "DE")
    with store.read() as conn:
        d = conn.execute(select(decisions).where(decisions.c.id == res.decision_id)).one()
        case = cases.case_row(conn, cid)
        labels = conn.execute(select(review_labels)).all()
        ledger.verify(conn)
    assert (d.automated, d.decided_by, d.outcome) == (False, "amna", "withhold")
    assert "threats of violence" in d.statement and "PK" in d.statement
    assert (case.status, case.decision_id) == ("decided", res.decision_id)
    assert [
        (lab.field, lab.text, lab.label, lab.category, lab.bank_action, lab.reviewer)
        for lab in labels
    ] == [("body", THREAT_UR, "violating", "threat", "add", "amna")]
    kinds = _kinds(store, "h1")
    assert kinds[-4:] == [
        "decision.made",
        "restriction.added",
        "enforcement.changed",
        "case.decided",
    ]


def test_no_violation_lifts_an_automated_restriction(store: Store) -> None:
    c = item("h2", THREAT_UR)
    moderate(store, [c])  # the basic policy removes it automatically
    assert not enforce.visible(store, "h2", "PK")
    cid = report(store, c, category="threat", severity=4)  # the author's complaint, say
    cases.claim_next(store, reviewer("a", "ur-hate"))
    decide(store, cid, "a", Verdict("none"))
    assert enforce.visible(store, "h2", "PK")


@pytest.mark.parametrize(
    ("verdict", "where"),
    [
        (Verdict("remove"), "ground"),
        (Verdict("remove", "policy:nonsense"), "ground"),
        (Verdict("remove", "law:not a code"), "ground"),
        (Verdict("explode", "policy:hate"), "action"),
        (Verdict("age_restrict", "policy:sexual"), "action"),
        (Verdict("remove", "policy:hate", bank_action="maybe"), "bank_action"),
    ],
)
def test_bad_verdicts_change_nothing(sqlite_store: Store, verdict: Verdict, where: str) -> None:
    store = sqlite_store
    cid = report(store, stored(store, "bad"))
    cases.claim_next(store, reviewer("a", "ur-hate"))
    with store.read() as conn:
        before = conn.execute(select(func.max(ledger_t.c.seq))).scalar_one()
    with pytest.raises(InvalidInput) as info:
        decide(store, cid, "a", verdict)
    assert info.value.where == where
    with store.read() as conn:
        assert conn.execute(select(func.max(ledger_t.c.seq))).scalar_one() == before
        assert cases.case_row(conn, cid).status == "claimed"


def test_qa_double_review_and_golden_cases(store: Store) -> None:
    a, b = reviewer("a", "ur-hate"), reviewer("b", "ur-hate")
    labels_a = ["remove", "none", "remove", "none"]
    labels_b = ["remove", "none", "none", "none"]
    for i, lab in enumerate(labels_a):
        cid = report(store, stored(store, f"q{i}"))
        assert cases.claim_next(store, a) is not None
        decide(store, cid, "a", Verdict(lab, "policy:hate" if lab != "none" else None))
    opened = qa.sample(store, 1.0, rng=random.Random(7))
    assert len(opened) == 4
    assert cases.claim_next(store, a) is None  # blind: the first reviewer never re-reviews
    for _ in opened:
        c = cases.claim_next(store, b)
        assert c is not None
        with store.read() as conn:
            parent = cases.case_row(conn, c.case_id).parent_id
            idx = int(cases.case_row(conn, parent).content_id[1:])
        lab = labels_b[idx]
        res = decide(store, c.case_id, "b", Verdict(lab, "policy:hate" if lab != "none" else None))
        assert res.decision_id is None  # QA outcomes are never enforced
    assert qa.sample(store, 1.0) == []  # already sampled
    g = stored(store, "gold")
    golden = qa.add_golden(
        store,
        "gold",
        g.version,
        category="hate",
        severity=2,
        language="ur",
        expected_label="remove",
    )
    assert cases.claim_next(store, b) is not None
    assert decide(store, golden, "b", Verdict("none")).correct is False
    with store.read() as conn:
        r = qa.report(conn)
        n_open = conn.execute(
            select(func.count()).select_from(cases_t).where(cases_t.c.status != "decided")
        ).scalar_one()
    assert n_open == 0
    kappa, n = r.kappa[("a", "b")]
    assert n == 4 and kappa == pytest.approx(0.5)  # p_o 3/4, p_e 1/2
    assert r.alpha["queue"]["ur-hate"][1] == 4
    assert r.overturn == {"a": (pytest.approx(0.25), 4)}
    assert r.golden == {"b": (0.0, 1)}


def test_legal_ground_from_a_pack_acts_in_its_territory(sqlite_store: Store) -> None:
    store = sqlite_store
    cid = report(store, stored(store, "law1", THREAT_UR), category="hate")
    assert cases.claim_next(store, reviewer("g", "ur-hate", roles=("legal",))) is not None
    with pytest.raises(InvalidInput, match="no legal ground"):
        decide(store, cid, "g", Verdict("withhold", "law:PK.NOT_A_GROUND"))
    decide(store, cid, "g", Verdict("withhold", "law:PK.HATE"))
    assert not enforce.visible(store, "law1", "PK")
    assert enforce.visible(store, "law1", "DE")
