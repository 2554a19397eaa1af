"""The review portal in a real browser (issue 18): Playwright drives Debian's Chromium against a portal served
in this process on a free loopback port, over a shoot whose clips have H.264 proxies with the timecode burnt in.

What a viewer can and cannot do: no token → refused; a director's link → the day's grid with thumbnails; the
player seeks to a frame and shows that frame's timecode, the one burnt into the picture it shows; circling and
commenting at a timecode land in the catalog with the viewer's name; a producer cannot circle; a revoked link
and its open session are refused; media URLs with ``..`` or another clip's key are refused. Screenshots of the
grid and the clip page (laptop and phone) are taken too, into ``$PIXM_SCREENSHOTS`` when set
(``PIXM_SCREENSHOTS=docs/screenshots`` renews the README's), else into the test's temporary folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.media.renditions import burnin, presets
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store.models import Clip, ReviewComment
from support.browser import DAY, FPS, PRESET, chromium_path, link, portal, review_shoot, wait_until
from support.cli import cli

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium package (.ci/run)")

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT = 30.0  # s: the waits end as soon as the condition holds


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("PIXM_SCREENSHOTS") or tmp_path_factory.mktemp("portal-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def shoot(tmp_path_factory) -> Path:
    return review_shoot(tmp_path_factory.mktemp("portal-shoot"))


@pytest.fixture(scope="module")
def server(shoot):
    with portal(shoot) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--autoplay-policy="
                                                                      "no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=LAPTOP)  # the portal's own policy: waits go through wait_until
    yield ctx
    ctx.close()


def _clips(db: Path) -> list[tuple[int, str, int, str]]:
    """``(id, name, start frame, start TC)`` of the shoot's clips in the day's order."""
    catalog = open_catalog(db)
    try:
        with catalog.session() as s:
            return [(c.id, c.name, c.start_frame, c.start_tc) for c in s.query(Clip).order_by(Clip.id)]
    finally:
        catalog.close()


def _signed_in(context, shoot, server, name: str, role: str):
    page = context.new_page()
    response = page.goto(link(shoot, server, name, role))
    assert response.ok and page.url == server.url + "/"
    return page


def test_a_wait_polls_under_the_portals_own_policy(browser):
    """The tests that keep the portal's Content-Security-Policy wait with ``support.browser.wait_until``: a
    condition that turns true later, on a page served with the portal's own headers, is waited for (Playwright's
    ``wait_for_function`` polls by ``eval`` there and fails; it failed the central portal's test on a slow run)."""
    from pixm_desktop.portal.app import HEADERS

    page = browser.new_page()
    try:
        page.route("http://portal.test/", lambda r: r.fulfill(body="<p>portal</p>", content_type="text/html",
                                                              headers=HEADERS))
        page.goto("http://portal.test/")
        later = page.evaluate("performance.now()") + 500
        wait_until(page, f"performance.now() > {later}", timeout=10)
        with pytest.raises(AssertionError, match="not true within"):
            wait_until(page, "false", timeout=0.3)
    finally:
        page.close()


def test_no_token_is_refused(context, server, shoot):
    page = context.new_page()
    clip_id = _clips(shoot)[0][0]
    for path in ("/", f"/day/{DAY}", f"/clip/{clip_id}", f"/media/{clip_id}/proxy", "/static/player.js",
                 f"/day/{DAY}/report.pdf"):
        response = page.goto(server.url + path)
        assert response.status == 403, path
        assert page.locator("#refused").inner_text() == "A review link is needed"
    response = page.goto(server.url + "/r/" + "x" * 43)  # a token of the right shape, not issued
    assert response.status == 403


