"""Human review over HTTP: queues, claims, decisions, escalation, QA, users.

Every route needs an API token (``Authorization: Bearer ngr_…``, made with ``nigran users
token``); what it may do follows the token's user's roles and queue assignments (see
:mod:`nigran.review.auth`). A reviewer asking about a queue or case outside their assignments
gets 403, never the data.
"""

from __future__ import annotations

import random
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from nigran.banks.reviewer import bank_after_decision
from nigran.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from nigran.model import utcnow
from nigran.review import auth, cases, decide, exposure, qa, queues, sla, views, wellness
from nigran.store import Store, queries

router = APIRouter(prefix="/v1/review", tags=["review"])


def _store(request: Request) -> Store:
    s: Store = request.app.state.store
    return s


def current_user(request: Request) -> auth.User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send an API token: Authorization: Bearer <token>")
    user = auth.token_user(_store(request), token.strip())
    if user is None:
        raise Unauthorized("unknown or revoked API token")
    if not user.has(*auth.REVIEW_ROLES):
        raise Forbidden("this account has no review role", where=user.id)
    return user


UserDep = Annotated[auth.User, Depends(current_user)]


def _visible_case(store: Store, user: auth.User, case_id: str) -> Any:
    with store.read() as conn:
        row = cases.case_row(conn, case_id)
    if not cases.may_see(user.reviewer(), row):
        raise Forbidden(
            f"case {case_id} is in queue {row.queue!r}, not one of yours", where=case_id
        )
    return row


class QueueView(BaseModel):
    id: str
    name: str
    open: int
    claimed: int
    oldest: str | None
    at_risk: int
    breached: int


class ClaimView(BaseModel):
    case_id: str
    seq: int
    expires_at: str
    held: bool = False
    """True: the reviewer already held this case (one claim at a time); no new claim was made."""


class VerdictIn(BaseModel):
    action: str = Field(description="none, or an action type: label, remove, withhold, ...")
    ground: str | None = Field(None, description="policy:<category> or law:<CC.CODE>")
    countries: list[str] | None = None
    statement: str = ""
    min_age: int | None = None
    bank_action: str | None = Field(None, description="add | negative")


class EscalateIn(BaseModel):
    to: str
    note: str = ""


class NoteIn(BaseModel):
    note: str = ""


class ReportIn(BaseModel):
    content_id: str
    version: int | None = None
    category: str
    source: str = "user_report"
    severity: int | None = Field(None, ge=0, le=4)


class SampleIn(BaseModel):
    rate: float = Field(ge=0.0, le=1.0)
    reviewer: str | None = None
    categories: list[str] | None = None
    seed: int | None = None


class UserIn(BaseModel):
    id: str
    password: str
    roles: list[str] = ["reviewer"]
    display_name: str | None = None
    languages: list[str] = []
    categories: list[str] = []
    queues: list[str] = []


def _user_out(u: auth.User) -> dict[str, Any]:
    return {
        "id": u.id,
        "display_name": u.display_name,
        "roles": sorted(u.roles),
        "languages": list(u.languages),
        "categories": list(u.categories),
        "queues": sorted(u.queues),
        "wellness": u.wellness,
        "active": u.active,
    }


@router.get("/queues", response_model=list[QueueView])
def list_queues(request: Request, user: UserDep) -> list[QueueView]:
    cfg = queues.config()
    mine = queues.visible_queues(cfg, sorted(user.queues), sorted(user.roles))
    now = utcnow()
    with _store(request).read() as conn:
        stats = cases.queue_stats(conn, [q.id for q in mine], now)
    return [
        QueueView(
            id=q.id,
            name=q.name,
            open=stats[q.id].open,
            claimed=stats[q.id].claimed,
            oldest=o.isoformat() if (o := stats[q.id].oldest) else None,
            at_risk=stats[q.id].at_risk,
            breached=stats[q.id].breached,
        )
        for q in mine
    ]


@router.post("/queues/{queue}/claim", response_model=ClaimView | None)
async def claim(request: Request, queue: str, user: UserDep, response: Response) -> Any:
    if queue not in queues.config().ids:
        raise NotFound(f"no queue {queue!r}", where=queue)
    got = await run_in_threadpool(cases.claim_next, _store(request), user.reviewer(), queue)
    if got is None:
        response.status_code = 204
        return None
    return ClaimView(
        case_id=got.case_id, seq=got.seq, expires_at=got.expires_at.isoformat(), held=got.held
    )


@router.get("/cases/{case_id}")
def get_case(request: Request, case_id: str, user: UserDep) -> dict[str, Any]:
    store = _store(request)
    _visible_case(store, user, case_id)
    with store.read() as conn:
        v = views.case_view(conn, case_id, utcnow())
    c = v.case
    return {
        "case": {
            k: (x.isoformat() if hasattr(x, "isoformat") else x)
            for k, x in c.items()
            if k != "expected"  # golden answers stay hidden from the person being scored
        },
        "sla": v.sla,
        "content": v.content.model_dump(mode="json", exclude_none=True),
        "signals": [s.model_dump(mode="json", exclude_none=True) for s in v.signals],
        "history": [
            {k: (x.isoformat() if hasattr(x, "isoformat") else x) for k, x in h.items()}
            for h in v.history
        ],
    }


