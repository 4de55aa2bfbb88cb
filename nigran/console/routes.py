"""The review console: server-rendered pages (Jinja2) with htmx for partial refreshes.

Sessions are an HttpOnly, SameSite=Strict cookie; every form and htmx request carries the
session's CSRF token (hidden field or ``X-CSRF-Token`` header) and a POST without it is refused.
Pages send a strict Content-Security-Policy: scripts and styles come only from the vendored
files under ``/console/static``, never from a CDN or inline.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from nigran.banks.reviewer import bank_after_decision
from nigran.console import charts, thumbnails
from nigran.errors import (
    Forbidden,
    InvalidInput,
    NigranError,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)
from nigran.model import ActionType, utcnow
from nigran.review import auth, cases, decide, exposure, qa, queues, sla, views
from nigran.review import wellness as prefs
from nigran.store import Store
from nigran.store.tables import ledger as ledger_t

router = APIRouter(prefix="/console", include_in_schema=False)
COOKIE = "nigran_session"
LOGIN_CSRF_COOKIE = "nigran_login_csrf"
STATIC = {
    "htmx.min.js": "text/javascript",
    "console.js": "text/javascript",
    "console.css": "text/css",
    "NotoNastaliqUrdu-Regular.ttf": "font/ttf",
}
CSP = (
    "default-src 'self'; img-src 'self' data: https:; media-src 'self' data: https:; "
    "style-src 'self'; script-src 'self'; font-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("nigran.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = lambda d, now: views.clock(d, now)
    env.filters["age"] = _age
    return env


def _age(start: datetime | None, now: datetime) -> str:
    if start is None:
        return "—"
    secs = int((now - start).total_seconds())
    if secs < 3600:
        return f"{secs // 60}m"
    if secs < 86400:
        return f"{secs // 3600}h {secs % 3600 // 60:02d}m"
    return f"{secs // 86400}d {secs % 86400 // 3600}h"


def _store(request: Request) -> Store:
    s: Store = request.app.state.store
    return s


def _render(
    request: Request, name: str, status: int = 200, sess: auth.Session | None = None, **ctx: Any
) -> HTMLResponse:
    html = _env().get_template(name).render(request=request, sess=sess, now=utcnow(), **ctx)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP})


def _session(request: Request) -> auth.Session | None:
    return auth.session(_store(request), request.cookies.get(COOKIE))


def _error(request: Request, exc: NigranError, sess: auth.Session | None) -> HTMLResponse:
    return _render(request, "error.html", status=exc.status, sess=sess, error=exc)


async def _guard(request: Request, *roles: str, post: bool = False) -> auth.Session | Response:
    """The signed-in session with one of ``roles``, or the response that refuses the request."""
    sess = _session(request)
    if sess is None:
        if post:
            return _error(request, Unauthorized("your session has ended; sign in again"), None)
        return RedirectResponse(f"/console/login?next={quote(request.url.path)}", 303)
    if not sess.user.has(*roles):
        return _error(request, Forbidden("your role does not allow this page"), sess)
    if post:
        form = await request.form()
        token = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
        if not auth.csrf_ok(sess, token):
            return _error(request, Forbidden("missing or wrong CSRF token; reload the page"), sess)
    return sess


REVIEW = ("reviewer", "lead", "legal")


def _case_or_403(store: Store, sess: auth.Session, case_id: str) -> Any:
    with store.read() as conn:
        row = cases.case_row(conn, case_id)
    if not cases.may_see(sess.user.reviewer(), row):
        raise Forbidden(f"case {case_id} is not in one of your queues", where=case_id)
    return row


def _queue_or_403(sess: auth.Session, queue: str) -> queues.Queue:
    cfg = queues.config()
    if queue not in cfg.ids:
        raise NotFound(f"no queue {queue!r}", where=queue)
    visible = {
        q.id for q in queues.visible_queues(cfg, sorted(sess.user.queues), sorted(sess.user.roles))
    }
    if queue not in visible and not sess.user.has("legal"):
        raise Forbidden(f"you are not assigned to queue {queue!r}", where=queue)
    return cfg.get(queue)


# -- static, login --------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return Response("not found", status_code=404)
    data = (resources.files("nigran.console") / "static" / name).read_bytes()
    return Response(
        data, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
    )


def _login_form(
    request: Request, nxt: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    """The sign-in form with a fresh CSRF token, also set as a cookie: before there is a session
    to hold a token, the form must send back the one its cookie carries (double submit), so
    another site cannot sign a browser in to an account of its choosing."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        token = secrets.token_urlsafe(32)  # none yet, or not one of ours: a fresh one
    resp = _render(request, "login.html", status=status, next=nxt, error=error, login_csrf=token)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
        path="/console/login",
    )
    return resp


