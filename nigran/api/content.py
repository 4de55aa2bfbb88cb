"""Content in, decisions and visibility out."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from nigran.enforce import Enforcer
from nigran.errors import InvalidInput, NigranError
from nigran.model import MAX_INT32, Content, Decision, Signal, Visibility
from nigran.runtime.jsonl import parse_item
from nigran.runtime.pipeline import Outcome, Pipeline
from nigran.store import Store, queries

router = APIRouter(prefix="/v1", tags=["content"])


class ItemResult(BaseModel):
    index: int
    id: str | None = None
    version: int | None = None
    status: str
    """``moderated``, ``duplicate`` or ``error``."""
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class BatchResponse(BaseModel):
    items: list[ItemResult]
    moderated: int
    duplicates: int
    errors: int


class SignalView(BaseModel):
    id: int
    signal: Signal


class ContentView(BaseModel):
    content: Content
    language: str | None
    received_at: str
    versions: list[int]
    decision_id: int
    decision: Decision
    signals: list[SignalView]
    visibility: dict[str, dict[str, Any]]
    """Per country row (``*`` = everywhere else): visibility, ground, min_age."""
    restrictions: list[dict[str, Any]]
    """Every restriction the item has had, with its source and, once lifted, by what."""
    ledger: list[int]


class VisibilityView(BaseModel):
    id: str
    country: str | None
    viewer_age: int | None
    visible: bool
    visibility: Visibility
    ground: str | None
    min_age: int | None


@router.post(
    "/content",
    response_model=BatchResponse,
    summary="Moderate one item or a batch",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Content"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/Content"}},
                            {
                                "type": "object",
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Content"},
                                    }
                                },
                            },
                        ]
                    }
                }
            },
        }
    },
)
async def post_content(request: Request) -> BatchResponse:
    """One item (a Content object), or a batch (an array, or ``{"items": [...]}``).

    Each item is validated and moderated on its own: a bad item is reported in its slot with a
    code and message; the others are processed. The same id+version sent again returns the
    stored decision (``duplicate``).
    """
    raw = await request.body()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"request body is not valid JSON: {exc}") from exc
    single = isinstance(data, dict) and "items" not in data
    items_raw = [data] if single else (data["items"] if isinstance(data, dict) else data)
    if not isinstance(items_raw, list) or not items_raw:
        raise InvalidInput('send a content object, a non-empty array, or {"items": [...]}')
    limit: int = request.app.state.max_batch_items
    if len(items_raw) > limit:
        raise InvalidInput(f"batch of {len(items_raw)} items is over the limit of {limit}")

    results: list[ItemResult] = [ItemResult(index=i, status="error") for i in range(len(items_raw))]
    valid: list[tuple[int, Content]] = []
    failures: dict[int, NigranError] = {}
    for i, d in enumerate(items_raw):
        try:
            valid.append((i, parse_item(d)))
        except NigranError as exc:
            failures[i] = exc
            if isinstance(d, dict) and isinstance(d.get("id"), str):
                results[i].id = d["id"]
    pipeline: Pipeline = request.app.state.pipeline
    batch = await run_in_threadpool(pipeline.run, [c for _, c in valid])
    for outcome in batch.outcomes:
        idx = valid[outcome.index][0]
        results[idx] = _item_result(idx, outcome)
    for e in batch.errors:
        i, c = valid[e.index]
        results[i].id, results[i].version = c.id, c.version
        failures[i] = e.error
    if single and failures:
        raise failures[0]
    for i, failure in failures.items():
        results[i].error = {"code": failure.code, "message": failure.message}
    return BatchResponse(
        items=results,
        moderated=sum(r.status == "moderated" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        errors=sum(r.status == "error" for r in results),
    )


def _item_result(index: int, outcome: Outcome) -> ItemResult:
    return ItemResult(
        index=index,
        id=outcome.content.id,
        version=outcome.content.version,
        status="duplicate" if outcome.duplicate else "moderated",
        result=outcome.summary(),
    )


@router.get(
    "/content/{content_id}", response_model=ContentView, summary="Decision, signals, visibility"
)
def get_content(
    request: Request,
    content_id: str,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_INT32, description="Default: the latest")
    ] = None,
) -> ContentView:
    store: Store = request.app.state.store
    with store.read() as conn:
        rec = queries.content_record(conn, content_id, version)
    return ContentView(
        content=rec.content,
        language=rec.language,
        received_at=rec.received_at,
        versions=rec.versions,
        decision_id=rec.decision_id,
        decision=rec.decision,
        signals=[
            SignalView(id=i, signal=s) for i, s in zip(rec.signal_ids, rec.signals, strict=True)
        ],
        visibility={
            country: {
                "visibility": r.visibility.value,
                "ground": r.ground,
                "min_age": r.min_age,
                "expires_at": r.expires_at.isoformat() if r.expires_at else None,
            }
            for country, r in rec.visibility.items()
        },
        restrictions=[r.model_dump(mode="json") for r in rec.restrictions],
        ledger=rec.ledger,
    )


@router.get(
    "/visibility/{content_id}", response_model=VisibilityView, summary="May this viewer see it?"
)
async def get_visibility(
    request: Request,
    content_id: str,
    country: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="Viewer's country")
    ] = None,
    viewer_age: Annotated[int | None, Query(ge=0, le=150)] = None,
) -> VisibilityView:
    """Answered from memory (kept in sync with the store through the ledger), never the database.
    An id Nigran has not restricted is visible."""
    enforcer: Enforcer = request.app.state.enforcer
    answer = enforcer.answer(content_id, country, viewer_age)
    return VisibilityView(
        id=content_id,
        country=country.upper() if country else None,
        viewer_age=viewer_age,
        visible=answer.visible,
        visibility=answer.visibility,
        ground=answer.ground,
        min_age=answer.min_age,
    )
