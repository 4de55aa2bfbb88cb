"""Every response carries a Content-Security-Policy; /docs loads only this server's files."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from nigran.api import create_app
from nigran.config import settings
from nigran.errors import ConfigError
from nigran.store import Store


def test_docs_are_served_locally_under_a_strict_csp(sqlite_store: Store) -> None:
    client = TestClient(create_app(sqlite_store))
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "<script>" not in page.text  # no inline script: the CSP would block it
    for src in sources:
        asset = client.get(src)
        assert asset.status_code == 200 and asset.content, src
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page loads a CDN


def test_every_response_has_a_csp(sqlite_store: Store) -> None:
    client = TestClient(create_app(sqlite_store))
    for path in ("/openapi.json", "/healthz", "/v1/content/missing", "/console/login"):
        r = client.get(path)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-content-type-options"] == "nosniff", path


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIGRAN_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16,::1")
    assert settings().trusted_proxies == ("10.0.0.1", "192.168.0.0/16", "::1")
    monkeypatch.delenv("NIGRAN_TRUSTED_PROXIES")
    assert settings().trusted_proxies == ()
    monkeypatch.setenv("NIGRAN_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ConfigError, match="NIGRAN_TRUSTED_PROXIES"):
        settings()
