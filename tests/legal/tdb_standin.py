"""A stand-in for the DSA Transparency Database's submission API, for tests.

It is written from the official files alone (``nigran/legal/dsa_tdb/*.php``), apart from
Nigran's validator: it reads the rule list of ``StatementStoreRequest::rules`` and interprets
each Laravel rule the way Laravel does, with the enumerations it parses itself from
``Statement.php``, ``Countries.php`` and ``Languages.php``. So the two can disagree, and the
differential test says where.

``POST /api/v1/statements`` with ``{"statements": [...]}`` (at most 100) and a bearer token:
201 with the stored statements, or 422 naming each refused statement's fields
(``statements.<i>.<field>``) and storing none of the request, as the real endpoint does.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

OFFICIAL = Path(__file__).resolve().parents[2] / "nigran" / "legal" / "dsa_tdb"
NOT_UNIQUE = "The identifier given is not unique within this platform."


def _php(name: str) -> str:
    return (OFFICIAL / name).read_text(encoding="utf-8")


def _block(text: str, const: str) -> str:
    m = re.search(rf"const {const} = \[(.*?)\];", text, re.S)
    assert m, const
    return m.group(1)


def _list(cls: str, const: str, keys: bool) -> list[str]:
    text = {
        "Statement": _php("Statement.php"),
        "EuropeanCountriesService": _php("Countries.php"),
        "EuropeanLanguagesService": _php("Languages.php"),
    }[cls]
    body = _block(text, const)
    if keys:
        return re.findall(r"'([^']+)'\s*=>", body)
    values = []
    for ref, lit in re.findall(r"self::(\w+)|'([^']*)'", body):
        if ref:
            m = re.search(rf"const {ref} = '([^']*)';", text)
            assert m, ref
            values.append(m.group(1))
        else:
            values.append(lit)
    return values


@dataclass
class Rule:
    name: str
    args: list[str] = field(default_factory=list)


def parse_rules() -> dict[str, list[Rule]]:
    text = _php("StatementStoreRequest.php")
    checks = {
        name: (f, v)
        for name, f, v in re.findall(
            r"function (\w+)\(\): bool\s*\{\s*\$check = \(array\) \$this->get\('(\w+)', \[\]\);"
            r"\s*return in_array\('(\w+)', \$check, true\);",
            text,
        )
    }
    body = re.search(r"function rules\(\): array\s*\{\s*return \[(.*?)\n        \];", text, re.S)
    assert body
    rules: dict[str, list[Rule]] = {}
    entries = re.findall(r"'([\w.\-]+)' => \[(.*?)\],[ \t]*(?:\n|$)", body.group(1) + "\n", re.S)
    for attr, items in entries:
        out: list[Rule] = []
        token = re.compile(
            r"\$this->in\((array_keys\()?(\w+)::(\w+)\)?(, true)?\)"
            r"|Rule::(requiredIf|excludeIf)\((!\s*)?\$this->(\w+)\(\)\)"
            r"|'([^']*)'"
        )
        for keys, cls, const, nullable, fn, neg, check, lit in token.findall(items):
            if cls:
                values = _list(cls, const, bool(keys))
                out.append(Rule("in", (["null"] if nullable else []) + values))
            elif fn:
                f, v = checks[check]
                out.append(Rule(fn, [f, v, "not" if neg else ""]))
            else:
                name, _, arg = lit.partition(":")
                args = [arg] if name == "regex" else (arg.split(",") if arg else [])
                out.append(Rule(name, args))
        rules[attr] = out
    return rules


RULES = parse_rules()
IMPLICIT = {"required", "required_if", "required_without_all", "requiredIf"}


def _clean(v: Any) -> Any:  # TrimStrings + ConvertEmptyStringsToNull
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    return v


_MISSING = object()


def _get(data: dict[str, Any], attr: str) -> Any:
    cur: Any = data
    for part in attr.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def _s(v: Any) -> str | None:
    if v is None or v is _MISSING:
        return ""
    if isinstance(v, bool):
        return "1" if v else ""
    if isinstance(v, (int, float, str)):
        return str(v)
    return None


def _empty(v: Any) -> bool:
    return v is None or v is _MISSING or (isinstance(v, str) and not v.strip()) or v in ([], {})


def _contains(data: dict[str, Any], f: str, v: str) -> bool:
    got = data.get(f)
    return v in (got if isinstance(got, list) else [got])


def _day(v: Any) -> datetime | None:
    if not isinstance(v, str):
        return None
    try:
        d = datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return None
    return d if d.strftime("%Y-%m-%d") == v else None


def check(statement: dict[str, Any]) -> dict[str, list[str]]:
    """Laravel's verdict on one statement: attribute -> messages (empty: valid)."""
    data = _clean(statement)
    errors: dict[str, list[str]] = {}
    for attr, rules in RULES.items():
        names = {r.name for r in rules}
        excluded = False
        for r in rules:
            if r.name == "exclude_unless":
                excluded |= _s(data.get(r.args[0])) != r.args[1]
            if r.name == "excludeIf":
                hit = _contains(data, r.args[0], r.args[1])
                excluded |= (not hit) if r.args[2] else hit
        if excluded:
            continue
        value = _get(data, attr)
        present = value is not _MISSING
        for r in rules:
            name, args = r.name, r.args
            if name in ("nullable", "exclude_unless", "excludeIf"):
                continue
            if name == "requiredIf":
                if _contains(data, args[0], args[1]) and _empty(value):
                    errors.setdefault(attr, []).append("required")
                continue
            if name not in IMPLICIT and (not present or (value is None and "nullable" in names)):
                continue
            ok = True
            if name == "required":
                ok = not _empty(value)
            elif name == "required_if":
                ok = _s(data.get(args[0])) != args[1] or not _empty(value)
            elif name == "required_without_all":
                ok = not all(_empty(data.get(a)) for a in args) or not _empty(value)
            elif name == "array":
                ok = isinstance(value, (list, dict))
            elif name == "string":
                ok = isinstance(value, str)
            elif name == "max":
                size = len(value) if isinstance(value, (list, dict)) else len(_s(value) or "")
                ok = size <= int(args[0])
            elif name == "regex":
                pattern = args[0]
                body, flags = pattern[1 : pattern.rindex("/")], pattern[pattern.rindex("/") + 1 :]
                if "D" in flags and body.endswith("$"):
                    body = body[:-1] + r"\Z"
                ok = isinstance(value, (str, int)) and re.search(body, str(value)) is not None
            elif name == "in":
                if isinstance(value, list) and "array" in names:
                    ok = all(_s(x) in args for x in value)
                else:
                    ok = not isinstance(value, (list, dict)) and _s(value) in args
            elif name == "url":
                ok = isinstance(value, str) and bool(
                    re.fullmatch(r"(?i)(https?|ftps?|sftp)://[^\s/?#:@]+(:\d+)?([/?#]\S*)?", value)
                )
            elif name == "date_format":
                ok = _day(value) is not None
            elif name in ("after_or_equal", "before_or_equal"):
                d, bound = _day(value), _day(args[0])
                ok = (
                    d is not None
                    and bound is not None
                    and (d >= bound if name == "after_or_equal" else d <= bound)
                )
            else:
                raise AssertionError(f"the stand-in does not know the rule {name!r}")
            if not ok:
                errors.setdefault(attr, []).append(name)
    return errors