@router.get("/login")
def login_page(request: Request, next: str = "/console") -> HTMLResponse:
    return _login_form(request, next if next.startswith("/console") else "/console")


@router.post("/login")
async def login_post(request: Request) -> Response:
    form = await request.form()
    user_id, password = str(form.get("username", "")), str(form.get("password", ""))
    nxt = str(form.get("next") or "/console")
    if not nxt.startswith("/console"):
        nxt = "/console"
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, str(form.get("csrf") or "")):
        return _login_form(request, nxt, 403, "the sign-in form expired; please sign in again")
    address = request.client.host if request.client else "-"
    try:
        sess = await run_in_threadpool(
            auth.login, _store(request), user_id, password, address=address
        )
    except (Unauthorized, TooManyAttempts) as exc:
        return _login_form(request, nxt, exc.status, exc.message)
    resp = RedirectResponse(nxt, 303)
    resp.set_cookie(
        COOKIE,
        sess.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=auth.SESSION_HOURS * 3600,
        path="/console",
    )
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    sess = await _guard(request, *auth.ROLES, post=True)
    if isinstance(sess, Response):
        return sess
    auth.logout(_store(request), sess.token)
    resp = RedirectResponse("/console/login", 303)
    resp.delete_cookie(COOKIE, path="/console")
    return resp


@router.get("")
@router.get("/")
def home(request: Request) -> Response:
    sess = _session(request)
    if sess is not None and not sess.user.has(*REVIEW) and "authority" in sess.user.roles:
        return RedirectResponse("/console/orders", 303)  # authorities have their own pages
    return RedirectResponse("/console/queues", 303)


# -- queues ---------------------------------------------------------------------------------------


def _wrap(fn: Callable[[], Response], request: Request, sess: auth.Session) -> Response:
    try:
        return fn()
    except NigranError as exc:
        return _error(request, exc, sess)


@router.get("/queues")
async def queue_list(request: Request) -> Response:
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    cfg = queues.config()
    mine = queues.visible_queues(cfg, sorted(sess.user.queues), sorted(sess.user.roles))
    now = utcnow()
    with _store(request).read() as conn:
        stats = cases.queue_stats(conn, [q.id for q in mine], now)
    return _render(request, "queues.html", sess=sess, queues=mine, stats=stats)


@router.get("/queues/{queue}")
async def queue_page(request: Request, queue: str, empty: int = 0, done: str = "") -> Response:
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    s = sess

    def page() -> Response:
        q = _queue_or_403(s, queue)
        now = utcnow()
        with _store(request).read() as conn:
            rows = cases.queue_cases(conn, queue, now)
            previews = views.previews(conn, rows)
            exposed = exposure.status(
                conn, s.user.id, s.user.wellness, now, queue_ids=s.user.queues
            )
            seen = cases.severe_seen(
                conn, s.user.id, now - timedelta(hours=float(s.user.wellness["shift_hours"]))
            )
        cap = s.user.wellness.get("severe_cap")
        return _render(
            request,
            "queue.html",
            sess=s,
            queue=q,
            rows=rows,
            previews=previews,
            wellness=prefs.of(s.user.wellness),
            exposure=exposed,
            empty=empty,
            done=done,
            break_prompt=cap is not None and seen >= int(cap),
        )

    return _wrap(page, request, s)


@router.get("/queues/{queue}/rows")
async def queue_rows(request: Request, queue: str) -> Response:
    """The htmx partial the queue page refreshes itself with."""
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    s = sess

    def rows() -> Response:
        q = _queue_or_403(s, queue)
        with _store(request).read() as conn:
            found = cases.queue_cases(conn, queue, utcnow())
            previews = views.previews(conn, found)
        return _render(
            request,
            "queue_rows.html",
            sess=s,
            queue=q,
            rows=found,
            previews=previews,
            wellness=prefs.of(s.user.wellness),
        )

    return _wrap(rows, request, s)


@router.post("/queues/{queue}/claim")
async def claim(request: Request, queue: str) -> Response:
    sess = await _guard(request, *REVIEW, post=True)
    if isinstance(sess, Response):
        return sess
    try:
        _queue_or_403(sess, queue)
        got = await run_in_threadpool(
            cases.claim_next, _store(request), sess.user.reviewer(), queue
        )
    except NigranError as exc:
        return _error(request, exc, sess)
    if got is None:
        return RedirectResponse(f"/console/queues/{quote(queue)}?empty=1", 303)
    # One claim at a time: a reviewer who still holds a case is sent back to it.
    return RedirectResponse(f"/console/cases/{got.case_id}{'?held=1' if got.held else ''}", 303)


