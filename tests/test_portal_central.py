"""The review portal served from the central catalog (issue 18 item 5), against a real PostgreSQL server: two
carts synced, the day grid shows both carts' clips with the carts holding each card and THE verdict over all
their copies; thumbnails carried by the sync; a proxy reachable through a media map plays with range requests
(206), one on a cart's own drive says where it is, a map escape (symlink out, ``..``) is refused; a circle, a
rating and a comment made on the central portal come down to the carts with ``pixm sync``; a link from one
catalog opens no other; ``pixm portal … --central``."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import warnings
from pathlib import Path

import psycopg
import pytest

with warnings.catch_warnings():  # Starlette's note that it would rather have httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pixm_desktop.core.errors import UsageError
from pixm_desktop.portal.app import create_app
from pixm_desktop.services import sync
from pixm_desktop.services.review import access
from pixm_desktop.services.review.central import MediaMap, media_maps, reachable
from pixm_desktop.services.review.server import PortalOptions, PortalServer
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.services.sync import central, show_cards
from pixm_desktop.store.models import Clip, Rendition
from support.cli import cli

pytest_plugins = ["support.postgres", "support.sync_carts"]

DAY = "2026-11-23"
B_ROOT = "/Volumes/B-DAILIES"  # where cart B recorded its proxies (not on this machine)
A_PROXY_DIR = "/Volumes/A-RAID/dailies"  # cart A's, not reachable here and not mapped
PROXY_BYTES = bytes(range(256)) * 400  # a stand-in for an MP4: the server streams bytes, the test reads ranges


def _render(db: Path, reel: str, index: int, path: str) -> str:
    """Record a browser proxy of the ``index``-th clip of reel ``reel`` at ``path`` on the cart; its name."""
    catalog = open_catalog(db)
    try:
        with catalog.session() as s:
            clip = sorted((c for c in s.query(Clip) if c.name.startswith(reel)), key=lambda c: c.name)[index]
            s.add(Rendition(clip_id=clip.id, preset="h264-review-mp4", paths=json.dumps([path]), xxh64="[]",
                            frames=clip.frames or 1, inputs_key="0" * 32))
            s.commit()
            return clip.name
    finally:
        catalog.close()


def _sync(db: Path, url: str) -> sync.SyncResult:
    catalog = open_catalog(db)
    try:
        return sync.sync_once(catalog, url)
    finally:
        catalog.close()


@pytest.fixture
def show(carts, central_url, tmp_path):
    """Carts A (card A001) and B (A001 and B002) synced to a new central catalog, with proxies recorded: one of
    A001 on cart A's own drive, two of B002 on cart B's dailies volume, shared here at ``shared`` (the second
    a symlink out of it)."""
    a, b = carts
    shared, outside = tmp_path / "shared", tmp_path / "outside"
    (shared / "dailies").mkdir(parents=True)
    outside.mkdir()
    a_clip = _render(a, "A001", 0, f"{A_PROXY_DIR}/a001c001.mp4")
    b_clip = _render(b, "B002", 0, f"{B_ROOT}/dailies/b002c001.mp4")
    evil_clip = _render(b, "B002", 1, f"{B_ROOT}/dailies/evil.mp4")
    (shared / "dailies" / "b002c001.mp4").write_bytes(PROXY_BYTES)
    (outside / "secret.mp4").write_bytes(b"not for viewers")
    (shared / "dailies" / "evil.mp4").symlink_to(outside / "secret.mp4")
    central.init(central_url)
    carried = [_sync(db, central_url).thumbnails for db in (a, b)]
    return dict(url=central_url, a=a, b=b, carried=carried, shared=shared, outside=outside, a_clip=a_clip, b_clip=b_clip,
                evil_clip=evil_clip, maps=media_maps([("cart-B", B_ROOT, str(shared))]))


def _client(app, catalog, name="Ana Director", role="director") -> tuple[TestClient, str]:
    """A signed-in client of ``app`` (invited on ``catalog``) and its CSRF token."""
    inv = access.invite(catalog, name, role)
    client = TestClient(app)
    page = client.get(f"/r/{inv.token}")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" content="([0-9a-f]+)"', page.text).group(1)
    return client, csrf


@pytest.fixture
def portal(show):
    app = create_app(central_url=show["url"], media_maps=show["maps"])
    try:
        yield app
    finally:
        app.state.close()


def _central_clips(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT name, id FROM clips").fetchall())


def _tiles(html: str) -> dict[str, str]:
    """``{clip name: the tile's HTML}`` of a day grid."""
    return {m.group(1): m.group(0) for m in re.finditer(r'data-name="([^"]+)">.*?</a>', html, re.S)}


def test_the_day_grid_shows_both_carts_clips_their_carts_and_the_verdict_over_all_copies(show, portal):
    client, _csrf = _client(portal, portal.state.catalog)
    assert DAY in client.get("/").text
    page = client.get(f"/day/{DAY}")
    assert page.status_code == 200
    tiles = _tiles(page.text)
    assert sorted(tiles) == sorted(_central_clips(show["url"]))  # A001's two clips once, B002's two
    assert len(tiles) == 4
    verdicts = {c.label[:4]: c.verdict.title for c in show_cards(show["url"])}
    for name, html in tiles.items():
        card = name[:4]
        assert ("on cart-A, cart-B" in html) == (card == "A001"), name
        assert ("on cart-B" in html) == (card == "B002"), name
        assert verdicts[card] in html, name  # the card's verdict as the whole show counts it
    # the thumbnails came with the sync: the grid's images are JPEGs from the central catalog
    assert show["carried"] == [6, 6]  # three per clip; cart B's copies of A001's were there already
    thumbs = re.findall(r'src="(/media/\d+/thumb/\d\?k=[0-9a-f]+)"', page.text)
    assert len(thumbs) == 4
    for url in thumbs:
        image = client.get(url)
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert image.content[:3] == b"\xff\xd8\xff"
    report = client.get(f"/day/{DAY}/report.pdf")
    assert report.status_code == 200 and report.content[:5] == b"%PDF-", report.text[:500]


def test_a_proxy_reachable_through_a_media_map_plays_with_range_requests(show, portal):
    client, _csrf = _client(portal, portal.state.catalog)
    clip_id = _central_clips(show["url"])[show["b_clip"]]
    page = client.get(f"/clip/{clip_id}")
    assert "<video" in page.text and 'id="proxy-note"' not in page.text
    assert re.search(r'id="carts">cart-B<', page.text)
    src = re.search(r'src="(/media/\d+/proxy\?k=[0-9a-f]+)"', page.text).group(1)
    part = client.get(src, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(PROXY_BYTES)}"
    assert part.content == PROXY_BYTES[1000:2000]


def test_a_proxy_not_reachable_says_which_cart_holds_it_and_scrubs_thumbnails(show, portal):
    client, _csrf = _client(portal, portal.state.catalog)
    clip_id = _central_clips(show["url"])[show["a_clip"]]
    page = client.get(f"/clip/{clip_id}")
    assert "<video" not in page.text and 'id="still"' in page.text  # the thumbnails, scrubbed
    note = re.search(r'id="proxy-note">([^<]+)<', page.text).group(1)
    assert f"proxy on cart cart-A ({A_PROXY_DIR}/a001c001.mp4), not reachable from this server" in note
    key = re.search(r"/media/\d+/thumb/0\?k=([0-9a-f]+)", page.text).group(1)
    assert client.get(f"/media/{clip_id}/proxy?k={key}").status_code == 403  # a thumbnail's key opens no proxy
    other = _central_clips(show["url"])[show["b_clip"]]
    assert client.get(f"/media/{other}/thumb/0?k={key}").status_code == 403  # nor another clip's thumbnail
    assert client.get(f"/media/{clip_id}/thumb/0?k={key}").status_code == 200


def test_a_media_map_never_leads_out_of_its_folder(show, portal, tmp_path):
    client, _csrf = _client(portal, portal.state.catalog)
    clip_id = _central_clips(show["url"])[show["evil_clip"]]  # its proxy is a symlink out of the shared folder
    page = client.get(f"/clip/{clip_id}")
    assert "<video" not in page.text
    assert "proxy on cart cart-B (/Volumes/B-DAILIES/dailies/evil.mp4), not reachable" in page.text
    maps = show["maps"]
    (show["outside"] / "x.mp4").write_bytes(b"x")
    assert reachable(f"{B_ROOT}/dailies/b002c001.mp4", "cart-B", maps) == show["shared"].resolve() / "dailies" / \
        "b002c001.mp4"
    assert reachable(f"{B_ROOT}/../outside/x.mp4", "cart-B", maps) is None
    assert reachable(f"{B_ROOT}/dailies/../../outside/x.mp4", "cart-B", maps) is None
    assert reachable(f"{B_ROOT}/dailies/evil.mp4", "cart-B", maps) is None
    assert reachable(str(show["outside"] / "x.mp4"), "cart-B", maps) is None  # a mapped cart: only its maps
    assert reachable(str(show["outside"] / "x.mp4"), "cart-A", maps) == show["outside"] / "x.mp4"  # its own path
    with pytest.raises(UsageError):
        media_maps([("cart-B", "relative/path", str(tmp_path))])
    with pytest.raises(UsageError):
        media_maps([("cart-B", B_ROOT, str(tmp_path / "absent"))])
    assert MediaMap("cart-B", maps[0].source, maps[0].root) == maps[0]


def _cart_clip(db: Path, name: str) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT circled, rating FROM clips WHERE name = ?", [name]).fetchone()


def _cart_notes(db: Path, name: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT n.author, n.role, n.kind, n.text, n.tc_in FROM comments n JOIN clips c "
                            "ON c.id = n.clip_id WHERE c.name = ? ORDER BY n.created_at, n.id", [name]).fetchall()


def test_decisions_on_the_central_portal_reach_every_cart_holding_the_clip(show, portal):
    client, csrf = _client(portal, portal.state.catalog, "Ana Director", "director")
    name = show["a_clip"]  # card A001: on both carts
    clip_id = _central_clips(show["url"])[name]
    h = {"X-CSRF-Token": csrf}
    assert client.post(f"/api/clip/{clip_id}/circle", json={"on": True}, headers=h).json()["ok"]
    assert client.post(f"/api/clip/{clip_id}/rating", json={"rating": 4}, headers=h).json()["ok"]
    assert client.post(f"/api/clip/{clip_id}/select", json={"on": True}, headers=h).json()["ok"]
    assert client.post(f"/api/clip/{clip_id}/comment", json={"text": "the one", "frame_in": 3}, headers=h).json()["ok"]
    producer, pcsrf = _client(portal, portal.state.catalog, "Pat Producer", "producer")
    refused = producer.post(f"/api/clip/{clip_id}/circle", json={"on": False}, headers={"X-CSRF-Token": pcsrf})
    assert refused.status_code == 403
    with psycopg.connect(show["url"]) as conn:
        held = conn.execute("SELECT f.field, f.value, k.name FROM central_fields f JOIN central_carts k ON "
                            "k.uuid = f.cart JOIN clips c ON c.sync_uuid = f.row_uuid WHERE c.name = %s ORDER BY 1",
                            [name]).fetchall()
    assert held == [("circled", True, "central portal"), ("rating", 4, "central portal")]
    assert _cart_clip(show["a"], name) == (0, 0)
    r = cli("sync", "--to", show["url"], "--catalog", show["a"])  # as the DIT runs it on the cart
    assert r.code == 0 and "pulled 2; review comments pulled 4, thumbnails carried 0" in r.text, r.text
    assert _sync(show["b"], show["url"]).comments_pulled == 4
    for db in (show["a"], show["b"]):
        assert _cart_clip(db, name) == (1, 4)
        notes = _cart_notes(db, name)
        assert [n[:4] for n in notes] == [("Ana Director", "director", "circle", ""),
                                          ("Ana Director", "director", "rating", "4"),
                                          ("Ana Director", "director", "select", ""),
                                          ("Ana Director", "director", "comment", "the one")]
        assert notes[-1][4]  # the comment's timecode
        again = _sync(db, show["url"])
        assert not again.changed_anything  # nothing twice, nothing pushed back
    catalog = open_catalog(show["a"])  # the cart's own portal shows the select made centrally
    try:
        from pixm_desktop.services.review import content

        tile = next(t for t in content.day_grid(catalog, DAY) if t.name == name)
        assert tile.circled and tile.rating == 4 and tile.selected
    finally:
        catalog.close()
    with psycopg.connect(show["url"]) as conn:  # the carts' comments are not duplicated centrally
        assert conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 4


def test_a_link_from_one_catalog_opens_no_other(show, portal):
    cart_app = create_app(show["a"])
    try:
        on_central = access.invite(portal.state.catalog, "Ana Director", "director")
        on_cart = access.invite(cart_app.state.catalog, "Ana Director", "director")
        assert TestClient(cart_app).get(f"/r/{on_central.token}").status_code == 403
        assert TestClient(portal).get(f"/r/{on_cart.token}").status_code == 403
        assert TestClient(portal).get(f"/r/{on_central.token}").status_code == 200
        assert TestClient(cart_app).get(f"/r/{on_cart.token}").status_code == 200
    finally:
        cart_app.state.close()


def test_pixm_portal_commands_with_central(show, tmp_path):
    url = show["url"]
    r = cli("portal", "invite", "Dee DOP", "--role", "dop", "--central", url, "--url", "http://review:8686")
    assert r.code == 0, r.text
    assert re.search(r"http://review:8686/r/[A-Za-z0-9_-]{40,}", r.text)
    r = cli("portal", "viewers", "--central", url)
    assert r.code == 0 and "Dee DOP  dop  until" in r.text
    r = cli("portal", "revoke", "Dee DOP", "--central", url)
    assert r.code == 0 and "revoked Dee DOP" in r.text
    r = cli("portal", "log", "--central", url)
    assert r.code == 0
    r = cli("portal", "export-comments", "--day", DAY, "-o", str(tmp_path / "c.edl"), "--central", url)
    assert r.code == 2 and "no comments" in r.text
    r = cli("portal", "serve", "--media-map", "cart-B", B_ROOT, str(tmp_path), "--catalog", str(show["a"]))
    assert r.code == 2 and "--media-map needs --central" in r.text
    r = cli("portal", "serve", "--central", url, "--media-map", "cart-B", B_ROOT, str(tmp_path / "absent"),
            "--port", "0", "--host", "127.0.0.1")
    assert r.code == 2 and "no folder" in r.text
    catalog = open_catalog(show["a"])
    try:
        assert access.viewers(catalog) == []  # the central viewer is not the cart's
    finally:
        catalog.close()



def test_the_central_grid_and_player_in_chromium(show, tmp_path):
    """Debian's Chromium through Playwright: the central portal's day grid with both carts' clips and their
    thumbnails, a mapped proxy that loads in the player, an unreachable one said in words. Screenshots into
    ``$PIXM_SCREENSHOTS`` when set."""
    from support.browser import chromium_path, wait_until

    sync_api = pytest.importorskip("playwright.sync_api")
    if chromium_path() is None:
        pytest.skip("needs Debian's chromium package (.ci/run)")
    mp4 = show["shared"] / "dailies" / "b002c001.mp4"  # a real H.264 proxy this time, for the browser to load
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=24:duration=1",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "1", "-movflags", "+faststart", str(mp4)],
                   check=True, timeout=120)
    shots = Path(os.environ.get("PIXM_SCREENSHOTS") or tmp_path)
    ids = _central_clips(show["url"])
    catalog = central.open_writer(show["url"])
    try:
        invite = access.invite(catalog, "Ana Director", "director")
    finally:
        catalog.close()
    server = PortalServer(PortalOptions(None, host="127.0.0.1", port=0, central=show["url"],
                                        media_maps=show["maps"]))
    server.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            assert page.goto(invite.link(server.url)).ok
            page.click(f"a[href='/day/{DAY}']")
            page.wait_for_url(f"**/day/{DAY}")
            assert page.locator(".tile").count() == 4
            wait_until(page, "[...document.querySelectorAll('.tile img')].length === 4 && "
                             "[...document.querySelectorAll('.tile img')].every(i => i.complete && i.naturalWidth > 0)")
            assert sorted(page.locator(".tile .carts").all_inner_texts()) == ["on cart-A, cart-B"] * 2 + \
                ["on cart-B"] * 2
            page.screenshot(path=str(shots / "portal-central-grid.png"))
            page.goto(f"{server.url}/clip/{ids[show['b_clip']]}")
            wait_until(page, "document.getElementById('video').readyState >= 1")
            assert page.evaluate("document.getElementById('video').duration") == pytest.approx(1.0, abs=0.1)
            page.goto(f"{server.url}/clip/{ids[show['a_clip']]}")
            assert "proxy on cart cart-A" in page.locator("#proxy-note").inner_text()
            wait_until(page, "document.getElementById('still').naturalWidth > 0")
            page.screenshot(path=str(shots / "portal-central-clip.png"))
            browser.close()
    finally:
        server.stop()
