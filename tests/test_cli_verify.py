"""``pixm verify`` on legacy MHL v1 folders and on folders with no history (CLI exit codes)."""

from __future__ import annotations

import hashlib

import xxhash

from pixm_desktop.cli import main
from support.cards import write


def _v1(files: dict[str, bytes]) -> str:
    entries = "".join(
        f"<hash><file>{name}</file><size>{len(data)}</size>"
        f"<lastmodificationdate>2012-12-14 16-54-27</lastmodificationdate>"
        f"<md5>{hashlib.md5(data).hexdigest()}</md5>"
        f"<xxhash64be>{xxhash.xxh64(data).hexdigest()}</xxhash64be>"
        f"<hashdate>2012-12-14T16:54:30Z</hashdate></hash>" for name, data in files.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<hashlist version="1.1"><creatorinfo><username>dit</username>'
            "<hostname>cart</hostname><tool>old tool</tool><startdate>2012-12-14 16-54-27</startdate>"
            f"<finishdate>2012-12-14 16-55-00</finishdate></creatorinfo>{entries}</hashlist>\n")


def test_verify_legacy_v1_folder_passes_then_fails_on_a_flipped_byte(tmp_path, capsys):
    files = {"A001C001_121214_R1AB.mov": b"old clip bytes" * 1000, "A001R1AB.ale": b"Heading\n"}
    folder = tmp_path / "A001R1AB"
    for name, data in files.items():
        write(folder / name, data)
    (folder / "A001R1AB_2012-12-14_165427.mhl").write_text(_v1(files))
    catalog = ["--catalog", str(tmp_path / "c.sqlite")]
    assert main(["verify", str(folder), "--no-write", *catalog]) == 0
    assert "MHL v1" in capsys.readouterr().out
    clip = folder / "A001C001_121214_R1AB.mov"
    data = bytearray(clip.read_bytes())
    data[100] ^= 0xFF
    clip.write_bytes(bytes(data))
    assert main(["verify", str(folder), "--no-write", *catalog]) == 5
    out = capsys.readouterr().out
    assert "FAILED" in out and "A001C001_121214_R1AB.mov" in out


def test_verify_folder_without_history_exits_7(tmp_path, capsys):
    write(tmp_path / "card" / "clip.mov", b"x")
    assert main(["verify", str(tmp_path / "card"), "--catalog", str(tmp_path / "c.sqlite")]) == 7
    assert "no ASC MHL history" in capsys.readouterr().err


def test_names_with_brackets_print_verbatim(tmp_path, capsys):
    """Rich markup in file names ("take [alt].wav") must print as text, not be eaten as a tag."""
    folder = tmp_path / "SOUND_01"
    write(folder / "take [alt].wav", b"RIFF")
    (folder / "SOUND_01_2012-12-14_165427.mhl").write_text(_v1({"take [alt].wav": b"RIFX"}))
    assert main(["verify", str(folder), "--no-write", "--catalog", str(tmp_path / "c.sqlite")]) == 5
    assert "take [alt].wav" in capsys.readouterr().out