def test_a_director_link_opens_the_days_grid_with_thumbnails(context, server, shoot, shots):
    page = _signed_in(context, shoot, server, "Ana Director", "director")
    page.click(f"a[href='/day/{DAY}']")
    page.wait_for_url(f"**/day/{DAY}")
    tiles = page.locator(".tile")
    assert tiles.count() == 3
    names = [c[1] for c in _clips(shoot)]
    assert [tiles.nth(i).get_attribute("data-name") for i in range(3)] == names
    wait_until(page, "[...document.querySelectorAll('.tile img')].every(i => i.complete && i.naturalWidth > 0)", timeout=WAIT)
    assert page.locator(".tile img").count() == 3
    assert page.locator(".tile .verdict").first.inner_text() in ("SAFE TO FORMAT", "NOT SAFE TO FORMAT")
    assert page.locator(".tile .badge.play").count() == 3  # every clip has its proxy
    page.screenshot(path=str(shots / "portal-grid.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "portal-grid-phone.png"), full_page=True)
    assert (shots / "portal-grid-phone.png").stat().st_size > 0


def _burnt_tc_errors(page, labels: list[str]) -> dict[str, float]:
    """Mean difference between the timecode box of the frame the player shows (read back through a canvas)
    and the box each of ``labels`` would burn (drawn here by the same burn-in code, as the render did)."""
    preset = presets.get_preset(PRESET)
    w, h = preset.video["width"], preset.video["height"]
    burn = burnin.BurnIn(("tc",), burnin.ClipText(), preset.burn_in, w, h)
    errors = {}
    for label in labels:
        ((box, _origin),) = burn.boxes("bottom-right", [label])
        x0, y0, x1, y1 = box
        shown = np.array(page.evaluate(
            """([x, y, w, h, vw, vh]) => { const v = document.getElementById('video');
                 const c = document.createElement('canvas'); c.width = vw; c.height = vh;
                 const g = c.getContext('2d'); g.drawImage(v, 0, 0, vw, vh);
                 return Array.from(g.getImageData(x, y, w, h).data); }""",
            [x0, y0, x1 - x0 + 1, y1 - y0 + 1, w, h]), dtype=float).reshape(y1 - y0 + 1, x1 - x0 + 1, 4)[..., :3]
        ref = burn.draw(np.zeros((h, w, 3), np.uint8), label, 0)[y0:y1 + 1, x0:x1 + 1].astype(float)
        errors[label] = float(np.abs(shown - ref).mean())
    return errors


@pytest.mark.parametrize("frame", [13, 0, 24])
def test_the_player_seeks_to_a_frame_and_shows_the_tc_burnt_into_it(context, server, shoot, frame):
    clip_id, _name, start, start_tc = _clips(shoot)[1]
    page = _signed_in(context, shoot, server, "Dee Op", "dop")
    page.goto(f"{server.url}/clip/{clip_id}")
    wait_until(page, "document.getElementById('video').readyState >= 2", timeout=WAIT)
    page.fill("#gotoval", str(frame))
    page.click("#goto button")
    wait_until(page, f"(() => {{ const t = document.getElementById('tc');"
                     f" return t.dataset.source === 'frame' && t.dataset.frame === '{frame}'; }})()", timeout=WAIT)
    expected = frames_to_tc(start + frame, FPS)
    assert page.locator("#tc").inner_text() == expected
    neighbours = [frames_to_tc(start + f, FPS) for f in (frame - 1, frame, frame + 1) if 0 <= f < 25]
    errors = _burnt_tc_errors(page, neighbours)
    assert min(errors, key=errors.get) == expected and errors[expected] < 12.0, errors

    page.click("#fwd" if frame < 24 else "#back")  # one frame step, again from the frame's own time
    step = frame + 1 if frame < 24 else frame - 1
    wait_until(page, f"document.getElementById('tc').dataset.frame === '{step}'", timeout=WAIT)
    assert page.locator("#tc").inner_text() == frames_to_tc(start + step, FPS)
    assert page.locator("#watermark span").first.inner_text() == "Dee Op"


def test_circling_and_a_comment_at_a_tc_land_in_the_catalog_with_the_viewers_name(context, server, shoot, shots):
    clip_id, name, start, _tc = _clips(shoot)[2]
    page = _signed_in(context, shoot, server, "Sam Script", "script")
    page.goto(f"{server.url}/clip/{clip_id}")
    wait_until(page, "document.getElementById('video').readyState >= 2", timeout=WAIT)
    page.click("#circle")
    wait_until(page, "document.getElementById('status').textContent.includes('circled: yes')", timeout=WAIT)
    page.click("#stars .star[data-n='4']")
    wait_until(page, "document.getElementById('status').textContent.includes('rating 4')", timeout=WAIT)
    page.fill("#gotoval", "7")
    page.click("#goto button")
    wait_until(page, "document.getElementById('tc').dataset.frame === '7'", timeout=WAIT)
    page.fill("#commenttext", "boom in frame, top left")
    page.click("#send")
    wait_until(page, "document.getElementById('status').textContent.includes('comment at')", timeout=WAIT)
    page.screenshot(path=str(shots / "portal-clip.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "portal-clip-phone.png"), full_page=True)

    catalog = open_catalog(shoot)
    try:
        with catalog.session() as s:
            clip = s.get(Clip, clip_id)
            assert clip.circled and clip.rating == 4
            rows = s.query(ReviewComment).filter_by(clip_id=clip_id).order_by(ReviewComment.id).all()
            assert [(r.kind, r.author, r.role) for r in rows] == [
                ("circle", "Sam Script", "script"), ("rating", "Sam Script", "script"),
                ("comment", "Sam Script", "script")]
            note = rows[-1]
            assert (note.text, note.frame_in, note.tc_in) == ("boom in frame, top left", 7,
                                                              frames_to_tc(start + 7, FPS))
            assert re.fullmatch(r"[0-9a-f-]{36}", note.uuid) and note.created_at is not None
    finally:
        catalog.close()
    page.reload()
    assert "boom in frame, top left" in page.locator("#comments").inner_text()


def _post(page, clip_id: int, what: str, body: dict, csrf: bool = True) -> tuple[int, dict]:
    return tuple(page.evaluate(
        """async ([id, what, body, csrf]) => {
             const h = {'Content-Type': 'application/json'};
             if (csrf) h['X-CSRF-Token'] = document.querySelector('meta[name=csrf]').content;
             const r = await fetch(`/api/clip/${id}/${what}`, {method: 'POST', headers: h, body: JSON.stringify(body)});
             return [r.status, await r.json()]; }""", [clip_id, what, body, csrf]))


def test_a_producer_cannot_circle_but_may_comment(context, server, shoot):
    clip_id = _clips(shoot)[0][0]
    page = _signed_in(context, shoot, server, "Pat Producer", "producer")
    page.goto(f"{server.url}/clip/{clip_id}")
    assert page.locator("#circle").count() == 0 and page.locator("#stars").count() == 0
    status, body = _post(page, clip_id, "circle", {"on": True})
    assert status == 403 and "producer may not circle" in body["error"]
    assert _post(page, clip_id, "rating", {"rating": 5})[0] == 403
    assert _post(page, clip_id, "comment", {"text": "love it", "frame_in": 3})[0] == 200
    catalog = open_catalog(shoot)
    try:
        with catalog.session() as s:
            assert not s.get(Clip, clip_id).circled
    finally:
        catalog.close()


def test_writes_need_the_sessions_csrf_token(context, server, shoot):
    clip_id = _clips(shoot)[0][0]
    page = _signed_in(context, shoot, server, "Ana Director", "director")
    page.goto(f"{server.url}/clip/{clip_id}")
    status, body = _post(page, clip_id, "circle", {"on": True}, csrf=False)
    assert status == 403 and "CSRF" in body["error"]


def test_a_revoked_link_and_its_open_session_are_refused(context, server, shoot):
    url = link(shoot, server, "Eve Editor", "editor")
    page = context.new_page()
    assert page.goto(url).ok
    assert page.goto(f"{server.url}/day/{DAY}").ok
    run = cli("portal", "revoke", "Eve Editor", "--catalog", shoot)
    assert run.code == 0 and "1 open session(s) ended" in run.out
    assert page.goto(f"{server.url}/day/{DAY}").status == 403  # the open session, at once
    assert page.goto(url).status == 403  # and the link


def test_media_urls_with_dots_or_another_clips_key_are_refused(context, server, shoot):
    (a, *_), (b, *_) = _clips(shoot)[:2]
    page = _signed_in(context, shoot, server, "Ana Director", "director")
    page.goto(f"{server.url}/clip/{a}")
    src = page.locator("#video").get_attribute("src")
    key = re.search(r"k=(\w+)", src).group(1)
    request = context.request
    good = request.get(server.url + src, headers={"Range": "bytes=0-1023"})
    assert good.status == 206 and len(good.body()) == 1024
    assert good.headers["content-range"].startswith("bytes 0-1023/")
    assert request.get(f"{server.url}/media/{b}/proxy?k={key}").status == 403  # a's key on b
    assert request.get(f"{server.url}/media/{a}/thumb/0?k={key}").status == 403  # the proxy's key on a thumbnail
    for path in (f"/media/..%2F..%2F..%2Fetc%2Fpasswd/proxy?k={key}", f"/media/{a}/thumb/..%2F0?k={key}",
                 "/static/..%2Fapp.py", "/static/%2e%2e/app.py"):
        response = request.get(server.url + path)
        assert response.status in (403, 404), path
        assert b"root:" not in response.body() and b"create_app" not in response.body()
    other = context.browser.new_context()  # a key is worth nothing in another session
    try:
        assert other.request.get(server.url + src).status == 403
    finally:
        other.close()


def test_the_days_pdf_report_downloads_for_the_director(context, server, shoot):
    page = _signed_in(context, shoot, server, "Ana Director", "director")
    response = context.request.get(f"{server.url}/day/{DAY}/report.pdf")
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    assert page is not None


def test_failed_attempts_are_rate_limited(shoot):
    import httpx

    with portal(shoot, max_failures=5) as limited, httpx.Client() as client:
        good = link(shoot, limited, "Ana Director", "director")
        statuses = [client.get(f"{limited.url}/r/{'x' * 43}").status_code for _ in range(5)]
        assert statuses == [403] * 5
        assert client.get(good).status_code == 429  # even the right link, until the minute has passed
        assert client.get(f"{limited.url}/").status_code == 429


def test_a_clip_without_a_proxy_shows_its_thumbnails_and_scrubs_through_them(browser, shoot, tmp_path):
    import shutil

    from pixm_desktop.store.models import Rendition

    db = tmp_path / "catalog.sqlite"
    shutil.copy(shoot, db)
    catalog = open_catalog(db)
    try:
        with catalog.session() as s:
            s.query(Rendition).delete()
            s.commit()
    finally:
        catalog.close()
    clip_id = _clips(db)[0][0]
    with portal(db) as s:
        ctx = browser.new_context(viewport=LAPTOP)
        try:
            page = ctx.new_page()
            assert page.goto(link(db, s, "Ana Director", "director")).ok
            page.goto(f"{s.url}/day/{DAY}")
            assert page.locator(".tile .badge.play").count() == 0 and page.locator(".tile img").count() == 3
            page.goto(f"{s.url}/clip/{clip_id}")
            assert page.locator("#video").count() == 0
            first = page.locator("#still").get_attribute("src")
            assert "/thumb/0?" in first
            page.locator("#scrub").fill("24")  # the last frame: the last thumbnail
            wait_until(page, "document.getElementById('still').src.includes('/thumb/2?')", timeout=WAIT)
            assert page.locator("#tc").get_attribute("data-source") == "thumb"
            wait_until(page, "document.getElementById('still').naturalWidth > 0", timeout=WAIT)
        finally:
            ctx.close()
