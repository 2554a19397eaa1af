"""``pixm report offload|daily``, ``pixm export ale|csv`` and the demo's offload report, through the real CLI
entry point on a catalog with real offloads."""

from __future__ import annotations

import csv
import datetime as dt
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from pypdf import PdfReader

from pixm_desktop.cli import main
from pixm_desktop.core.model import Camera
from pixm_desktop.samples.samplecard import generate_card
from pixm_desktop.services import clips
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog

DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def cat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two projects shooting on the same day: card A001 for "Film", B001 for "Ad"."""
    base = tmp_path_factory.mktemp("cli")
    path = base / "catalog.sqlite"
    catalog = open_catalog(path)
    (base / "RAID").mkdir()  # the drive is mounted: PIXM never creates a destination root
    for project, reel in (("Film", "A001"), ("Ad", "B001")):
        card = generate_card(base / "cards", Camera.ARRI, clips=2, seconds=0.5, reel=reel, width=320, height=180,
                             fps=Fraction(25))
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(source=card.root, destinations=[base / "RAID"],
                                                            project=project, day=DAY)))
        assert result.ok
        clips.ingest_card(catalog, result.card_id)
    catalog.close()
    return path


def _label(cat: Path, reel: str) -> str:
    catalog = open_catalog(cat)
    try:
        return next(r.card_label for r in clips.list_clips(catalog) if r.reel == reel)
    finally:
        catalog.close()


def test_report_and_export_commands(cat: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    label = _label(cat, "A001")
    c = ["--catalog", str(cat)]
    assert main(["report", "offload", "--card", label, "-o", str(tmp_path / "a.pdf"), *c]) == 0
    assert f"wrote offload report: {tmp_path / 'a.pdf'}" in " ".join(capsys.readouterr().out.split())
    assert label in PdfReader(tmp_path / "a.pdf").pages[0].extract_text()
    assert main(["report", "offload", "--job", "1", "-o", str(tmp_path / "j.pdf"), "--paper", "letter", *c]) == 0
    page = PdfReader(tmp_path / "j.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert main(["report", "daily", "--day", DAY.isoformat(), "--project", "Film", "-o", str(tmp_path / "d.pdf"),
                 *c]) == 0
    assert "Daily report — Film" in PdfReader(tmp_path / "d.pdf").pages[0].extract_text()
    assert main(["export", "ale", "--day", DAY.isoformat(), "--project", "Film", "-o", str(tmp_path / "d.ale"),
                 *c]) == 0
    ale = otio.adapters.read_from_file(str(tmp_path / "d.ale"), adapter_name="ale")
    assert len(list(ale.find_clips())) == 2 and ale.metadata["ALE"]["header"]["FPS"] == "25"
    assert main(["export", "csv", "--day", DAY.isoformat(), "--project", "Ad", "-o", str(tmp_path / "d.csv"),
                 *c]) == 0
    with open(tmp_path / "d.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and {r["reel"] for r in rows} == {"B001"}


@pytest.mark.parametrize(("argv", "message"), [
    (["report", "offload", "--card", "NOPE"], "no card labelled 'NOPE'"),
    (["report", "offload", "--job", "999"], "no job #999"),
    (["report", "daily", "--day", "2001-01-01"], "no shoot day 2001-01-01"),
    (["report", "daily", "--day", DAY.isoformat()], "several projects shot on 2026-11-23: Ad, Film"),
    (["report", "daily", "--day", DAY.isoformat(), "--project", "Nope"], "no shoot day 2026-11-23 of project"),
    (["export", "ale", "--day", "2001-01-01"], "no shoot day 2001-01-01"),
    (["export", "ale", "--day", DAY.isoformat(), "--project", "Film", "--fps", "23.976"], "runs at 23.976 fps"),
    (["export", "csv", "--day", DAY.isoformat(), "--project", "Film", "--card", "NOPE"], "no card labelled"),
])
def test_unknown_things_exit_2_with_a_clear_message(cat: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    argv: list[str], message: str) -> None:
    out = tmp_path / "x.out"
    assert main([*argv, "-o", str(out), "--catalog", str(cat)]) == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_bad_arguments_exit_2(cat: Path, tmp_path: Path) -> None:
    for argv in (["report", "offload", "-o", "x.pdf"],  # neither --card nor --job
                 ["report", "offload", "--card", "A", "--job", "1", "-o", "x.pdf"],
                 ["report", "daily", "--day", "23/11/2026", "-o", "x.pdf"],
                 ["export", "ale", "--day", DAY.isoformat(), "--fps", "fast", "-o", "x.ale"]):
        with pytest.raises(SystemExit) as err:
            main([*argv, "--catalog", str(cat)])
        assert err.value.code == 2
    assert main(["report", "daily", "--day", DAY.isoformat(), "--project", "Film", "-o", str(tmp_path),
                 "--catalog", str(cat)]) == 2  # a folder, not a file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (["report", "daily", "--day", DAY.isoformat(), "--project", "Film"],
                 ["export", "csv", "--day", DAY.isoformat(), "--project", "Film"]):
        assert main([*argv, "-o", str(blocker / "sub" / "out"), "--catalog", str(cat)]) == 2  # unwritable


def test_demo_writes_the_offload_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "demo")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    pdfs = list((tmp_path / "demo" / "reports").glob("*_offload.pdf"))
    assert len(pdfs) == 1 and f"offload report: {pdfs[0]}" in out
    text = "\n".join(p.extract_text() for p in PdfReader(pdfs[0]).pages)
    assert pdfs[0].name.removesuffix("_offload.pdf") in text and "PIXM Demo" in text and "Clips (3)" in text
