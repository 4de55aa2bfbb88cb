from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from nigran.errors import PackInvalid
from nigran.model import ActionType, Content, Ground, Scope
from nigran.policy import Policy
from nigran.policy.engine import RuleEngine, engine_from_text
from nigran.policy.packs import PackSet
from nigran.policy.visibility import VisibilityIndex
from tests.policy.helpers import NOW, ctx, sig


def _acts(d: object) -> set[tuple[str, str, str]]:
    return {(a.type.value, str(a.scope), str(a.ground)) for a in d.actions}  # type: ignore[attr-defined]


def test_engine_is_a_policy(engine: RuleEngine) -> None:
    assert isinstance(engine, Policy)
    assert engine.version.startswith("2026.11.0+packs.")


def test_post_unlawful_only_in_pk_is_withheld_in_pk_and_visible_in_de(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    item = post()
    # Sexual-content signal above the PK decency bar, below the global removal bar.
    d = engine.decide(item, [sig("sexual", 0.86, "en")], ctx(audience_min_age=18))
    assert ("withhold", "PK", "law:PK.DECENCY") in _acts(d)
    assert not any(a.type is ActionType.REMOVE for a in d.actions)
    ix = VisibilityIndex()
    ix.apply_decision(d, "d1")
    assert not ix.visible(item.id, "PK", 30)
    assert ix.visible(item.id, "DE", 30)  # adults in DE see it
    assert not ix.visible(item.id, "DE", 15)  # the global age gate still holds
    hit = next(h for h in d.explanation if h.rule.endswith("law.decency"))
    assert hit.signals == [0] and "0.86" in hit.reason
    assert "PECA" in d.statement and d.policy_version == engine.version


def test_thresholds_are_per_language(engine: RuleEngine, post: Callable[..., Content]) -> None:
    # PK.DECENCY: default 0.8, Urdu and Roman Urdu 0.85
    en = engine.decide(post(), [sig("sexual", 0.82, "en")], ctx())
    ur = engine.decide(post(), [sig("sexual", 0.82, "ur")], ctx())
    roman = engine.decide(post(), [sig("sexual", 0.82, "ur-Latn")], ctx())
    assert ("withhold", "PK", "law:PK.DECENCY") in _acts(en)
    assert ("withhold", "PK", "law:PK.DECENCY") not in _acts(ur)
    assert ("withhold", "PK", "law:PK.DECENCY") not in _acts(roman)
    # threat removal: default 0.9, ur 0.93; 'ur-Arab' falls back to 'ur'
    assert ("remove", "global", "policy:threat") in _acts(
        engine.decide(post(), [sig("threat", 0.91, "en")], ctx())
    )
    assert ("remove", "global", "policy:threat") not in _acts(
        engine.decide(post(), [sig("threat", 0.91, "ur-Arab")], ctx())
    )


def test_each_jurisdiction_ground_routes_through_the_engine(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    d = engine.decide(post(), [sig("hate", 0.87, "de")], ctx())
    assert {("withhold", "PK", "law:PK.HATE"), ("withhold", "DE", "law:DE.STGB_130")} <= _acts(d)
    csam = engine.decide(post(), [sig("child_safety", 0.95, "en")], ctx())
    assert ("remove", "global", "law:EU.CSAM") in _acts(csam)
    assert csam.review is not None and csam.review.queue == "child_safety"


@pytest.mark.parametrize(
    ("ground", "country", "order_type", "received", "scope", "due"),
    [
        (
            "PK.DECENCY",
            "PK",
            "PK.PTA_DIRECTION",
            "2026-11-28T12:00:00+00:00",
            ("PK",),
            timedelta(hours=48),
        ),
        (
            "PK.SECURITY",
            "PK",
            "PK.PTA_EMERGENCY",
            "2026-11-28T12:00:00+00:00",
            ("PK",),
            timedelta(hours=12),
        ),
        (
            "IN.PUBORD",
            "IN",
            "IN.ORDER_3_1_D",
            "2026-03-01T12:00:00+00:00",
            ("IN",),
            timedelta(hours=3),
        ),
        (
            "IN.PUBORD",
            "IN",
            "IN.ORDER_3_1_D",
            "2026-01-10T12:00:00+00:00",
            ("IN",),
            timedelta(hours=36),
        ),
        (
            "EU.THREAT_TO_LIFE",
            "FR",
            "EU.ART9_ORDER",
            "2026-11-28T12:00:00+00:00",
            ("FR",),
            timedelta(hours=24),
        ),
        (
            "DE.STGB_130",
            "DE",
            "EU.ART9_ORDER",
            "2026-11-28T12:00:00+00:00",
            ("DE",),
            timedelta(hours=24),
        ),
    ],
)
def test_authority_orders_act_in_scope_with_the_pack_deadline(
    engine: RuleEngine,
    post: Callable[..., Content],
    ground: str,
    country: str,
    order_type: str,
    received: str,
    scope: tuple[str, ...],
    due: timedelta,
) -> None:
    o = sig(
        ground,
        1.0,
        None,
        "authority_order",
        country=country,
        order_type=order_type,
        received_at=received,
    )
    d = engine.decide(post(), [o], ctx())
    assert len(d.actions) == 1
    a = d.actions[0]
    assert a.type is ActionType.WITHHOLD and a.scope == Scope.only(*scope)
    assert a.ground == Ground(kind="law", code=ground)
    assert d.review is not None and d.review.queue == "legal"
    assert d.review.deadline == datetime.fromisoformat(received) + due


def test_order_for_unknown_ground_goes_to_legal_review(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    d = engine.decide(post(), [sig("PK.NOPE", 1.0, None, "authority_order", country="PK")], ctx())
    assert d.actions == [] and d.review is not None and d.review.queue == "legal"


def test_conflicts_legal_first_then_most_severe_global(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    # Sexual at 0.97: PK law withholding, global age gate and global removal all fire.
    d = engine.decide(post(), [sig("sexual", 0.97, "en")], ctx())
    assert _acts(d) == {("withhold", "PK", "law:PK.DECENCY"), ("remove", "global", "policy:sexual")}
    superseded = [h for h in d.explanation if "superseded" in h.reason]
    assert [h.rule.split("/")[1] for h in superseded] == ["sexual.age_gate"]


def test_audience_with_minors_turns_age_gate_into_removal(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    adults = engine.decide(post(), [sig("sexual", 0.7, "en")], ctx(audience_min_age=18))
    teens = engine.decide(post(), [sig("sexual", 0.7, "en")], ctx(audience_min_age=13))
    assert {a.type for a in adults.actions} == {ActionType.AGE_RESTRICT}
    assert adults.actions[0].min_age == 18
    assert {a.type for a in teens.actions} == {ActionType.REMOVE}


def test_repeat_offender_is_suspended(engine: RuleEngine, post: Callable[..., Content]) -> None:
    first = engine.decide(post(), [sig("threat", 0.95, "en")], ctx(author_strikes=0))
    third = engine.decide(post(), [sig("threat", 0.95, "en")], ctx(author_strikes=3))
    assert ActionType.SUSPEND_ACCOUNT not in {a.type for a in first.actions}
    assert {a.type for a in third.actions} == {ActionType.REMOVE, ActionType.SUSPEND_ACCOUNT}


def test_review_routing_takes_highest_severity_and_earliest_deadline(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    d = engine.decide(post(), [sig("harassment", 0.7, "en"), sig("threat", 0.6, "en")], ctx())
    assert d.review is not None
    assert d.review.queue == "violence" and d.review.severity == 4
    assert d.review.deadline == NOW + timedelta(hours=4)
    assert d.actions == []


def test_no_signal_no_decision(engine: RuleEngine, post: Callable[..., Content]) -> None:
    d = engine.decide(post(), [sig("spam", 0.99, "en")], ctx())
    assert d.actions == [] and d.review is None and d.explanation == []
    assert d.decided_at == NOW


def test_rules_lint_names_file_and_line(packs: PackSet) -> None:
    text = """version: "2026.11.9"
rules:
  - id: a
    when: {category: sexual, min_score: {default: 0.8}}
    then: {law: {grounds: [PK.DECENCY]}}
  - id: b
    when: {category: sexul, min_score: {default: 1.5}}
    then: {action: {type: remove}}
  - id: c
    when: {category: hate, min_score: {default: 0.5}}
    then: {law: {grounds: [PK.DECENCY]}}
"""
    with pytest.raises(PackInvalid) as e:
        engine_from_text(text, "r.yaml", packs)
    msg = str(e.value)
    assert msg.startswith("r.yaml:")
    assert "line 7: b: 'sexul' is not a taxonomy category" in msg
    assert "score for 'default' must be between 0 and 1" in msg
    assert "line 11: c: ground PK.DECENCY maps to" in msg


def test_decisions_are_pure(engine: RuleEngine, post: Callable[..., Content]) -> None:
    sigs = [sig("sexual", 0.9, "ur-Latn"), sig("hate", 0.7, "ur")]
    assert engine.decide(post(), sigs, ctx()) == engine.decide(post(), sigs, ctx())


def test_decision_round_trips_through_the_model(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    # The engine builds decisions without re-validating; they must still be valid model objects.
    d = engine.decide(
        post(), [sig("sexual", 0.97, "en"), sig("hate", 0.95, "en")], ctx(author_strikes=5)
    )
    again = type(d).model_validate(d.model_dump(mode="json"))
    assert again == d and again.decided_at.tzinfo is not None


def test_naive_time_not_accepted_by_deadline_helper() -> None:
    from nigran.errors import InvalidInput
    from nigran.policy.deadlines import order_deadline
    from nigran.policy.packs import default_packs

    with pytest.raises(InvalidInput):
        order_deadline(default_packs().pack("PK"), "PK.PTA_DIRECTION", datetime(2026, 1, 1))
    assert datetime(2026, 1, 1, tzinfo=UTC)


def test_review_band_ends_where_removal_starts_per_language(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    # threat removal: en 0.90, ur 0.93. An Urdu 0.91 is reviewed; an English 0.91 is removed only.
    ur = engine.decide(post(), [sig("threat", 0.91, "ur")], ctx())
    en = engine.decide(post(), [sig("threat", 0.91, "en")], ctx())
    assert ur.actions == [] and ur.review is not None and ur.review.queue == "violence"
    assert {a.type for a in en.actions} == {ActionType.REMOVE} and en.review is None


def test_notice_restricted_by_law_names_no_ground(
    engine: RuleEngine, post: Callable[..., Content]
) -> None:
    blocking = sig(
        "IN.SECURITY",
        1.0,
        None,
        "authority_order",
        country="IN",
        order_type="IN.BLOCKING_69A",
        received_at="2026-11-28T12:00:00+00:00",
    )
    d = engine.decide(post(), [blocking], ctx())
    assert ("withhold", "IN", "law:IN.SECURITY") in _acts(d)
    assert "IN.SECURITY" not in d.statement and "Security" not in d.statement
    assert "not available in IN because of a legal requirement" in d.statement
    assert "user notice restricted_by_law" in d.explanation[0].reason
    pta = sig(
        "PK.DECENCY",
        1.0,
        None,
        "authority_order",
        country="PK",
        order_type="PK.PTA_DIRECTION",
        received_at="2026-11-28T12:00:00+00:00",
    )
    assert "following an authority order" in engine.decide(post(), [pta], ctx()).statement


def test_dynamic_scopes_and_expiry(packs: PackSet, post: Callable[..., Content]) -> None:
    text = """version: "2026.11.9"
rules:
  - id: viewers.reach
    when: {category: misinformation, min_score: {default: 0.5}}
    then: {action: {type: reduce_reach, scope: viewers, expires: P7D}}
  - id: home.label
    when: {category: misinformation, min_score: {default: 0.5}}
    then: {action: {type: withhold, scope: upload_country}}
"""
    e = engine_from_text(text, "r.yaml", packs)
    d = e.decide(
        post(country="IN"), [sig("misinformation", 0.7, "en")], ctx(viewer_countries=("PK", "BD"))
    )
    by_type = {a.type: a for a in d.actions}
    assert by_type[ActionType.REDUCE_REACH].scope == Scope.only("BD", "PK")
    assert by_type[ActionType.REDUCE_REACH].expires_at == NOW + timedelta(days=7)
    assert by_type[ActionType.WITHHOLD].scope == Scope.only("IN")
    # No viewers known: the viewer-scoped action is skipped, and the explanation says why.
    d2 = e.decide(post(country="IN"), [sig("misinformation", 0.7, "en")], ctx())
    assert {a.type for a in d2.actions} == {ActionType.WITHHOLD}
    assert "skipped: no viewers known" in d2.explanation[0].reason


def test_signal_conditions_source_bank_model(packs: PackSet, post: Callable[..., Content]) -> None:
    from nigran.model import Evidence, Signal, SignalSource

    text = """version: "2026.11.9"
rules:
  - id: bank.remove
    when: {category: child_safety, sources: [hash_match], banks: [ncmec], min_score: {default: 0.5}}
    then: {action: {type: remove}}
  - id: model.review
    when: {category: hate, detectors: [clf], model_versions: [v2], min_score: {default: 0.5}}
    then: {review: {queue: hate}}
"""
    e = engine_from_text(text, "r.yaml", packs)

    def s(source: str, cat: str, detector: str = "d", **ev: str) -> Signal:
        return Signal(
            source=SignalSource(source),
            detector=detector,
            category=cat,
            score=0.9,
            evidence=Evidence(**ev),
        )

    assert e.decide(post(), [s("hash_match", "child_safety", bank="ncmec")], ctx()).actions
    assert not e.decide(post(), [s("hash_match", "child_safety", bank="other")], ctx()).actions
    assert not e.decide(post(), [s("classifier", "child_safety", bank="ncmec")], ctx()).actions
    assert e.decide(post(), [s("classifier", "hate", "clf", model_version="v2")], ctx()).review
    assert (
        e.decide(post(), [s("classifier", "hate", "clf", model_version="v1")], ctx()).review is None
    )
