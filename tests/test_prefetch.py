"""``pixm offload CARD``: the card's folder tree is listed while the program loads (services.prefetch)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from pixm_desktop.services import prefetch


def _tree(root: Path) -> None:
    for d in ("DCIM/100GOPRO", "DCIM/101GOPRO", "MISC"):
        (root / d).mkdir(parents=True)
    for i in range(30):
        (root / "DCIM/100GOPRO" / f"G{i:03d}.JPG").write_bytes(b"x" * i)
    (root / "MISC" / "version.txt").write_text("1")


def test_every_entry_is_listed_once_and_links_are_not_followed(tmp_path):
    card = tmp_path / "card"
    _tree(card)
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(50):
        (outside / f"{i}").write_text("o")
    (card / "MISC" / "away").symlink_to(outside, target_is_directory=True)
    # DCIM and MISC; the two camera folders; version.txt and the link (its 50 files never met); 30 stills
    assert prefetch.walk(os.fsencode(card)) == 2 + 2 + 2 + 30


def test_a_wrong_folder_is_not_walked_to_its_end_and_errors_are_skipped(tmp_path):
    card = tmp_path / "card"
    _tree(card)
    assert prefetch.walk(os.fsencode(card), limit=10) == 10
    assert prefetch.walk(os.fsencode(tmp_path / "missing")) == 0
    thread = prefetch.prefetch_card(card)
    thread.join(10)
    assert not thread.is_alive() and thread.daemon


def test_pixm_offload_lists_the_card_right_after_the_command_only(tmp_path):
    card = tmp_path / "A001"
    _tree(card)
    probe = ("import sys\n"
             "from pixm_desktop.services import prefetch\n"
             "seen = []\n"
             "prefetch.prefetch_card = seen.append\n"
             "from pixm_desktop.cli import main\n"
             "sys.argv = ['pixm', *sys.argv[1:]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print([str(s) for s in seen])")

    def listed(*args: str) -> list[str]:
        r = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120)
        return ast.literal_eval(r.stdout.strip().splitlines()[-1])

    assert listed("offload", str(card), "--dest", str(tmp_path), "--help") == [str(card)]
    # a value of an option, a missing folder, another command: nothing is walked
    assert listed("offload", "--dest", str(card), str(tmp_path), "--help") == []
    assert listed("offload", str(tmp_path / "none"), "--help") == []
    assert listed("verify", str(card), "--help") == []
