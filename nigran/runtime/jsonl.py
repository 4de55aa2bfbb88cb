"""Reading content from JSONL: one item per line, bad lines reported by number, never fatal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from nigran.errors import InvalidContent, InvalidInput, NigranError
from nigran.model import Content


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    error: NigranError

    def __str__(self) -> str:
        return f"line {self.line}: {self.error.message}"


def describe_validation(exc: ValidationError) -> str:
    """One line per problem, naming the field path: 'texts.caption: String should have …'."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(item)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_item(data: object) -> Content:
    try:
        return Content.model_validate(data)
    except ValidationError as exc:
        raise InvalidContent(describe_validation(exc)) from exc


def parse_line(raw: bytes) -> Content:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"invalid UTF-8 at byte {exc.start}") from exc
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"expected a JSON object, got {type(data).__name__}")
    return parse_item(data)


def read_jsonl(lines: Iterable[bytes]) -> Iterator[tuple[int, Content | LineError]]:
    """Yield ``(line_number, item or error)``; blank lines are skipped."""
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            yield number, parse_line(raw)
        except NigranError as exc:
            yield number, LineError(number, exc)
