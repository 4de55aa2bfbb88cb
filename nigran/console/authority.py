"""Console pages for authority accounts: send an order, follow it, export the record.

A console account with the ``authority`` role signs in under the id of its authority (the id given
to ``nigran authorities add``, e.g. ``PTA``) and sees only that authority's orders. Another
authority's order answers exactly like one that does not exist (404), so nothing can be inferred.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from nigran.console.routes import _error, _guard, _render, _store
from nigran.errors import Forbidden, InvalidInput, NigranError
from nigran.legal import orders
from nigran.legal.authorities import Authority, get_authority
from nigran.model import OrderType, utcnow
from nigran.policy.packs import default_packs
from nigran.review import auth
from nigran.runtime.jsonl import describe_validation

router = APIRouter(prefix="/console/orders", include_in_schema=False)


def _authority(request: Request, sess: auth.Session) -> Authority:
    with _store(request).read() as conn:
        a = get_authority(conn, sess.user.id, missing_ok=True)
    if a is None:
        raise Forbidden(
            f"account {sess.user.id!r} is not an authority registered with `nigran authorities add`"
        )
    return a


def _grounds(a: Authority) -> list[tuple[str, str]]:
    packs = default_packs()
    return sorted(
        (code, g.label)
        for code, g in packs.grounds.items()
        if code.split(".", 1)[0] == a.jurisdiction
    )


async def _signed_in(
    request: Request, post: bool = False
) -> tuple[auth.Session, Authority] | Response:
    sess = await _guard(request, "authority", post=post)
    if isinstance(sess, Response):
        return sess
    if "admin" in sess.user.roles and "authority" not in sess.user.roles:
        return _error(request, Forbidden("these pages are for authority accounts"), sess)
    try:
        return sess, _authority(request, sess)
    except NigranError as exc:
        return _error(request, exc, sess)


@router.get("")
async def order_list(request: Request) -> Response:
    got = await _signed_in(request)
    if isinstance(got, Response):
        return got
    sess, a = got
    with _store(request).read() as conn:
        views = orders.list_orders(conn, authority_id=a.id, limit=1000)
    rows = [v.authority_view() for v in views]
    return _render(request, "orders.html", sess=sess, authority=a, orders=rows)


@router.get("/new")
async def order_form(request: Request) -> Response:
    got = await _signed_in(request)
    if isinstance(got, Response):
        return got
    sess, a = got
    return _render(
        request,
        "order_new.html",
        sess=sess,
        authority=a,
        grounds=_grounds(a),
        order_types=[t.value for t in OrderType],
        form={},
        problem=None,
    )


@router.post("/new")
async def order_submit(request: Request) -> Response:
    got = await _signed_in(request, post=True)
    if isinstance(got, Response):
        return got
    sess, a = got
    form = await request.form()
    data: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        body = orders.OrderIn(
            order_type=OrderType(data.get("order_type") or "standard"),
            legal_ground=data.get("legal_ground") or None,
            items=[line.strip() for line in data.get("items", "").splitlines() if line.strip()],
            reasons=data.get("reasons", ""),
            written_reasons=data.get("written_reasons") or None,
            requested_scope="global"
            if data.get("requested_scope") == "global"
            else "issuing_country",
            external_ref=data.get("external_ref") or None,
        )
        with _store(request).transaction() as conn:
            view = orders.receive(conn, a.id, body, now=utcnow())
    except (ValidationError, ValueError, NigranError) as exc:
        problem = (
            describe_validation(exc)
            if isinstance(exc, ValidationError)
            else exc.message
            if isinstance(exc, NigranError)
            else str(exc)
        )
        return _render(
            request,
            "order_new.html",
            status=422,
            sess=sess,
            authority=a,
            grounds=_grounds(a),
            order_types=[t.value for t in OrderType],
            form=data,
            problem=problem,
        )
    return RedirectResponse(f"/console/orders/{view.id}", 303)


@router.get("/export.{fmt}")
async def order_export(request: Request, fmt: str) -> Response:
    got = await _signed_in(request)
    if isinstance(got, Response):
        return got
    sess, a = got
    if fmt not in ("csv", "json"):
        return _error(request, InvalidInput("export as .csv or .json"), sess)
    with _store(request).read() as conn:
        views = orders.list_orders(conn, authority_id=a.id, limit=1_000_000)
    if fmt == "csv":
        return PlainTextResponse(
            orders.export_csv(views),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{a.id}-orders.csv"'},
        )
    return Response(
        orders.export_json(views),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{a.id}-orders.json"'},
    )


@router.get("/{order_id}")
async def order_page(request: Request, order_id: str) -> Response:
    got = await _signed_in(request)
    if isinstance(got, Response):
        return got
    sess, a = got
    try:
        with _store(request).read() as conn:
            view = orders.get(conn, order_id, authority_id=a.id)
    except NigranError as exc:
        return _error(request, exc, sess)
    return _render(request, "order.html", sess=sess, authority=a, order=view.authority_view())
