"""What a reviewer sees about a case, in one read: the shape the console and the API share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from nigran import languages
from nigran.model import Content, Restriction, Signal
from nigran.policy.taxonomy import taxonomy
from nigran.review import priority as prio
from nigran.review.cases import case_row
from nigran.store import queries
from nigran.store.tables import content, decisions

_RTL_SCRIPTS = ("ARABIC",)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    hit: bool
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldView:
    field: str
    segments: list[Segment]
    rtl: bool
    lang: str = ""
    """The HTML ``lang`` of the text (the case's language; empty when undetermined): browsers
    pick fonts and shaping by it (Gurmukhi, Devanagari, Pashto and Sindhi letters included)."""
    style: str = ""
    """``nastaliq``, ``naskh`` or empty (the page's own font)."""


@dataclass(slots=True)
class CaseView:
    case: dict[str, Any]
    content: Content
    fields: list[FieldView]
    signals: list[Signal]
    history: list[dict[str, Any]]
    author_history: list[dict[str, Any]]
    sla: str
    grounds: list[tuple[str, str]] = field(default_factory=list)
    packs: list[tuple[str, str]] = field(default_factory=list)
    """Jurisdiction packs whose law applies where the content was uploaded: (id, name)."""
    law_grounds: list[tuple[str, str]] = field(default_factory=list)
    """Those packs' legal grounds, the case's category first: (``law:CODE``, label)."""
    in_force: list[Restriction] = field(default_factory=list)
    """The item's active restrictions: a reviewer sees an order's hold before deciding."""


def is_rtl(text: str, language: str | None) -> bool:
    """Right-to-left when the language is (the table of languages says so: Punjabi in Gurmukhi,
    ``pa``, is not; Shahmukhi, ``pnb``, is), or when most letters are in Arabic script."""
    found = languages.find(language)
    if found is not None and found.direction == "rtl":
        return True
    import unicodedata

    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    arabic = sum(1 for c in letters if unicodedata.name(c, "").startswith(_RTL_SCRIPTS))
    return arabic * 2 > len(letters)


def text_style(text: str, language: str | None) -> tuple[bool, str, str]:
    """``(rtl, lang, style)`` for showing ``text`` whose detected language is ``language``."""
    rtl = is_rtl(text, language)
    lang = language if language and language != "und" else ""
    if not rtl:
        return False, lang, ""
    if not lang or lang.endswith("Latn"):
        # Arabic letters in a case whose language was not told: Urdu is the likeliest here.
        lang = "ur"
    # The table's font: Nastaliq for Urdu-script languages, else Naskh (Pashto, Sindhi,
    # Persian, Arabic readers expect it, and so does right-to-left text of no known language).
    found = languages.find(lang)
    return True, lang, (found.font if found is not None and found.font else "naskh")


def highlight(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """Cut ``text`` into plain and evidence segments; overlapping spans merge into one."""
    bounds = sorted(
        (max(0, s), min(len(text), e), cat) for s, e, cat in spans if e > s and s < len(text)
    )
    merged: list[tuple[int, int, set[str]]] = []
    for s, e, cat in bounds:
        if merged and s <= merged[-1][1]:
            ps, pe, cats = merged[-1]
            merged[-1] = (ps, max(pe, e), cats | {cat})
        else:
            merged.append((s, e, {cat}))
    out: list[Segment] = []
    pos = 0
    for s, e, cats in merged:
        if s > pos:
            out.append(Segment(text[pos:s], False))
        out.append(Segment(text[s:e], True, tuple(sorted(cats))))
        pos = e
    if pos < len(text):
        out.append(Segment(text[pos:], False))
    return out


def case_view(conn: Connection, case_id: str, now: datetime) -> CaseView:
    row = case_row(conn, case_id)
    rec = queries.content_record(conn, row.content_id, row.version)
    item = rec.content
    fields = []
    for f, text in item.texts.items():
        spans = [
            (sp.start, sp.end, s.category)
            for s in rec.signals
            for sp in s.evidence.spans
            if sp.field == f
        ]
        rtl, lang, style = text_style(text, row.language)
        fields.append(FieldView(f.value, highlight(text, spans), rtl, lang, style))
    history = [
        {
            "id": d.id,
            "outcome": d.outcome,
            "automated": d.automated,
            "decided_by": d.decided_by,
            "statement": d.statement,
            "decided_at": d.decided_at,
        }
        for d in conn.execute(
            select(decisions)
            .where(decisions.c.content_id == row.content_id)
            .order_by(decisions.c.id.desc())
            .limit(20)
        )
    ]
    others = conn.execute(
        select(content.c.content_id, content.c.version, content.c.received_at)
        .where(content.c.author == item.author, content.c.content_id != item.id)
        .order_by(content.c.received_at.desc())
        .limit(10)
    ).all()
    author_history = []
    for o in others:
        last = conn.execute(
            select(decisions.c.outcome)
            .where(decisions.c.content_id == o.content_id)
            .order_by(decisions.c.id.desc())
            .limit(1)
        ).scalar()
        author_history.append(
            {"content_id": o.content_id, "received_at": o.received_at, "outcome": last}
        )
    cats = taxonomy()
    grounds = [(f"policy:{c}", cats[c].name) for c in sorted(cats)]
    packs, law = _law(item.upload_country, row.category)
    return CaseView(
        case=dict(row._mapping),
        content=item,
        fields=fields,
        signals=rec.signals,
        history=history,
        author_history=author_history,
        sla=prio.sla_state(row.deadline, row.risk_at, now),
        grounds=grounds,
        packs=packs,
        law_grounds=law,
        in_force=[r for r in rec.restrictions if r.lifted_at is None],
    )


def _law(country: str | None, category: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    if not country:
        return [], []
    from nigran.review.decide import _packs

    applicable = _packs().packs_for_country(country)
    grounds = [g for p in applicable for g in p.grounds.values()]
    grounds.sort(key=lambda g: (category not in g.categories, g.code))
    return (
        [(p.id, p.name) for p in applicable],
        [(f"law:{g.code}", f"{g.code} — {g.label}") for g in grounds],
    )


def clock(deadline: datetime | None, now: datetime) -> str:
    """``1h 05m left`` or ``12m overdue``: the SLA clock as a person reads it."""
    if deadline is None:
        return "no deadline"
    secs = int((deadline - now).total_seconds())
    sign = "left" if secs >= 0 else "overdue"
    secs = abs(secs)
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    text = f"{d}d {h}h" if d else (f"{h}h {m:02d}m" if h else f"{m}m")
    return f"{text} {sign}"


@dataclass(frozen=True, slots=True)
class Preview:
    """What a queue row shows of a case's content before anyone opens it."""

    excerpt: str
    rtl: bool
    lang: str
    style: str
    media: str
    """The media types, e.g. ``video`` or ``image ×2 · video``; empty for text only."""
    thumb: int | None
    """Index of the first image or video (the one a thumbnail is made of), if any."""


EXCERPT_CHARS = 140


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def previews(conn: Connection, rows: list[Any]) -> dict[str, Preview]:
    """Previews of the cases ``rows`` (case rows), in one read of their content versions."""
    wanted = {(r.content_id, r.version) for r in rows}
    if not wanted:
        return {}
    found = {
        (c.content_id, c.version): Content.model_validate(c.body)
        for c in conn.execute(
            select(content.c.content_id, content.c.version, content.c.body).where(
                content.c.content_id.in_(sorted({w[0] for w in wanted}))
            )
        )
        if (c.content_id, c.version) in wanted
    }
    out: dict[str, Preview] = {}
    for r in rows:
        item = found.get((r.content_id, r.version))
        if item is None:  # an order about nothing stored
            out[r.id] = Preview("", False, "", "", "", None)
            continue
        text = next((t for t in item.texts.values() if t.strip()), "")
        rtl, lang, style = text_style(text, r.language)
        kinds: dict[str, int] = {}
        for m in item.media:
            kinds[m.kind.value] = kinds.get(m.kind.value, 0) + 1
        media = " · ".join(k if n == 1 else f"{k} ×{n}" for k, n in kinds.items())
        thumb = next(
            (i for i, m in enumerate(item.media) if m.kind.value in ("image", "video")), None
        )
        out[r.id] = Preview(_excerpt(text), rtl, lang, style, media, thumb)
    return out
