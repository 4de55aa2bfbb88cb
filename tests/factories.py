"""Small builders for test content (real Urdu, not transliterations)."""

from __future__ import annotations

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
