"""``/docs``: Swagger UI from the files the ``swagger-ui-bundle`` package ships, served here under
a strict Content-Security-Policy, so the API's documentation page loads nothing from a CDN and no
inline script (FastAPI's own page loads both from jsDelivr)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_BUNDLED = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Nigran API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs-init.js"></script>
</body>
</html>
"""


def _bundle_dir() -> Path:
    import swagger_ui_bundle  # type: ignore[import-untyped]

    return Path(swagger_ui_bundle.swagger_ui_path)


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": CSP})


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    headers = {"Cache-Control": "public, max-age=86400", "Content-Security-Policy": CSP}
    if name == "docs-init.js":
        data = (resources.files("nigran.api") / "static" / name).read_bytes()
        return Response(data, media_type="text/javascript", headers=headers)
    if name not in _BUNDLED:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response((_bundle_dir() / name).read_bytes(), media_type=_BUNDLED[name], headers=headers)