# -- cases ----------------------------------------------------------------------------------------


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, held: int = 0) -> Response:
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    s = sess

    def page() -> Response:
        store = _store(request)
        _case_or_403(store, s, case_id)
        now = utcnow()
        with store.read() as conn:
            v = views.case_view(conn, case_id, now)
            exposed = exposure.status(
                conn, s.user.id, s.user.wellness, now, queue_ids=s.user.queues
            )
        mine = (
            v.case["claimed_by"] == s.user.id
            and v.case["status"] == "claimed"
            and (v.case["claim_expires_at"] is not None and v.case["claim_expires_at"] > now)
        )
        return _render(
            request,
            "case.html",
            sess=s,
            v=v,
            c=v.case,
            mine=mine,
            held=held and mine,
            actions=[a.value for a in ActionType],
            legal=s.user.has("legal", "lead"),
            wellness=prefs.of(s.user.wellness),
            exposure=exposed,
            graphic=exposure.is_graphic(v.case["category"], v.signals),
        )

    return _wrap(page, request, s)


MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}


def _case_media(store: Store, case_id: str, n: int) -> tuple[views.CaseView, Path]:
    """The case's view and the local file of its n-th media (images and videos only)."""
    from nigran.detect.media.refs import resolve_ref

    with store.read() as conn:
        v = views.case_view(conn, case_id, utcnow())
    if not 0 <= n < len(v.content.media):
        raise NotFound(f"case {case_id} has no media {n}", where=case_id)
    path = resolve_ref(v.content.media[n])
    if MEDIA_TYPES.get(path.suffix.lower()) is None or not path.is_file():
        raise NotFound(f"media {n} of case {case_id} is not a stored image or video")
    return v, path


async def _media_route(
    request: Request,
    case_id: str,
    n: int,
    respond: Callable[[views.CaseView, Path, auth.Session], Response],
) -> Response:
    """Serve something of the case's n-th media to someone who may see the case."""
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    s = sess

    def serve() -> Response:
        store = _store(request)
        _case_or_403(store, s, case_id)
        v, path = _case_media(store, case_id, n)
        return respond(v, path, s)

    return _wrap(serve, request, s)


@router.get("/cases/{case_id}/media/{n}")
async def case_media(request: Request, case_id: str, n: int) -> Response:
    """The case's n-th media file (never a directory)."""

    def respond(_v: views.CaseView, path: Path, _s: auth.Session) -> Response:
        # Streamed from disk with HTTP range support: browsers seek in a video only when the
        # server answers byte ranges.
        return FileResponse(
            path,
            media_type=MEDIA_TYPES[path.suffix.lower()],
            headers={"Cache-Control": "private, no-store"},
        )

    return await _media_route(request, case_id, n, respond)


@router.post("/cases/{case_id}/media/{n}/revealed")
async def media_revealed(request: Request, case_id: str, n: int) -> Response:
    """The reviewer revealed the case's n-th media: counted towards their shift's exposure when
    it is graphic. Answers with the break banner (empty while under the limit)."""
    sess = await _guard(request, *REVIEW, post=True)
    if isinstance(sess, Response):
        return sess
    s = sess

    def count() -> Response:
        store = _store(request)
        _case_or_403(store, s, case_id)
        now = utcnow()
        with store.read() as conn:
            v = views.case_view(conn, case_id, now)
        if not 0 <= n < len(v.content.media):
            raise NotFound(f"case {case_id} has no media {n}", where=case_id)
        graphic = exposure.is_graphic(v.case["category"], v.signals)
        exposure.record(store, s.user.id, case_id, n, graphic=graphic, now=now)
        with store.read() as conn:
            exposed = exposure.status(
                conn, s.user.id, s.user.wellness, now, queue_ids=s.user.queues
            )
        return _render(request, "exposure.html", sess=s, exposure=exposed)

    return await run_in_threadpool(_wrap, count, request, s)


@router.post("/cases/{case_id}/media/{n}/hidden")
async def media_hidden(request: Request, case_id: str, n: int) -> Response:
    """The page reports how long the case's n-th media stayed revealed (when it is hidden again
    or the page is left: a beacon with the form's ``csrf`` and ``seconds``)."""
    sess = await _guard(request, *REVIEW, post=True)
    if isinstance(sess, Response):
        return sess
    s = sess
    form = await request.form()

    def add() -> Response:
        _case_or_403(_store(request), s, case_id)
        try:
            seconds = float(str(form.get("seconds") or ""))
        except ValueError as exc:
            raise InvalidInput("seconds must be a number", where="seconds") from exc
        exposure.on_screen(_store(request), s.user.id, case_id, n, seconds)
        return Response(status_code=204)

    return await run_in_threadpool(_wrap, add, request, s)


