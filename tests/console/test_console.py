"""The console over HTTP: sign-in, CSRF, throttling, pages, and 403 on every refused route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from nigran import enforce
from nigran.api import create_app
from nigran.console.routes import router as console_router
from nigran.model import MediaKind, MediaRef, utcnow
from nigran.review import auth
from nigran.store import Store
from tests.factories import THREAT_UR, stored_ref
from tests.review.support import PASSWORD, person, report, stored


def image_file(folder: Path) -> MediaRef:
    """A small striped PNG on disk: the media store holds files, never inline data."""
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 60, 40))
    for x in range(0, 64, 8):
        for y in range(48):
            img.putpixel((x, y), (20, 20, 160))
    path = folder / "thumb.png"
    img.save(path)
    return MediaRef(ref=stored_ref(path), kind=MediaKind.IMAGE)


@dataclass
class World:
    store: Store
    app: object
    case_id: str


@pytest.fixture
def world(sqlite_store: Store, tmp_path: Path) -> Iterator[World]:
    store = sqlite_store
    for who, queue, roles in [
        ("amna", "ur-hate", ("reviewer",)),
        ("bilal", "ur-sexual", ("reviewer",)),
        ("lead1", None, ("lead",)),
        ("auth1", None, ("authority",)),
    ]:
        person(store, who, *([queue] if queue else []), roles=roles)
    c = stored(store, "c1", THREAT_UR, media=[image_file(tmp_path)])
    cid = report(store, c, category="threat", severity=4)
    yield World(store, create_app(store), cid)


def login_csrf(client: TestClient) -> str:
    """The sign-in form's CSRF token, as a browser gets it: from the form page's cookie."""
    assert client.get("/console/login").status_code == 200
    token = client.cookies.get("nigran_login_csrf")
    assert token
    return str(token)


def signed_in(world: World, who: str) -> tuple[TestClient, str]:
    client = TestClient(world.app, base_url="http://testserver")  # type: ignore[arg-type]
    r = client.post(
        "/console/login",
        data={"username": who, "password": PASSWORD, "csrf": login_csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    sess = auth.session(world.store, client.cookies.get("nigran_session"))
    assert sess is not None
    return client, sess.csrf


def test_pages_need_a_session(world: World) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    r = client.get("/console/queues", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert client.post(f"/console/cases/{world.case_id}/decide").status_code == 401


def test_review_walk_through_forms(world: World) -> None:
    client, csrf = signed_in(world, "amna")
    page = client.get("/console/queues")
    assert page.status_code == 200 and "ur-hate" in page.text and "ur-sexual" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    r = client.post("/console/queues/ur-hate/claim", data={"csrf": csrf}, follow_redirects=False)
    assert r.headers["location"] == f"/console/cases/{world.case_id}"
    case = client.get(r.headers["location"]).text
    assert 'dir="rtl"' in case and "nastaliq" in case
    assert "<mark" in case  # the lexicon's evidence span is highlighted in the original text
    assert re.search(r'<img[^>]*class="wellness blur blur-2 grey"', case)
    img = client.get(f"/console/cases/{world.case_id}/media/0")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert client.get(f"/console/cases/{world.case_id}/media/1").status_code == 404
    r = client.post(
        f"/console/cases/{world.case_id}/decide",
        data={"csrf": csrf, "action": "remove", "ground": "policy:threat"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=" in r.headers["location"]
    assert not enforce.visible(world.store, "c1", "PK")
    assert "The queue is empty" in client.get("/console/queues/ur-hate").text


def test_csrf_is_required_on_every_post(world: World) -> None:
    client, _ = signed_in(world, "amna")
    for path in [
        "/console/queues/ur-hate/claim",
        f"/console/cases/{world.case_id}/decide",
        "/console/logout",
    ]:
        r = client.post(path, data={"csrf": "forged"})
        assert r.status_code == 403 and "CSRF" in r.text, path
    assert client.get("/console/queues").status_code == 200  # still signed in


def test_login_throttling(world: World) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    csrf = login_csrf(client)
    for _ in range(auth.MAX_FAILURES_PER_USER):
        r = client.post(
            "/console/login", data={"username": "amna", "password": "nope nope", "csrf": csrf}
        )
        assert r.status_code == 401
    r = client.post("/console/login", data={"username": "amna", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 429 and "too many" in r.text


def test_login_form_needs_its_csrf_token(world: World) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    creds = {"username": "amna", "password": PASSWORD}
    assert client.post("/console/login", data=creds).status_code == 403  # no token at all
    login_csrf(client)
    forged = client.post("/console/login", data={**creds, "csrf": "guessed"})
    assert forged.status_code == 403 and "nigran_session" not in client.cookies
    ok = client.post(
        "/console/login", data={**creds, "csrf": login_csrf(client)}, follow_redirects=False
    )
    assert ok.status_code == 303 and client.cookies.get("nigran_session")


def _throttled_by_address(world: World, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A client at 127.0.0.1 whose address has used up its failed sign-ins."""
    monkeypatch.setattr(auth, "MAX_FAILURES_PER_ADDRESS", 3)
    client = TestClient(create_app(world.store), client=("127.0.0.1", 40000))
    csrf = login_csrf(client)
    for n in range(3):
        r = client.post(
            "/console/login", data={"username": f"nobody{n}", "password": "x", "csrf": csrf}
        )
        assert r.status_code == 401
    return client


