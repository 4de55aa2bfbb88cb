"""Small builders for test content (real Urdu, not transliterations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nigran.model import Content

THREAT_UR = "میں تمہیں جان سے مار دوں گا"  # "I will kill you"
BENIGN_UR = "آج بریانی بہت مزے کی بنی ہے"  # "the biryani turned out delicious today"
THREAT_RU = "kal tujhe jaan se maar dunga"
SEXUAL_RU = "meri nangi video dekho"
BENIGN_EN = "What a catch on the boundary!"


def item(id: str = "c1", body: str = BENIGN_EN, **kw: Any) -> Content:
    data: dict[str, Any] = {
        "id": id,
        "kind": "comment",
        "author": kw.pop("author", "u1"),
        "texts": {"body": body},
        "upload_country": kw.pop("upload_country", "PK"),
    }
    data.update(kw)
    return Content.model_validate(data)


def stored_ref(path: Path, root: Path | None = None) -> str:
    """The media ref of a test file: media refs are paths inside the media store only, so a file
    made elsewhere is copied in (under its own name) and its relative path returned."""
    import shutil

    from nigran.detect.media.refs import media_root

    base = (root or media_root()).resolve()
    src = path.resolve()
    if src.is_relative_to(base):
        return str(src.relative_to(base))
    base.mkdir(parents=True, exist_ok=True)
    if src.exists():
        shutil.copyfile(src, base / src.name)
    return src.name
