"""Authorities, legal review, reports, appeals and the DSA export over HTTP.

Every route needs ``Authorization: Bearer <key>``: a key from ``nigran keys create`` (roles
authority, legal, platform, admin), or a review-room API token of a user with the ``legal``
(or ``admin``) role. The role decides what the caller may do, and an authority key sees only
its own authority's orders. An order id of another authority answers
exactly as an id that does not exist (404, same message), so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict

from nigran.errors import Forbidden, Unauthorized
from nigran.legal import appeals, authorities, dsa, orders, reports
from nigran.legal.authorities import Principal
from nigran.legal.orders import Clarification, OrderIn
from nigran.legal.reports import ReportIn
from nigran.model import ActionType, utcnow
from nigran.store import Store

router = APIRouter(prefix="/v1", tags=["legal"])


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    key = None
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    store = _store(request)
    try:
        with store.read() as conn:
            return authorities.authenticate(conn, key)
    except Unauthorized:
        if not key:
            raise
    # Legal reviewers may use the review room's accounts: a user with the ``legal`` role acts
    # as a legal reviewer here. Authority and platform keys live in this room's own table,
    # because an authority key must be bound to one authority.
    from nigran.review.auth import token_user

    user = token_user(store, key)
    if user is None:
        raise Unauthorized("unknown or revoked API key")
    if "legal" in user.roles:
        return Principal(user.id, "legal")
    if "admin" in user.roles:
        return Principal(user.id, "admin")
    raise Forbidden(f"user {user.id} has no legal or admin role", where=user.id)


Who = Annotated[Principal, Depends(principal)]


def _authority(p: Principal) -> str | None:
    """The authority an order query is limited to: the key's own for authority keys."""
    if p.role == "authority":
        return p.authority_id
    p.require("legal", "admin")
    return None


# -- admin ---------------------------------------------------------------------------------------


class AuthorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    jurisdiction: str
    requester: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principal: str
    role: Literal["authority", "legal", "platform", "flagger", "admin"]
    authority_id: str | None = None