@router.post("/cases/{case_id}/decision")
async def post_decision(
    request: Request, case_id: str, body: VerdictIn, user: UserDep
) -> dict[str, Any]:
    store = _store(request)
    _visible_case(store, user, case_id)
    if body.ground and body.ground.startswith("law:") and not user.has("legal", "lead"):
        raise Forbidden("deciding on a legal ground needs the legal or lead role", where=case_id)
    verdict = decide.Verdict(
        action=body.action,
        ground=body.ground,
        countries=tuple(body.countries) if body.countries else None,
        statement=body.statement,
        min_age=body.min_age,
        bank_action=body.bank_action,
    )
    r = await run_in_threadpool(decide.decide, store, case_id, user.id, verdict)
    # The decision has committed; "add to bank" follows in its own transaction.
    r = await run_in_threadpool(
        bank_after_decision,
        store,
        r,
        verdict,
        bank_store=request.app.state.pipeline.bank_store,
    )
    return {
        "case_id": r.case_id,
        "decision_id": r.decision_id,
        "label": r.label,
        "ledger": r.ledger,
        "banked": list(r.banked),
        "bank_error": r.bank_error,
    }


@router.post("/cases/{case_id}/escalate", status_code=204)
def post_escalate(request: Request, case_id: str, body: EscalateIn, user: UserDep) -> None:
    store = _store(request)
    _visible_case(store, user, case_id)
    cases.escalate(store, case_id, user.id, body.to, body.note)


@router.post("/cases/{case_id}/second-opinion", status_code=204)
def post_second_opinion(request: Request, case_id: str, body: NoteIn, user: UserDep) -> None:
    store = _store(request)
    _visible_case(store, user, case_id)
    cases.second_opinion(store, case_id, user.id, body.note)


@router.post("/cases/{case_id}/release", status_code=204)
def post_release(request: Request, case_id: str, user: UserDep) -> None:
    store = _store(request)
    _visible_case(store, user, case_id)
    cases.release(store, case_id, user.id)


@router.post("/reports", status_code=201)
def post_report(request: Request, body: ReportIn, user: UserDep) -> dict[str, Any]:
    """A user report or trusted-flagger flag: opens a case routed like every other."""
    user.require("lead")
    store = _store(request)
    from nigran.policy.taxonomy import taxonomy

    cats = taxonomy()
    if body.category not in cats:
        raise InvalidInput(f"unknown category {body.category!r}", where="category")
    with store.transaction() as conn:
        rec = queries.content_record(conn, body.content_id, body.version)
        case_id = cases.open_case(
            conn,
            rec.content,
            category=body.category,
            severity=body.severity if body.severity is not None else cats[body.category].severity,
            language=rec.language,
            source=body.source,
            decision_id=rec.decision_id,
        )
    return {"case_id": case_id}


@router.get("/qa")
def get_qa(request: Request, user: UserDep) -> dict[str, Any]:
    user.require("lead")
    with _store(request).read() as conn:
        r = qa.report(conn)
    return {
        "kappa": [{"pair": list(p), "kappa": k, "items": n} for p, (k, n) in r.kappa.items()],
        "alpha": {
            dim: {k: {"alpha": a, "units": n} for k, (a, n) in vals.items()}
            for dim, vals in r.alpha.items()
        },
        "overturn": {k: {"rate": v, "reviewed": n} for k, (v, n) in r.overturn.items()},
        "golden": {k: {"accuracy": v, "answered": n} for k, (v, n) in r.golden.items()},
    }


@router.post("/qa/sample")
def post_sample(request: Request, body: SampleIn, user: UserDep) -> dict[str, Any]:
    user.require("lead")
    rng = random.Random(body.seed)
    opened = qa.sample(
        _store(request), body.rate, rng=rng, reviewer=body.reviewer, categories=body.categories
    )
    return {"opened": opened}


@router.post("/sla/sweep")
def post_sweep(request: Request, user: UserDep) -> dict[str, Any]:
    user.require("lead")
    return {"events": sla.sweep(_store(request))}


class WellnessIn(BaseModel):
    """A reviewer's own wellness preferences; only the fields sent change. ``exposure_limit``
    null goes back to the team's limit."""

    model_config = ConfigDict(extra="forbid")

    blur: int | None = Field(default=None, ge=0, le=3)
    greyscale: bool | None = None
    mute: bool | None = None
    autoplay: bool | None = None
    queue_thumbnails: bool | None = None
    exposure_limit: int | None = Field(default=None, ge=1, le=wellness.MAX_EXPOSURE_LIMIT)


def _wellness_out(request: Request, user: auth.User) -> dict[str, Any]:
    w = wellness.of(user.wellness)
    with _store(request).read() as conn:
        e = exposure.status(conn, user.id, user.wellness, utcnow(), queue_ids=user.queues)
    return {
        "settings": {k: getattr(w, k) for k in wellness.EDITABLE},
        "team_exposure_limit": exposure.team_limit(user.queues),
        "shift_hours": float(user.wellness.get("shift_hours", 8)),
        "exposure": {
            "graphic": e.graphic,
            "limit": e.limit,
            "seconds": e.seconds,
            "suggest_break": e.suggest_break,
        },
    }


@router.get("/me/wellness")
def get_wellness(request: Request, user: UserDep) -> dict[str, Any]:
    """The caller's wellness settings and their exposure to graphic media this shift."""
    return _wellness_out(request, user)


@router.patch("/me/wellness")
def patch_wellness(request: Request, body: WellnessIn, user: UserDep) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if v is not None or k == "exposure_limit"}
    return _wellness_out(request, auth.set_wellness(_store(request), user.id, changes))


@router.get("/users")
def get_users(request: Request, user: UserDep) -> list[dict[str, Any]]:
    user.require("admin")
    return [_user_out(u) for u in auth.list_users(_store(request))]


@router.post("/users", status_code=201)
def post_user(request: Request, body: UserIn, user: UserDep) -> dict[str, Any]:
    user.require("admin")
    u = auth.add_user(
        _store(request),
        body.id,
        body.password,
        roles=body.roles,
        display_name=body.display_name,
        languages=body.languages,
        categories=body.categories,
        queues=body.queues,
    )
    return _user_out(u)
