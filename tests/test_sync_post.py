"""Post work made on a cart reaches the central catalog (issue 17): a VFX pull (its cut, events, the shots
marked, the clips it names), a turnover (here one refused for missing proxies: recorded with its checks
all the same), a review portal comment and an LTO tape with the files on it, pushed by ``pixm sync`` into a real PostgreSQL server."""

from __future__ import annotations

import sqlite3

import psycopg

from pixm_desktop.services import clips, cuts
from pixm_desktop.services.review import access, decisions
from support.cli import cli
from support.post_shoot import by_name, clip_item, write_cut

pytest_plugins = ["support.postgres", "support.post_shoot"]


def test_a_turnover_and_a_pull_made_on_a_cart_appear_centrally(cut_shoot, tmp_path, central_url):
    catalog, path, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    items = [clip_item(a1, 4, 12, reel=a1.tape_name), clip_item(a2, 10, 3, reel=a2.tape_name)]
    cuts.import_cut(catalog, [write_cut(tmp_path, "P1", items, style="avid")], "P1")
    assert cli("central", "init", central_url).code == 0
    assert cli("sync", "--to", central_url, "--catalog", path).code == 0
    mark = cli("vfx", "mark", "--cut", "P1", "--events", "1,2", "--show", "ABC", "--seq", "020", "--catalog", path)
    assert mark.code == 0, mark.text
    (tmp_path / "out").mkdir()
    pull = cli("pull", "--cut", "P1", "--to", tmp_path / "out", "--catalog", path)
    assert pull.code == 0, pull.text
    turnover = cli("turnover", "editorial", "--day", "2026-11-23", "--to", tmp_path / "EDIT", "--catalog", path)
    assert turnover.code == 14, turnover.text  # no proxies rendered: refused, and recorded as such
    (tmp_path / "LTO001").mkdir()
    archived = cli("archive", "--day", "2026-11-23", "--tape", "LTO001", "--to", tmp_path / "LTO001", "--copy", "B",
                   "--catalog", path)
    assert archived.code == 0, archived.text
    _sid, viewer = access.sign_in(catalog, access.invite(catalog, "Ana Director", "director").token)
    [clip] = [c for c in clips.list_clips(catalog) if c.name == a1.clip_name]
    decisions.comment(catalog, viewer, clip.id, "hold for the wide", 6)  # a note from the review portal
    synced = cli("sync", "--catalog", path)  # the URL this cart used last
    assert synced.code == 0, synced.text
    with psycopg.connect(central_url) as conn:
        pulls = conn.execute("SELECT p.shot, c.name, k.name, p.pull_in, p.pull_out FROM pulls p "
                             "JOIN clips c ON c.id = p.clip_id JOIN cuts k ON k.id = p.cut_id ORDER BY p.shot").fetchall()
        shots = conn.execute("SELECT shot FROM cut_events WHERE shot IS NOT NULL ORDER BY shot").fetchall()
        marked = conn.execute("SELECT count(*) FROM central_fields WHERE tbl = 'cut_events' AND field = 'shot'"
                              ).fetchone()[0]
        turnovers = conn.execute("SELECT kind, status, day::text, checks <> '[]' FROM turnovers").fetchall()
        jobs = conn.execute("SELECT kind FROM jobs WHERE kind IN ('pull', 'turnover', 'archive') ORDER BY kind"
                            ).fetchall()
        tapes = conn.execute("SELECT label, copy, state FROM tapes").fetchall()
        notes = conn.execute("SELECT c.name, n.author, n.role, n.kind, n.text FROM comments n "
                             "JOIN clips c ON c.id = n.clip_id").fetchall()
        on_tape = conn.execute("SELECT f.relpath, t.path, t.md5 FROM tape_files t JOIN files f ON f.id = t.file_id "
                               "ORDER BY t.path").fetchall()
    with sqlite3.connect(path) as local:
        local_on_tape = local.execute("SELECT f.relpath, t.path, t.md5 FROM tape_files t "
                                      "JOIN files f ON f.id = t.file_id ORDER BY t.path").fetchall()
    assert [(p[1], p[2]) for p in pulls] == [(a1.clip_name, "P1"), (a2.clip_name, "P1")]
    assert [p[0] for p in pulls] == [s for (s,) in shots] and len(shots) == 2 and marked == 2
    assert all(p[3] < p[4] for p in pulls)
    assert turnovers == [("editorial", "refused", "2026-11-23", True)]
    assert jobs == [("archive",), ("pull",), ("turnover",)]
    assert [(label, copy) for label, copy, _ in tapes] == [("LTO001", "B")]
    assert notes == [(a1.clip_name, "Ana Director", "director", "comment", "hold for the wide")]
    assert on_tape == local_on_tape and len(on_tape) > 0 and all(md5 for _, _, md5 in on_tape)