@router.get("/cases/{case_id}/media/{n}/thumb.jpg")
async def case_thumb(request: Request, case_id: str, n: int) -> Response:
    """A small JPEG of the case's n-th media (an image, or a video's first sampled frame) for
    the queue page, which shows it only to reviewers who opted in, blurred until revealed."""

    def respond(v: views.CaseView, path: Path, _s: auth.Session) -> Response:
        if v.content.media[n].kind.value == "video":
            thumbs = thumbnails.all_thumbnails(path)
            if not thumbs:
                raise NotFound(f"no frame of video {n} of case {case_id} could be read")
            data = thumbs[0].jpeg
        else:
            data = thumbnails.image_thumbnail(path)
        return Response(
            data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"}
        )

    return await _media_route(request, case_id, n, respond)


@router.get("/cases/{case_id}/media/{n}/frames")
async def case_frames(request: Request, case_id: str, n: int) -> Response:
    """The strip of frame thumbnails of the case's n-th media (a video), as an htmx fragment."""

    def respond(v: views.CaseView, path: Path, s: auth.Session) -> Response:
        media = v.content.media[n]
        if media.kind.value != "video":
            raise NotFound(f"media {n} of case {case_id} is not a video")
        flagged = thumbnails.flagged_times(v.signals, media.ref)
        return _render(
            request,
            "frames.html",
            sess=s,
            c=v.case,
            n=n,
            frames=thumbnails.strip(path, flagged),
            wellness=prefs.of(s.user.wellness),
        )

    return await _media_route(request, case_id, n, respond)


@router.get("/cases/{case_id}/media/{n}/frames/{k}.jpg")
async def case_frame(request: Request, case_id: str, n: int, k: int) -> Response:
    """One frame thumbnail (JPEG) of the case's n-th media."""

    def respond(_v: views.CaseView, path: Path, _s: auth.Session) -> Response:
        thumbs = thumbnails.all_thumbnails(path)
        if not 0 <= k < len(thumbs):
            raise NotFound(f"video {n} of case {case_id} has no frame {k}", where=case_id)
        return Response(
            thumbs[k].jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"}
        )

    return await _media_route(request, case_id, n, respond)


async def _case_post(
    request: Request, case_id: str, act: Callable[[auth.Session, Any], str]
) -> Response:
    sess = await _guard(request, *REVIEW, post=True)
    if isinstance(sess, Response):
        return sess
    form = await request.form()
    try:
        row = _case_or_403(_store(request), sess, case_id)
        target = await run_in_threadpool(act, sess, form)
    except NigranError as exc:
        return _error(request, exc, sess)
    return RedirectResponse(target or f"/console/queues/{quote(row.queue)}", 303)


@router.post("/cases/{case_id}/decide")
async def decide_post(request: Request, case_id: str) -> Response:
    def act(sess: auth.Session, form: Any) -> str:
        ground = str(form.get("ground_law") or "") or str(form.get("ground") or "") or None
        if ground and ground.startswith("law:") and not sess.user.has("legal", "lead"):
            raise Forbidden("deciding on a legal ground needs the legal or lead role")
        countries = tuple(
            c.strip() for c in str(form.get("countries") or "").split(",") if c.strip()
        )
        min_age = str(form.get("min_age") or "")
        verdict = decide.Verdict(
            action=str(form.get("action") or ""),
            ground=ground,
            countries=countries or None,
            statement=str(form.get("statement") or ""),
            min_age=int(min_age) if min_age.isdigit() else None,
            bank_action=str(form.get("bank_action") or "") or None,
        )
        r = decide.decide(_store(request), case_id, sess.user.id, verdict)
        # The decision has committed; "add to bank" follows in its own transaction.
        r = bank_after_decision(
            _store(request), r, verdict, bank_store=request.app.state.pipeline.bank_store
        )
        with _store(request).read() as conn:
            queue = cases.case_row(conn, case_id).queue
        return f"/console/queues/{quote(queue)}?done={r.case_id}"

    return await _case_post(request, case_id, act)


@router.post("/cases/{case_id}/escalate")
async def escalate_post(request: Request, case_id: str) -> Response:
    def act(sess: auth.Session, form: Any) -> str:
        cases.escalate(
            _store(request),
            case_id,
            sess.user.id,
            str(form.get("to") or ""),
            str(form.get("note") or ""),
        )
        return ""

    return await _case_post(request, case_id, act)


