"""Policy over HTTP: taxonomy, packs, versions, order deadlines, evaluating an item against a
chosen rules version ("why would this be withheld in PK?"), and what is withheld in a country."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from nigran.enforce import Enforcer
from nigran.errors import InvalidInput
from nigran.model import Content, Decision, Signal
from nigran.policy import PolicyContext
from nigran.policy import engine as eng
from nigran.policy import packs as pk
from nigran.policy.deadlines import order_deadline
from nigran.policy.durations import parse_instant
from nigran.policy.taxonomy import taxonomy
from nigran.policy.visibility import VisibilityIndex

router = APIRouter(prefix="/v1/policy", tags=["policy"])


@router.get("/taxonomy", summary="Global categories with severity and DSA mapping")
def get_taxonomy() -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "severity": c.severity,
            "description": c.description,
            "dsa_category": c.dsa_category,
            "dsa_keywords": list(c.dsa_keywords),
        }
        for c in taxonomy().values()
    ]


@router.get("/packs", summary="Jurisdiction packs in force")
def get_packs() -> list[dict[str, Any]]:
    return [
        {
            "pack": p.id,
            "name": p.name,
            "version": p.version,
            "extends": p.extends,
            "territory": list(p.territory),
            "reviewed_at": p.reviewed_at.isoformat(),
            "legal_review_required": p.legal_review_required,
        }
        for p in sorted(pk.default_packs().packs.values(), key=lambda p: p.id)
    ]


@router.get("/packs/{pack_id}", summary="One pack as written, with sources and verification")
def get_pack(pack_id: str) -> dict[str, Any]:
    return dict(pk.default_packs().pack(pack_id).data)


@router.get("/versions", summary="Rules versions and their status")
def get_versions() -> list[dict[str, str]]:
    out = []
    for v in eng.versions():
        e = eng.load_engine(v)
        out.append(
            {
                "rules": v,
                "status": e.status,
                "policy_version": e.version,
                "description": e.description,
            }
        )
    return out


@router.get("/deadline", summary="An order's deadline from the pack term in force at receipt")
def get_deadline(
    pack: str, order_type: str, received_at: Annotated[str, Query(description="ISO 8601 with zone")]
) -> dict[str, Any]:
    d = order_deadline(pk.default_packs().pack(pack), order_type, parse_instant(received_at))
    return {
        "order_type": d.order_type,
        "pack": d.pack,
        "pack_version": d.pack_version,
        "term_from": d.term_from.isoformat(),
        "term_until": d.term_until.isoformat() if d.term_until else None,
        "standard": d.standard,
        "basis": d.basis,
        "due_at": d.due_at.isoformat() if d.due_at else None,
        "slo_at": d.slo_at.isoformat() if d.slo_at else None,
        "act_by": d.act_by.isoformat(),
        "required_fields": list(d.required_fields),
        "verification": {
            "status": d.verification.status,
            "sources": list(d.verification.sources),
            "note": d.verification.note,
        },
    }


class EvaluateContext(BaseModel):
    author_strikes: int = Field(0, ge=0)
    viewer_countries: list[str] = Field(default_factory=list)
    audience_min_age: int | None = Field(None, ge=0, le=21)


class EvaluateRequest(BaseModel):
    content: Content
    signals: list[Signal] | None = None
    """Signals to decide on; omitted: the default detectors run on the content."""
    context: EvaluateContext = Field(default_factory=EvaluateContext)
    countries: list[str] = Field(default_factory=lambda: ["PK", "IN", "DE", "US"])
    viewer_age: int | None = Field(None, ge=0, le=150)


class EvaluateResponse(BaseModel):
    decision: Decision
    signals: list[Signal]
    visible: dict[str, str]
    """Per requested country: visible, age_restricted, withheld or removed, for ``viewer_age``."""


@router.post("/evaluate", summary="Decide an item with a chosen rules version; enforces nothing")
def evaluate(
    body: EvaluateRequest, version: Annotated[str | None, Query(description="rules version")] = None
) -> EvaluateResponse:
    engine = eng.load_engine(version)
    if body.signals is None:
        from nigran.detect import default_detectors

        signals = [s for d in default_detectors() for s in d.detect([body.content])[0]]
    else:
        signals = body.signals
    ctx = PolicyContext(
        author_strikes=body.context.author_strikes,
        viewer_countries=tuple(c.upper() for c in body.context.viewer_countries),
        audience_min_age=body.context.audience_min_age,
    )
    decision = engine.decide(body.content, signals, ctx)
    ix = VisibilityIndex()
    ix.apply_decision(decision, "evaluate")
    seen = {}
    for c in body.countries:
        country = c.upper()
        if len(country) != 2 or not country.isalpha():
            raise InvalidInput(f"{c!r} is not an ISO country code", where="countries")
        ok = ix.visible(body.content.id, country, body.viewer_age)
        seen[country] = "visible" if ok else ix.state(body.content.id, country)[0].value
    return EvaluateResponse(decision=decision, signals=signals, visible=seen)


@router.get("/withheld/{country}", summary="Items a viewer in a country cannot see")
def withheld(request: Request, country: str) -> dict[str, Any]:
    # The serving path's own index (built from the restrictions in force), brought up to date.
    enforcer: Enforcer = request.app.state.enforcer
    enforcer.sync()
    ix = enforcer.index
    code = country.upper()
    items = [
        {
            "id": cid,
            "visibility": ix.state(cid, code)[0].value,
            "grounds": sorted({r.ground or "" for r in ix.restrictions(cid)}),
        }
        for cid in ix.withheld_in(code)
    ]
    return {"country": code, "count": len(items), "items": items}
