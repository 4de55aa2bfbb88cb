"""Checks every request passes before any route sees it: the body's size, and no control
characters in the path, the query string or a JSON or form body; and a default CSP on every
response.

The body is read here, whole, before the route runs (it is at most ``limit`` bytes), so a body
over the limit is a 413 however it is sent: with a Content-Length, or chunked without one. (Raising
from inside a route's ``receive`` instead surfaced as a 500 or a 400, depending on which layer
read the body first.)

Control characters are refused here for every route at once because each string of a request can
end up in a database row or a page: PostgreSQL refuses NUL in text (a 500 after part of the work
was done), and the others hide text from whoever reads it. Tab and line breaks pass in bodies,
where free text may carry them; ``/v1/content`` checks its items itself, one by one, so that a bad
item is reported in its slot and the rest of the batch is still moderated.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# in bodies, as in nigran.model: C1 controls pass in free text (mojibake in real posts)
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every response gets a CSP unless it brings its own (console pages and /docs do): JSON and error
# bodies then cannot run anything even if a browser is tricked into rendering them.
DEFAULT_HEADERS = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
)
# Routes whose JSON body is checked item by item by the route itself (see the module docstring).
ITEMWISE = frozenset({"/v1/content"})


def error_body(code: str, message: str, where: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "where": where}}


def _control(value: str, pattern: re.Pattern[str]) -> str | None:
    m = pattern.search(value)
    return (
        None if m is None else f"control character U+{ord(m.group()):04X} at position {m.start()}"
    )


def find_control(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first string in a JSON value with a control character other than tab and line breaks:
    ``(where, what)``, or None."""
    if isinstance(value, str):
        found = _control(value, _CONTROL_TEXT)
        return (where or "body", found) if found else None
    if isinstance(value, dict):
        for k, v in value.items():
            hit = find_control(k, where) or find_control(v, f"{where}.{k}" if where else str(k))
            if hit:
                return hit
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if hit := find_control(v, f"{where}[{i}]"):
                return hit
    return None


class RequestGuard:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(send, 413, "payload_too_large", self._too_large())
                return
        if problem := self._check_target(scope):
            await self._refuse(send, 400, "invalid_input", *problem)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before sending its body: nothing to answer.
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(send, 413, "payload_too_large", self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if problem := self._check_body(scope, body):
            await self._refuse(send, 422, "invalid_input", *problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in DEFAULT_HEADERS:
                    if name not in names:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, send_with_headers)

    def _too_large(self) -> str:
        return f"request body is over {self.limit} bytes"

    @staticmethod
    def _check_target(scope: Scope) -> tuple[str, str] | None:
        path = scope.get("path", "")
        if found := _control(path, _CONTROL_ANY):
            return f"the request path has a {found}", "path"
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        for key, value in parse_qsl(query, keep_blank_values=True):
            if found := _control(key, _CONTROL_ANY) or _control(value, _CONTROL_ANY):
                return f"query parameter {key[:40]!r} has a {found}", f"query.{key[:40]}"
        return None

    @staticmethod
    def _check_body(scope: Scope, body: bytes) -> tuple[str, str] | None:
        if not body or scope.get("path") in ITEMWISE:
            return None
        ctype = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                ctype = value.decode("latin-1").split(";")[0].strip().lower()
        data: Any
        if ctype == "application/json" or ctype.endswith("+json"):
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError:
                return None  # the route reports malformed JSON in its own words
        elif ctype == "application/x-www-form-urlencoded":
            data = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            return None
        hit = find_control(data)
        return None if hit is None else (f"{hit[0]}: {hit[1]}", f"body.{hit[0]}")

    @staticmethod
    async def _refuse(
        send: Send, status: int, code: str, message: str, where: str | None = None
    ) -> None:
        response = JSONResponse(error_body(code, message, where), status_code=status)
        await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