@router.post("/cases/{case_id}/second-opinion")
async def second_opinion_post(request: Request, case_id: str) -> Response:
    def act(sess: auth.Session, form: Any) -> str:
        cases.second_opinion(_store(request), case_id, sess.user.id, str(form.get("note") or ""))
        return ""

    return await _case_post(request, case_id, act)


@router.post("/cases/{case_id}/release")
async def release_post(request: Request, case_id: str) -> Response:
    def act(sess: auth.Session, form: Any) -> str:
        cases.release(_store(request), case_id, sess.user.id)
        return ""

    return await _case_post(request, case_id, act)


# -- settings -------------------------------------------------------------------------------------


@router.get("/settings")
async def settings_page(request: Request, saved: int = 0) -> Response:
    sess = await _guard(request, *REVIEW)
    if isinstance(sess, Response):
        return sess
    return _settings_form(request, sess, saved=bool(saved))


def _settings_form(
    request: Request, sess: auth.Session, *, saved: bool = False, error: NigranError | None = None
) -> HTMLResponse:
    cfg = queues.config()
    return _render(
        request,
        "settings.html",
        status=error.status if error else 200,
        sess=sess,
        w=prefs.of(sess.user.wellness),
        levels=prefs.BLUR_LEVELS,
        team_limit=exposure.team_limit(sess.user.queues, cfg),
        severe_cap=sess.user.wellness.get("severe_cap"),
        shift_hours=sess.user.wellness.get("shift_hours"),
        saved=saved,
        error=error,
    )


@router.post("/settings")
async def settings_post(request: Request) -> Response:
    sess = await _guard(request, *REVIEW, post=True)
    if isinstance(sess, Response):
        return sess
    form = await request.form()
    try:
        changes = prefs.from_form(form)
        await run_in_threadpool(auth.set_wellness, _store(request), sess.user.id, changes)
    except NigranError as exc:
        return _settings_form(request, sess, error=exc)
    return RedirectResponse("/console/settings?saved=1", 303)


# -- dashboards -----------------------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


@router.get("/qa")
async def qa_page(request: Request) -> Response:
    sess = await _guard(request, "lead")
    if isinstance(sess, Response):
        return sess
    with _store(request).read() as conn:
        r = qa.report(conn)
    chart_rows = [
        (k, [max(0.0, a)]) for k, (a, _) in r.alpha.get("queue", {}).items() if a is not None
    ]
    chart = (
        charts.bars(
            chart_rows,
            series=["α"],
            title="Krippendorff's α per queue",
            fmt="{:.2f}",
            domain=(0.0, 1.0),
        )
        if chart_rows
        else None
    )
    overturn_chart = (
        charts.bars(
            [(k, [v]) for k, (v, _) in r.overturn.items()],
            series=["overturn rate"],
            title="Overturn rate per reviewer",
            fmt="{:.2f}",
            domain=(0.0, 1.0),
        )
        if r.overturn
        else None
    )
    return _render(
        request, "qa.html", sess=sess, r=r, fmt=_fmt, chart=chart, overturn_chart=overturn_chart
    )


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    sess = await _guard(request, "lead")
    if isinstance(sess, Response):
        return sess
    cfg = queues.config()
    now = utcnow()
    with _store(request).read() as conn:
        stats = cases.queue_stats(conn, cfg.ids, now)
        events = [
            (e.ts, e.kind, json.loads(e.payload))
            for e in conn.execute(
                select(ledger_t.c.ts, ledger_t.c.kind, ledger_t.c.payload)
                .where(ledger_t.c.kind.in_(("case.sla_at_risk", "case.sla_breached")))
                .order_by(ledger_t.c.seq.desc())
                .limit(25)
            )
        ]
    rows = [
        (
            q.id,
            [
                float(stats[q.id].open - stats[q.id].at_risk - stats[q.id].breached),
                float(stats[q.id].at_risk),
                float(stats[q.id].breached),
            ],
        )
        for q in cfg.queues
        if stats[q.id].open or stats[q.id].claimed
    ]
    chart = (
        charts.bars(rows, series=["on time", "at risk", "breached"], title="Open cases per queue")
        if rows
        else None
    )
    return _render(
        request,
        "dashboard.html",
        sess=sess,
        stats=stats,
        queues=cfg.queues,
        chart=chart,
        events=events,
    )


@router.post("/sla/sweep")
async def sweep_post(request: Request) -> Response:
    sess = await _guard(request, "lead", post=True)
    if isinstance(sess, Response):
        return sess
    await run_in_threadpool(sla.sweep, _store(request))
    return RedirectResponse("/console/dashboard", 303)