@dataclass
class StandIn:
    token: str
    url: str = ""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[int] = field(default_factory=list)
    """Number of statements in each request received."""
    fail_next: list[int] = field(default_factory=list)
    """HTTP statuses to answer with, one per request, before doing any work."""
    during: Callable[[], None] | None = None
    """Called while a request is being answered (the client is waiting on it)."""

    def handle(self, auth: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.during is not None:
            self.during()
        if auth != f"Bearer {self.token}":
            return 401, {"message": "Unauthenticated."}
        if self.fail_next:
            return self.fail_next.pop(0), {"message": "Service Unavailable"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"message": "not JSON"}
        items = payload.get("statements") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= 100:
            return 422, {"errors": {"statements": ["between 1 and 100 statements"]}}
        self.requests.append(len(items))
        errors: dict[str, list[str]] = {}
        seen: set[str] = set()
        for i, sor in enumerate(items):
            found = check(sor) if isinstance(sor, dict) else {"statement": ["not an object"]}
            puid = sor.get("puid") if isinstance(sor, dict) else None
            if isinstance(puid, str) and (puid in self.stored or puid in seen):
                found.setdefault("puid", []).append(NOT_UNIQUE)
            if isinstance(puid, str):
                seen.add(puid)
            for attr, msgs in found.items():
                errors[f"statements.{i}.{attr}"] = msgs
        if errors:
            return 422, {"message": "The given data was invalid.", "errors": errors}
        out = []
        for sor in items:
            self.stored[sor["puid"]] = sor
            out.append({"puid": sor["puid"], "uuid": str(uuid.uuid4())})
        return 201, {"statements": out}


@contextmanager
def serve(token: str = "test-token") -> Iterator[StandIn]:
    """The stand-in on 127.0.0.1, on a free port, for the duration of the block."""
    standin = StandIn(token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/api/v1/statements":
                code, answer = 404, {"message": "Not Found"}
            else:
                n = int(self.headers.get("Content-Length", "0"))
                code, answer = standin.handle(self.headers.get("Authorization"), self.rfile.read(n))
            raw = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # quiet tests
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
