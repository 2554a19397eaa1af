"""The review portal's domain without a browser (issue 18): invites stored as hashes, expiry, revocation ending
sessions, roles, decisions and comments with who/when/timecode, ``pixm portal`` commands, comments exported as
markers through OpenTimelineIO (EDL locators, FCP 7 XML, Avid marker list, OTIO)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from fractions import Fraction

import opentimelineio as otio
import pytest
from sqlalchemy import text

from pixm_desktop.core.errors import ReviewNotAllowedError, UsageError
from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.services import clips
from pixm_desktop.services.review import access, content, decisions, export
from pixm_desktop.services.review.access import FailureLimiter
from pixm_desktop.store.models import ReviewViewer
from support.cli import cli
from support.shoots import catalog_copy, offloaded_shoot

DAY = dt.date(2026, 11, 23)
FPS = Fraction(25)


@pytest.fixture(scope="module")
def shoot_db(tmp_path_factory):
    return offloaded_shoot(tmp_path_factory.mktemp("review-shoot"), [("A001", FPS, 3, 1.0)], DAY)


@pytest.fixture
def shoot(tmp_path, shoot_db):
    yield from catalog_copy(tmp_path, shoot_db)


def _clip_rows(catalog):
    return clips.list_clips(catalog)


def _viewer(catalog, name="Ana", role="director") -> access.Viewer:
    inv = access.invite(catalog, name, role)
    _sid, viewer = access.sign_in(catalog, inv.token)
    return viewer


def test_an_invite_keeps_only_the_tokens_hash_and_expires(shoot):
    inv = access.invite(shoot, "Ana Director", "director", days=2)
    assert len(inv.token) >= 43 and inv.link("http://10.0.0.5:8686") == f"http://10.0.0.5:8686/r/{inv.token}"
    with shoot.session() as s:
        row = s.query(ReviewViewer).one()
        assert row.token_hash == access.digest(inv.token) and inv.token not in row.token_hash
        dump = "\n".join(shoot.engine.raw_connection().iterdump())
    assert inv.token not in dump
    sid, viewer = access.sign_in(shoot, inv.token, "10.0.0.9", "phone")
    assert viewer.name == "Ana Director" and access.authenticate(shoot, sid) == viewer
    assert sid not in "\n".join(shoot.engine.raw_connection().iterdump())
    assert access.sign_in(shoot, inv.token[:-1] + ("A" if inv.token[-1] != "A" else "B")) is None
    with shoot.session() as s:
        s.query(ReviewViewer).one().expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.commit()
    assert access.sign_in(shoot, inv.token) is None and access.authenticate(shoot, sid) is None


def test_revoke_ends_open_sessions_and_a_new_invite_replaces_the_old_link(shoot):
    first = access.invite(shoot, "Eve", "editor")
    sids = [access.sign_in(shoot, first.token)[0] for _ in range(2)]
    assert [v.name for v in access.connected(shoot)] == ["Eve", "Eve"]
    assert access.revoke(shoot, "Eve") == 2
    assert all(access.authenticate(shoot, sid) is None for sid in sids)
    assert access.sign_in(shoot, first.token) is None and access.connected(shoot) == []
    second = access.invite(shoot, "Eve", "editor")
    assert access.sign_in(shoot, second.token) is not None and access.sign_in(shoot, first.token) is None
    with pytest.raises(UsageError, match="no viewer named"):
        access.revoke(shoot, "Nobody")
    with pytest.raises(UsageError, match="unknown role"):
        access.invite(shoot, "Zed", "grip")


def test_media_keys_and_csrf_tokens_belong_to_one_session_and_one_id():
    assert access.media_key("s1", "proxy", 1) != access.media_key("s1", "proxy", 2)
    assert access.media_key("s1", "proxy", 1) != access.media_key("s2", "proxy", 1)
    assert access.media_key("s1", "proxy", 1) != access.media_key("s1", "thumb0", 1)
    assert access.csrf_token("s1") != access.csrf_token("s2")
    assert access.check(access.csrf_token("s1"), access.csrf_token("s1"))
    assert not access.check(access.csrf_token("s1"), None) and not access.check(access.csrf_token("s1"), "")


def test_the_failure_limit_counts_per_address_within_its_window():
    now = [0.0]
    limiter = FailureLimiter(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        limiter.failed("10.0.0.9")
    assert limiter.blocked("10.0.0.9") and not limiter.blocked("10.0.0.10")
    now[0] = 61.0
    assert not limiter.blocked("10.0.0.9")


def test_decisions_and_comments_are_written_with_who_when_and_timecode(shoot):
    rows = _clip_rows(shoot)
    clip = rows[1]
    director, producer = _viewer(shoot, "Ana", "director"), _viewer(shoot, "Pat", "producer")
    decisions.circle(shoot, director, clip.id)
    decisions.rate(shoot, director, clip.id, 5)
    decisions.select(shoot, director, clip.id)
    uid = decisions.comment(shoot, director, clip.id, "soft focus", 3, 10)
    with pytest.raises(ReviewNotAllowedError):
        decisions.circle(shoot, producer, clip.id)
    with pytest.raises(ReviewNotAllowedError):
        decisions.rate(shoot, producer, clip.id, 1)
    decisions.comment(shoot, producer, clip.id, "over budget?")
    for bad in (dict(text=" "), dict(text="x", frame_in=25), dict(text="x", frame_in=5, frame_out=2),
                dict(text="x", frame_out=3)):
        with pytest.raises(UsageError):
            decisions.comment(shoot, director, clip.id, **{"frame_in": None, **bad})
    row = clips.list_clips(shoot)[1]
    assert row.circled and row.rating == 5
    view = content.clip_view(shoot, clip.id)
    assert view.selected and view.prev_id == rows[0].id and view.next_id == rows[2].id
    notes = view.comments
    assert [(n.author, n.role, n.text) for n in notes] == [("Ana", "director", "soft focus"),
                                                           ("Pat", "producer", "over budget?")]
    assert notes[0].uuid == uid and (notes[0].tc_in, notes[0].tc_out) == (
        frames_to_tc(clip.start_frame + 3, FPS), frames_to_tc(clip.start_frame + 10, FPS))
    assert notes[1].tc_in is None and notes[0].created_at.tzinfo is not None
    grid = content.day_grid(shoot, DAY.isoformat(), selected=True)
    assert [t.id for t in grid] == [clip.id] and grid[0].circled and grid[0].rating == 5
    assert [t.id for t in content.day_grid(shoot, DAY.isoformat(), circled=True)] == [clip.id]
    assert len(content.day_grid(shoot, DAY.isoformat())) == 3


def test_export_comments_writes_edl_locators_fcp_xml_avid_markers_and_otio(shoot, tmp_path):
    rows = _clip_rows(shoot)
    ana = _viewer(shoot, "Ana", "director")
    decisions.comment(shoot, ana, rows[0].id, "boom in shot", 4)
    decisions.comment(shoot, ana, rows[2].id, "great take", 2, 12)
    assert cli("portal", "export-comments", "--day", "2026-11-22", "-o", tmp_path / "x.edl",
               "--catalog", shoot.path).code == 2
    outputs = {}
    for suffix in ("edl", "xml", "txt", "otio"):
        path = tmp_path / f"day.{suffix}"
        run = cli("portal", "export-comments", "--day", DAY.isoformat(), "-o", path, "--catalog", shoot.path)
        assert run.code == 0 and "2 marker(s) on 2 clip(s)" in run.out, run.text
        outputs[suffix] = path.read_text()
    tc0 = frames_to_tc(rows[0].start_frame + 4, FPS)
    tc2 = frames_to_tc(rows[2].start_frame + 2, FPS)
    assert f"* LOC: {tc0} RED     ANA (DIRECTOR): BOOM IN SHOT" in outputs["edl"]
    assert f"* LOC: {tc2}" in outputs["edl"]
    markers = ET.fromstring(outputs["xml"]).findall(".//marker")
    assert sorted(m.findtext("comment") or m.findtext("name") for m in markers) == [
        "Ana (director): boom in shot", "Ana (director): great take"]
    lines = outputs["txt"].splitlines()
    assert lines[0].split("\t") == ["Ana", tc0, "V1", "red", f"{rows[0].name}: Ana (director): boom in shot", "1"]
    assert lines[1].split("\t")[-1] == "11"  # frames 2–12
    tl = otio.adapters.read_from_string(outputs["otio"], "otio_json")
    marker = tl.find_clips()[0].markers[0]
    assert marker.metadata["pixm"]["author"] == "Ana" and len(marker.metadata["pixm"]["uuid"]) == 36
    assert export.FORMATS[".edl"] == "cmx_3600"


def test_pixm_portal_invite_viewers_revoke_and_log(shoot):
    run = cli("portal", "invite", "Dee Op", "--role", "dop", "--days", "3", "--url", "http://cart:8686",
              "--catalog", shoot.path)
    assert run.code == 0 and run.out.startswith("http://cart:8686/r/"), run.text
    token = run.out.strip().rsplit("/", 1)[1]
    assert access.sign_in(shoot, token) is not None
    access.log(shoot, None, "10.0.0.9", "GET", "/", 403)
    listed = cli("portal", "viewers", "--catalog", shoot.path)
    assert "Dee Op  dop  until" in listed.out
    with pytest.raises(SystemExit) as bad_role:  # argparse's choices
        cli("portal", "invite", "X", "--role", "gaffer", "--catalog", shoot.path)
    assert bad_role.value.code == 2
    assert cli("portal", "revoke", "Nobody", "--catalog", shoot.path).code == 2
    assert "revoked Dee Op; 1 open session(s) ended" in cli("portal", "revoke", "Dee Op", "--catalog",
                                                             shoot.path).out
    assert "10.0.0.9  GET /  403" in cli("portal", "log", "--catalog", shoot.path).out


def test_the_review_tables_come_with_their_migration(shoot):
    with shoot.engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        cols = {r[1] for r in conn.execute(text("PRAGMA table_info(comments)"))}
    assert {"review_viewers", "review_sessions", "review_access", "comments"} <= names
    assert {"uuid", "clip_id", "author", "role", "kind", "text", "frame_in", "tc_in", "created_at"} <= cols


def test_the_daily_report_lists_the_portals_calls_and_comments_with_who(shoot, tmp_path):
    from pypdf import PdfReader

    from pixm_desktop.services import reports

    clip = _clip_rows(shoot)[0]
    ana = _viewer(shoot, "Ana Director", "director")
    decisions.circle(shoot, ana, clip.id)
    decisions.comment(shoot, ana, clip.id, "hold for the wide", 6)
    data = reports.daily_report_data(shoot, DAY)
    assert [(x.clip, x.author, x.kind) for x in data.review] == [(clip.name, "Ana Director", "circle"),
                                                                 (clip.name, "Ana Director", "comment")]
    assert data.review[1].tc_in == frames_to_tc(clip.start_frame + 6, FPS)
    path = tmp_path / "day.pdf"
    reports.write_daily_report(shoot, DAY, path)
    words = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Review portal (2)" in words and "hold for the wide" in words and "Ana Director (director)" in words
