"""``pixm clips`` / ``pixm log`` / ``pixm ingest`` and the clip ingest that follows ``pixm offload``/``demo``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixm_desktop.cli import main
from pixm_desktop.core.model import Camera
from pixm_desktop.samples.samplecard import generate_card


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def clips_json(capsys, catalog: Path, *extra: str) -> list[dict]:
    code, out, _ = run(capsys, "clips", "--json", "--catalog", catalog, *extra)
    assert code == 0
    return json.loads(out)


@pytest.fixture
def offloaded(tmp_path: Path, capsys):
    """Two GoPro cards (A001, B001: the same clip names) offloaded with ``pixm offload``."""
    catalog = tmp_path / "catalog.sqlite"
    labels = []
    (tmp_path / "RAID").mkdir()
    (tmp_path / "SHUTTLE").mkdir()  # the drives are mounted: PIXM never creates a destination root
    for reel in ("A001", "B001"):
        card = generate_card(tmp_path / "cards", Camera.GOPRO, clips=2, seconds=0.5, width=320, height=180,
                             reel=reel)
        code, out, _ = run(capsys, "offload", card.root, "--dest", tmp_path / "RAID", "--dest", tmp_path / "SHUTTLE",
                           "--project", "Film", "--day", "2026-11-23", "--catalog", catalog, "--quiet")
        assert code == 0, out
        # the one-line summary of the automatic ingest
        assert f"clips: {card.root.name}: 2 clips (2 new), 2 probed, 6 thumbnails — read from the verified copy" in out
        labels.append(card.root.name)
    return catalog, labels


def test_clips_json_and_log_round_trip(offloaded, capsys) -> None:
    catalog, (a, b) = offloaded
    rows = clips_json(capsys, catalog)
    assert len(rows) == 4 and {r["card_label"] for r in rows} == {a, b}
    first = next(r for r in rows if r["card_label"] == a and r["name"] == "GX010001")
    assert (first["fps"], first["frames"], first["codec"], first["probe_status"]) == ("25/1", 12, "h264", "ok")
    assert len(first["thumbnails"]) == 3 and all(Path(p).is_file() for p in first["thumbnails"])

    code, out, _ = run(capsys, "log", "GX010001", "--card", a, "--scene", "12A", "--take", "3", "--circle",
                       "--rating", "4", "--note", "focus buzz [end]", "--flag", "--camera", "c", "--catalog", catalog)
    assert code == 0 and "scene 12A take 3 camera C, circled, rating 4, flagged" in out and "[end]" in out
    row = next(r for r in clips_json(capsys, catalog, "--card", a) if r["id"] == first["id"])
    assert (row["scene"], row["take"], row["camera"], row["circled"], row["rating"], row["flagged"],
            row["notes"], row["logged_from"]) == ("12A", "3", "C", True, 4, True, "focus buzz [end]", "manual")

    code, out, _ = run(capsys, "log", f"#{first['id']}", "--no-circle", "--no-flag", "--note", "", "--json",
                       "--catalog", catalog)
    detail = json.loads(out)
    assert code == 0 and (detail["circled"], detail["flagged"], detail["notes"], detail["scene"]) == (
        False, False, None, "12A")
    assert {f["role"] for f in detail["files"]} == {"media", "proxy", "thumbnail"}

    assert [r["id"] for r in clips_json(capsys, catalog, "--scene", "12A")] == [first["id"]]
    assert [r["id"] for r in clips_json(capsys, catalog, "--min-rating", "4")] == [first["id"]]
    assert clips_json(capsys, catalog, "--circled") == []
    assert [r["name"] for r in clips_json(capsys, catalog, "--card", b, "--search", "0002")] == ["GX010002"]
    assert len(clips_json(capsys, catalog, "--day", "2026-11-23", "--limit", "3")) == 3
    assert clips_json(capsys, catalog, "--day", "2026-11-24") == []
    code, out, _ = run(capsys, "clips", "--catalog", catalog)
    assert code == 0 and "GX010001" in out and "4 clip(s)" in out


def test_log_errors_exit_2(offloaded, capsys) -> None:
    catalog, (a, _b) = offloaded
    code, out, err = run(capsys, "log", "GX010001", "--scene", "1", "--catalog", catalog)
    assert code == 2 and "2 clips are named 'GX010001'" in err and "--card" in err
    code, _out, err = run(capsys, "log", "A001C999", "--scene", "1", "--catalog", catalog)
    assert code == 2 and "no clip named 'A001C999'" in err
    code, _out, err = run(capsys, "log", "GX010001", "--card", "NOPE", "--catalog", catalog)
    assert code == 2
    code, _out, err = run(capsys, "clips", "--card", "NOPE", "--catalog", catalog)
    assert code == 2 and "NOPE" in err
    with pytest.raises(SystemExit) as exc:  # argparse: rating out of 0–5
        main(["log", "GX010001", "--card", a, "--rating", "9", "--catalog", str(catalog)])
    assert exc.value.code == 2


def test_ingest_command(offloaded, capsys) -> None:
    catalog, (a, _b) = offloaded
    code, out, _ = run(capsys, "ingest", a, "--catalog", catalog)
    assert code == 0 and f"clips: {a}: 2 clips (0 new), 2 probed, 6 thumbnails" in out
    code, out, _ = run(capsys, "ingest", a, "--changed-only", "--catalog", catalog)
    assert code == 0 and "0 probed, 2 unchanged" in out
    code, _out, err = run(capsys, "ingest", "NOPE", "--catalog", catalog)
    assert code == 2 and "no card labelled 'NOPE'" in err


def test_demo_ingests_its_card(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "demo", tmp_path / "demo")
    assert code == 0
    assert "clips: " in out and "3 clips (3 new), 3 probed, 9 thumbnails" in out
    rows = clips_json(capsys, tmp_path / "demo" / "catalog.sqlite")
    assert len(rows) == 3 and all(r["probe_status"] == "ok" for r in rows)