def test_x_forwarded_for_is_ignored_unless_from_a_trusted_proxy(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _throttled_by_address(world, monkeypatch)
    creds = {"username": "amna", "password": PASSWORD, "csrf": login_csrf(client)}
    spoofed = client.post("/console/login", data=creds, headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429  # the header does not buy a fresh address


def test_x_forwarded_for_from_a_listed_proxy_names_the_client(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIGRAN_TRUSTED_PROXIES", "127.0.0.1")
    client = _throttled_by_address(world, monkeypatch)
    creds = {"username": "amna", "password": PASSWORD, "csrf": login_csrf(client)}
    other = client.post(
        "/console/login",
        data=creds,
        headers={"X-Forwarded-For": "203.0.113.9"},
        follow_redirects=False,
    )
    assert other.status_code == 303  # another client behind the proxy is not throttled


def _routes(cid: str) -> list[tuple[str, str]]:
    return [
        ("GET", "/console/queues/ur-hate"),
        ("GET", "/console/queues/ur-hate/rows"),
        ("POST", "/console/queues/ur-hate/claim"),
        ("GET", f"/console/cases/{cid}"),
        ("GET", f"/console/cases/{cid}/media/0"),
        ("GET", f"/console/cases/{cid}/media/0/frames"),
        ("GET", f"/console/cases/{cid}/media/0/frames/0.jpg"),
        ("GET", f"/console/cases/{cid}/media/0/thumb.jpg"),
        ("POST", f"/console/cases/{cid}/media/0/revealed"),
        ("POST", f"/console/cases/{cid}/media/0/hidden"),
        ("POST", f"/console/cases/{cid}/decide"),
        ("POST", f"/console/cases/{cid}/escalate"),
        ("POST", f"/console/cases/{cid}/second-opinion"),
        ("POST", f"/console/cases/{cid}/release"),
        ("GET", "/console/qa"),
        ("GET", "/console/dashboard"),
        ("POST", "/console/sla/sweep"),
    ]


# Routes any signed-in user may use (sign-in, sign-out, static files, the queue list).
OPEN = {
    "/console/static/{name}",
    "/console/login",
    "/console/logout",
    "/console",
    "/console/",
    "/console/queues",
    "/console/settings",
}


def test_every_console_route_is_covered() -> None:
    declared = {
        (m, r.path)
        for r in console_router.routes
        if isinstance(r, APIRoute)
        for m in r.methods
        if r.path not in OPEN
    }
    tested = {
        (
            m,
            p.replace("CID", "{case_id}")
            .replace("/media/0", "/media/{n}")
            .replace("/frames/0.jpg", "/frames/{k}.jpg")
            .replace("ur-hate", "{queue}"),
        )
        for m, p in _routes("CID")
    }
    assert declared == tested


@pytest.mark.parametrize("who", ["bilal", "auth1"])
def test_403_on_every_route_outside_your_rights(world: World, who: str) -> None:
    client, csrf = signed_in(world, who)
    for method, path in _routes(world.case_id):
        data = {"csrf": csrf, "action": "none", "to": "lead"} if method == "POST" else None
        r = client.request(method, path, data=data, follow_redirects=False)
        assert r.status_code == 403, (who, method, path, r.status_code)
    if who == "auth1":
        assert client.get("/console/queues").status_code == 403
        assert client.get("/console/settings").status_code == 403
        assert client.post("/console/settings", data={"csrf": csrf}).status_code == 403
    lead, _ = signed_in(world, "lead1")
    assert "claimed by" not in lead.get("/console/queues/ur-hate").text


def test_lead_dashboards_render_charts_and_sla_events(world: World) -> None:
    late = report(
        world.store, stored(world.store, "late"), severity=4, now=utcnow() - timedelta(hours=3)
    )
    client, csrf = signed_in(world, "lead1")
    assert client.post("/console/sla/sweep", data={"csrf": csrf}).status_code == 200
    dash = client.get("/console/dashboard")
    assert dash.status_code == 200 and "<svg" in dash.text and "Open cases per queue" in dash.text
    assert f"/console/cases/{late}" in dash.text and "<td>breached</td>" in dash.text
    assert client.get("/console/qa").status_code == 200


def test_static_assets_are_vendored(world: World) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    font = client.get("/console/static/NotoNastaliqUrdu-Regular.ttf")
    assert font.status_code == 200 and len(font.content) > 100_000
    assert "htmx" in client.get("/console/static/htmx.min.js").text
    assert client.get("/console/static/../../auth.py").status_code == 404


def test_legal_staff_pick_a_pack_ground(world: World) -> None:
    person(world.store, "legal1", roles=("legal",))
    client, csrf = signed_in(world, "amna")
    client.post("/console/queues/ur-hate/claim", data={"csrf": csrf})
    page = client.get(f"/console/cases/{world.case_id}").text
    assert 'id="ground-law"' not in page and "PK · " in page  # the pack is shown, not offered
    r = client.post(
        f"/console/cases/{world.case_id}/decide",
        data={"csrf": csrf, "action": "withhold", "ground_law": "law:PK.INCITE"},
    )
    assert r.status_code == 403
    client.post(
        f"/console/cases/{world.case_id}/escalate",
        data={"csrf": csrf, "to": "legal", "note": "PECA?"},
    )
    legal, lcsrf = signed_in(world, "legal1")
    r = legal.post("/console/queues/ur-hate/claim", data={"csrf": lcsrf}, follow_redirects=False)
    assert r.headers["location"] == f"/console/cases/{world.case_id}"
    page = legal.get(r.headers["location"]).text
    assert 'value="law:PK.INCITE"' in page and "PECA?" in page
    r = legal.post(
        f"/console/cases/{world.case_id}/decide",
        follow_redirects=False,
        data={
            "csrf": lcsrf,
            "action": "withhold",
            "ground": "policy:threat",
            "ground_law": "law:PK.INCITE",
        },
    )
    assert r.status_code == 303
    assert not enforce.visible(world.store, "c1", "PK") and enforce.visible(world.store, "c1", "DE")


@pytest.mark.parametrize(
    ("lang", "body", "direction", "style"),
    [
        ("ur", THREAT_UR, "rtl", "nastaliq"),
        ("ps", "زه به تا ووژنم", "rtl", "naskh"),  # Pashto: "I will kill you"
        ("pa", "ਮੈਂ ਤੈਨੂੰ ਮਾਰ ਦਿਆਂਗਾ", "auto", ""),  # Punjabi in Gurmukhi: the same
    ],
)
def test_case_text_is_shown_in_its_own_script(
    world: World, lang: str, body: str, direction: str, style: str
) -> None:
    """Gurmukhi is left to right (only Shahmukhi Punjabi is RTL); Pashto and Sindhi are set in
    Naskh, Urdu in Nastaliq; every text carries its language for the browser's font choice."""
    c = stored(world.store, f"script-{lang}", body)
    cid = report(world.store, c, category="threat", severity=4, language=lang)
    client, _ = signed_in(world, "lead1")
    page = client.get(f"/console/cases/{cid}")
    assert page.status_code == 200, page.text
    tag = re.search(r'<p class="text[^"]*"[^>]*data-field="body">', page.text)
    assert tag is not None
    p = tag.group(0)
    assert f'dir="{direction}"' in p and f'lang="{lang}"' in p
    for s in ("nastaliq", "naskh"):
        assert (s in p) == (s == style), p


def test_a_reviewer_sees_an_orders_hold_and_cannot_lift_it(world: World) -> None:
    from nigran.legal import authorities, orders
    from nigran.legal.orders import OrderIn
    from nigran.model import utcnow

    with world.store.transaction() as conn:
        authorities.add_authority(conn, "PTA", "PTA", "PK", "PTA")
        o = orders.receive(
            conn, "PTA", OrderIn(legal_ground="PK.DECENCY", items=["c1"]), now=utcnow()
        )
        orders.decide(conn, o.id, reviewer="legal-1", outcome="withhold", now=utcnow())
    client, csrf = signed_in(world, "amna")
    r = client.post("/console/queues/ur-hate/claim", data={"csrf": csrf}, follow_redirects=False)
    page = client.get(r.headers["location"]).text
    assert "In force" in page and f"order:{o.id}" in page and "only the order" in page
    client.post(
        f"/console/cases/{world.case_id}/decide",
        data={"csrf": csrf, "action": "none"},
        follow_redirects=False,
    )
    assert not enforce.visible(world.store, "c1", "PK")  # "no violation" leaves the order's hold


def test_one_claim_at_a_time_and_stale_claims_show_open(world: World) -> None:
    from sqlalchemy import update

    from nigran.store.tables import cases as cases_t

    other = report(world.store, stored(world.store, "c2", THREAT_UR), category="threat")
    client, csrf = signed_in(world, "amna")
    r = client.post("/console/queues/ur-hate/claim", data={"csrf": csrf}, follow_redirects=False)
    first = r.headers["location"].rsplit("/", 1)[1]
    assert first in (world.case_id, other)
    again = client.post(
        "/console/queues/ur-hate/claim", data={"csrf": csrf}, follow_redirects=False
    )
    assert again.headers["location"] == f"/console/cases/{first}?held=1"
    page = client.get(again.headers["location"]).text
    assert 'id="held"' in page and "one case at a time" in page
    queue = client.get("/console/queues/ur-hate").text
    assert queue.count("claimed by amna") == 1
    # The claim runs out: the queue page and its counts show the case open again.
    with world.store.transaction() as conn:
        conn.execute(
            update(cases_t)
            .where(cases_t.c.id == first)
            .values(claim_expires_at=utcnow() - timedelta(minutes=1))
        )
    assert "claimed by" not in client.get("/console/queues/ur-hate").text
    assert "claimed by" not in client.get("/console/queues/ur-hate/rows").text
    lst = client.get("/console/queues").text
    assert re.search(r'data-queue="ur-hate">[^<]*</a></td>\s*<td>2</td><td>0</td>', lst), lst


def test_wellness_settings_persist_and_apply(world: World, tmp_path: Path) -> None:
    from nigran.errors import InvalidInput
    from tests.review.support import video_case

    client, csrf = signed_in(world, "amna")
    page = client.get("/console/settings").text
    assert '<option value="2" selected>medium</option>' in page  # the defaults
    assert 'id="greyscale" checked' in page and 'id="mute" checked' in page
    r = client.post(
        "/console/settings",
        data={"csrf": csrf, "blur": "3", "autoplay": "on", "exposure_limit": "5"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/settings?saved=1"
    w = auth.get_user(world.store, "amna").wellness
    assert (w["blur"], w["greyscale"], w["mute"], w["autoplay"], w["exposure_limit"]) == (
        3,
        False,
        False,
        True,
        5,
    )
    assert w["severe_cap"] == 40  # a lead's setting, untouched
    # A new session (another browser) gets them, and the case page applies them.
    again, _ = signed_in(world, "amna")
    assert '<option value="3" selected>strong</option>' in again.get("/console/settings").text
    case = again.get(f"/console/cases/{world.case_id}").text
    assert re.search(r'<img[^>]*class="wellness blur blur-3"', case)
    from nigran.detect.media.samples import synthetic_video

    vid = video_case(
        world.store, "v9", synthetic_video(tmp_path / "v.mp4", seed=1, seconds=2, size=(64, 48))
    )
    video = re.search(r"<video[^>]*>", again.get(f"/console/cases/{vid}").text)
    assert video and " autoplay " in video.group(0) and "muted" not in video.group(0)
    # Out of range: refused with the field named, nothing saved.
    bad = client.post("/console/settings", data={"csrf": csrf, "blur": "9"})
    assert bad.status_code == 400 and "blur must be one of" in bad.text
    bad = client.post("/console/settings", data={"csrf": csrf, "exposure_limit": "0"})
    assert bad.status_code == 400 and "exposure limit" in bad.text
    assert auth.get_user(world.store, "amna").wellness["blur"] == 3
    with pytest.raises(InvalidInput, match="severe_cap"):
        auth.set_wellness(world.store, "amna", {"severe_cap": 400})
    assert client.post("/console/settings", data={"csrf": "forged"}).status_code == 403


def test_reveal_and_time_on_screen_are_recorded(world: World) -> None:
    from sqlalchemy import select

    from nigran.store.tables_review import exposures

    client, csrf = signed_in(world, "amna")
    base = f"/console/cases/{world.case_id}/media/0"
    r = client.post(f"{base}/revealed", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and "exposure-break" not in r.text  # a threat is not graphic
    assert client.post(f"{base}/revealed").status_code == 403  # no CSRF token
    assert client.post(f"{base}/hidden", data={"csrf": csrf, "seconds": "2.5"}).status_code == 204
    bad = client.post(f"{base}/hidden", data={"csrf": csrf, "seconds": "soon"})
    assert bad.status_code == 400 and "seconds" in bad.text
    none = client.post(f"/console/cases/{world.case_id}/media/7/revealed", data={"csrf": csrf})
    assert none.status_code == 404  # the case has one medium
    with world.store.read() as conn:
        rows = conn.execute(select(exposures.c.user_id, exposures.c.graphic, exposures.c.seconds))
        assert [tuple(r) for r in rows] == [("amna", False, 2.5)]