@router.post("/legal/authorities", status_code=201)
def add_authority(body: AuthorityIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("admin")
    with _store(request).transaction() as conn:
        a = authorities.add_authority(conn, body.id, body.name, body.jurisdiction, body.requester)
    return {"id": a.id, "name": a.name, "jurisdiction": a.jurisdiction, "requester": a.requester}


@router.post("/legal/keys", status_code=201)
def create_key(body: KeyIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("admin")
    with _store(request).transaction() as conn:
        key = authorities.create_key(
            conn, body.principal, body.role, authority_id=body.authority_id
        )
    return {"key": key, "principal": body.principal, "role": body.role}


# -- orders --------------------------------------------------------------------------------------


@router.post("/orders", status_code=201, summary="An authority sends an order")
def post_order(body: OrderIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("authority")
    assert p.authority_id is not None
    with _store(request).transaction() as conn:
        v = orders.receive(conn, p.authority_id, body, now=utcnow())
    return v.authority_view()


@router.get("/orders", summary="Orders: an authority's own, or all for legal reviewers")
def list_orders(
    p: Who,
    request: Request,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    scope = _authority(p)
    with _store(request).read() as conn:
        views = orders.list_orders(conn, authority_id=scope, status=status, limit=limit)
    return [v.authority_view() if scope else v.full_view() for v in views]


@router.get("/orders/export", summary="Export orders as CSV or JSON")
def export_orders(p: Who, request: Request, format: Literal["csv", "json"] = "csv") -> Response:
    scope = _authority(p)
    with _store(request).read() as conn:
        views = orders.list_orders(conn, authority_id=scope, limit=1_000_000)
    if format == "csv":
        return PlainTextResponse(orders.export_csv(views), media_type="text/csv")
    return Response(orders.export_json(views), media_type="application/json")


@router.get("/orders/{order_id}")
def get_order(order_id: str, p: Who, request: Request) -> dict[str, Any]:
    scope = _authority(p)
    with _store(request).read() as conn:
        v = orders.get(conn, order_id, authority_id=scope)
    return v.authority_view() if scope else v.full_view()


@router.post("/orders/{order_id}/clarify", summary="The authority supplies missing fields")
def clarify(order_id: str, body: Clarification, p: Who, request: Request) -> dict[str, Any]:
    p.require("authority")
    assert p.authority_id is not None
    with _store(request).transaction() as conn:
        v = orders.clarify(conn, p.authority_id, order_id, body, now=utcnow())
    return v.authority_view()


class OrderDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["withhold", "global", "refuse"]
    reasons: str = ""
    items: list[str] | None = None
    tos_category: str | None = None


@router.post("/orders/{order_id}/decide", summary="A legal reviewer decides an order")
def decide_order(order_id: str, body: OrderDecisionIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("legal")
    with _store(request).transaction() as conn:
        v = orders.decide(
            conn,
            order_id,
            reviewer=p.name,
            outcome=body.outcome,
            reasons=body.reasons,
            items=body.items,
            tos_category=body.tos_category,
            now=utcnow(),
        )
    return v.full_view()


@router.post("/orders/{order_id}/acknowledge", summary="Legal staff confirm receipt of an order")
def acknowledge_order(order_id: str, p: Who, request: Request) -> dict[str, Any]:
    p.require("legal")
    with _store(request).transaction() as conn:
        v = orders.acknowledge(conn, order_id, by=p.name, now=utcnow())
    return v.full_view()


class RespondIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = None


@router.post("/orders/{order_id}/respond", summary="Tell the authority the effect given")
def respond(order_id: str, body: RespondIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("legal")
    with _store(request).transaction() as conn:
        v = orders.respond(conn, order_id, by=p.name, text=body.text, now=utcnow())
    return v.full_view()


@router.post("/legal/escalate", summary="Escalate open orders close to their deadline")
def escalate(p: Who, request: Request) -> dict[str, Any]:
    p.require("legal", "admin")
    with _store(request).transaction() as conn:
        return {"escalated": orders.escalate_at_risk(conn, now=utcnow())}


# -- reports and appeals -------------------------------------------------------------------------


def _legal(p: Principal) -> bool:
    return p.role in ("legal", "admin")


@router.post("/reports", status_code=201, summary="A user's report (DSA Art. 16 notice)")
def post_report(body: ReportIn, p: Who, request: Request) -> dict[str, Any]:
    """The platform files its users' notices; a trusted flagger files its own with its
    ``flagger`` key, and only then (within its jurisdiction and areas) is it one."""
    p.require("platform", "flagger")
    flagger = p.name if p.role == "flagger" else None
    with _store(request).transaction() as conn:
        made = reports.submit(conn, body, now=utcnow(), flagger=flagger)
        return _jsonable(reports.view(made, legal=_legal(p)))


@router.get("/trusted-flaggers", summary="Trusted flaggers: award, expertise, status")
def get_trusted_flaggers(p: Who, request: Request) -> list[dict[str, Any]]:
    """Who holds trusted-flagger status (DSA Art. 22), awarded by whom, for what, since when,
    and who revoked it; for legal staff."""
    p.require("legal", "admin")
    with _store(request).read() as conn:
        return [_jsonable(r) for r in reports.list_trusted_flaggers(conn)]


@router.get(
    "/reports/{report_id}",
    summary="A report; a confidential notifier's identity only for the legal role",
)
def get_report(report_id: str, p: Who, request: Request) -> dict[str, Any]:
    p.require("platform", "legal", "admin")
    with _store(request).read() as conn:
        return _jsonable(reports.view(reports.get(conn, report_id), legal=_legal(p)))


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    founded: bool
    action: ActionType | None = None
    scope: str | None = None


@router.post("/reports/{report_id}/resolve")
def resolve_report(report_id: str, body: ResolveIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("legal")
    with _store(request).transaction() as conn:
        return _jsonable(
            reports.resolve(
                conn,
                report_id,
                founded=body.founded,
                reviewer=p.name,
                action=body.action,
                scope=body.scope,
                now=utcnow(),
            )
        )


class ContestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str
    """The notifier, as the platform knows them (only they may contest)."""
    reasons: str


@router.post(
    "/reports/{report_id}/contest",
    summary="The notifier contests a decision not to act (DSA Art. 20)",
)
def contest_report(report_id: str, body: ContestIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("platform")
    with _store(request).transaction() as conn:
        return _jsonable(
            reports.view(
                reports.contest(conn, report_id, by=body.by, reasons=body.reasons, now=utcnow()),
                legal=_legal(p),
            )
        )


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_id: str
    appellant: str
    reason: str
    restriction_id: str | None = None
    """The restriction appealed; needed when several are in force on the item."""


@router.post("/appeals", status_code=201, summary="The author appeals a restriction")
def post_appeal(body: AppealIn, p: Who, request: Request) -> dict[str, Any]:
    p.require("platform")
    with _store(request).transaction() as conn:
        return _jsonable(
            appeals.file(
                conn,
                content_id=body.content_id,
                appellant=body.appellant,
                reason=body.reason,
                restriction_id=body.restriction_id,
                now=utcnow(),
            )
        )


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["reversed", "upheld"]
    reason: str


@router.post("/appeals/{appeal_id}/decide")
def decide_appeal(
    appeal_id: str, body: AppealDecisionIn, p: Who, request: Request
) -> dict[str, Any]:
    p.require("legal")
    with _store(request).transaction() as conn:
        return _jsonable(
            appeals.decide(
                conn,
                appeal_id,
                reviewer=p.name,
                reviewer_roles=(p.role,),
                outcome=body.outcome,
                reason=body.reason,
                now=utcnow(),
            )
        )


@router.get("/dsa/statements", summary="DSA statements of reasons, validated")
def dsa_statements(
    p: Who, request: Request, limit: Annotated[int, Query(ge=1, le=dsa.BATCH)] = dsa.BATCH
) -> dict[str, Any]:
    p.require("legal", "admin")
    out: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    with _store(request).read() as conn:
        for _, sor in dsa.statements(conn):
            if sor is None:
                continue
            errs = dsa.validate(sor)
            if errs:
                problems += [{"puid": e.puid, "field": e.field, "message": e.message} for e in errs]
            elif len(out) < limit:
                out.append(sor)
    return {"statements": out, "problems": problems}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
