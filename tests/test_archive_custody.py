"""One chain of custody from card to tape (issue 16): card → shuttle (PIXM offload) → archive RAID (PIXM offload
of the shuttle folder, continuing its history) → LTO tape (``pixm archive``, carrying both generations and
appending the tape's ``transfer`` generation); the reference tool verifies every step and sees three
generations on the tape."""

from __future__ import annotations

import json
import subprocess

from support.cli import cli
from support.mhl import ASCMHL, assert_ascmhl_clean, generations, make_card


def test_card_shuttle_archive_tape_keeps_one_chain(tmp_path):
    card = make_card(tmp_path / "cards")
    for d in ("shuttle", "raid", "archive", "LTO201"):
        (tmp_path / d).mkdir()
    common = ("--template", "{card}", "--quiet", "--no-clips", "--no-report")
    run = cli("offload", card, "--dest", tmp_path / "shuttle", "--dest", tmp_path / "raid",
              "--catalog", tmp_path / "set.sqlite", *common)
    assert run.code == 0, run.text
    shuttle = tmp_path / "shuttle" / card.name
    assert_ascmhl_clean(shuttle)
    run = cli("offload", shuttle, "--dest", tmp_path / "archive", "--catalog", tmp_path / "post.sqlite", *common)
    assert run.code == 0, run.text
    at_archive = tmp_path / "archive" / card.name
    assert_ascmhl_clean(at_archive)
    assert len(generations(at_archive)) == 2
    label = json.loads(cli("catalog", "cards", "--json", "--catalog", tmp_path / "post.sqlite").out)[0]["label"]
    run = cli("archive", "--card", label, "--tape", "LTO201", "--to", tmp_path / "LTO201", "--json",
              "--catalog", tmp_path / "post.sqlite")
    assert run.code == 0, run.text
    folders = [p for p in (tmp_path / "LTO201").glob("*/*") if (p / "ascmhl").is_dir()]
    assert len(folders) == 1
    at_tape = folders[0]
    assert generations(at_tape)[:2] == generations(at_archive) and len(generations(at_tape)) == 3
    for name in generations(at_archive):  # carried byte for byte
        assert (at_tape / "ascmhl" / name).read_bytes() == (at_archive / "ascmhl" / name).read_bytes()
    assert_ascmhl_clean(at_tape)
    info = subprocess.run([ASCMHL, "info", at_tape], capture_output=True, text=True)
    assert info.returncode == 0 and "Generation 3" in info.stdout and "Generation 4" not in info.stdout, info.stdout
