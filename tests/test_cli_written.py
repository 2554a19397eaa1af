"""The CLI as a newcomer meets it (issue 10, "What was seen"): help for every option, a missing catalog is an
error for the commands that read one, "not found" names the catalog, ``verify`` of a missing folder, tables
at 80 columns, the verdict and the job options in ``--json``, the demo's own catalog."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pixm_desktop.cli import build_parser, main
from pixm_desktop.cli._common import out as out_console


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long errors at the console width


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """``pixm demo`` plus a Sony card offloaded with ``--source-verify --cascade`` into the demo's catalog."""
    folder = tmp_path_factory.mktemp("cli") / "demo"
    assert main(["demo", str(folder)]) == 0
    assert main(["sample-card", str(folder / "cards"), "--camera", "sony", "--clips", "1", "--seconds", "0.5"]) == 0
    assert main(["offload", str(folder / "cards" / "A001_SONY"), "--dest", str(folder / "RAID-A"), "--dest",
                 str(folder / "SHUTTLE-B"), "--day", "2026-11-23", "--source-verify", "--cascade", "--quiet",
                 "--no-ingest", "--catalog", str(folder / "catalog.sqlite")]) == 0
    return folder


def _actions(parser: argparse.ArgumentParser, name: str = "pixm"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _actions(sub, f"{name} {sub_name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield name, action


def test_every_option_and_argument_has_help():
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}" for name, a in _actions(build_parser())
               if not (a.help or "").strip()]
    assert missing == []


READERS = [
    ("catalog", "cards"), ("clips",), ("log", "A001C001"), ("ingest", "A001"),
    ("report", "offload", "--card", "A001", "-o", "{tmp}/r.pdf"),
    ("report", "daily", "--day", "2026-11-23", "-o", "{tmp}/d.pdf"),
    ("export", "csv", "--day", "2026-11-23", "-o", "{tmp}/d.csv"),
]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_reader_refuses_a_missing_catalog_naming_it(tmp_path, capsys, argv):
    typo = tmp_path / "catalgo.sqlite"
    code, _, err = run(capsys, *(a.format(tmp=tmp_path) for a in argv), "--catalog", typo)
    assert code == 8
    assert str(typo) in flat(err) and "--create" in err
    assert not typo.exists()


def test_create_starts_an_empty_catalog(tmp_path, capsys):
    new = tmp_path / "new.sqlite"
    code, out, _ = run(capsys, "catalog", "cards", "--json", "--catalog", new, "--create")
    assert code == 0 and json.loads(out) == [] and new.exists()


def test_the_default_catalog_missing_is_named_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PIXM_CATALOG", str(tmp_path / "env.sqlite"))
    code, _, err = run(capsys, "clips")
    assert code == 8 and str(tmp_path / "env.sqlite") in flat(err) and "$PIXM_CATALOG" in err


def test_verify_of_a_missing_folder_says_no_such_folder(tmp_path, capsys):
    code, _, err = run(capsys, "verify", tmp_path / "nonexistent", "--catalog", tmp_path / "c.sqlite")
    assert code == 2
    assert "no such folder" in flat(err) and "ASC MHL history" not in err


def test_verify_with_no_catalog_file_checks_the_history_alone_and_says_so(demo, tmp_path, capsys):
    folder = demo / "RAID-A" / "PIXM Demo" / "2026-11-23" / "ARRI" / "A001RFO7"
    missing = tmp_path / "none.sqlite"
    code, out, err = run(capsys, "verify", folder, "--no-write", "--catalog", missing)
    assert code == 0 and "VERIFIED" in out
    assert f"no catalog at {missing}" in flat(err) and not missing.exists()


@pytest.mark.parametrize("argv", [("catalog", "files", "--card", "NOPE"), ("clips", "--card", "NOPE"),
                                  ("log", "NOPE"), ("ingest", "NOPE"),
                                  ("report", "offload", "--card", "NOPE", "-o", "{tmp}/r.pdf"),
                                  ("export", "csv", "--day", "2001-01-01", "-o", "{tmp}/x.csv")],
                         ids=lambda a: " ".join(a[:2]))
def test_not_found_names_the_catalog_read(demo, tmp_path, capsys, argv):
    catalog = demo / "catalog.sqlite"
    code, _, err = run(capsys, *(a.format(tmp=tmp_path) for a in argv), "--catalog", catalog)
    assert code == 2
    assert f"catalog {catalog}" in flat(err)


@pytest.mark.parametrize("argv", [("clips",), ("catalog", "jobs"), ("catalog", "cards"), ("catalog", "files")])
def test_tables_are_readable_at_80_columns(demo, capsys, monkeypatch, argv):
    monkeypatch.setattr(out_console, "_width", 80)
    code, out, _ = run(capsys, *argv, "--catalog", demo / "catalog.sqlite")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("┃"))
    cells = header.strip("┃").split("┃")
    assert all(c.strip() for c in cells), f"a column with no room: {header}"
    assert not re.search(r"┳┳|╇╇|┴┴", out)


def test_json_has_the_verdict_and_the_options(demo, capsys):
    catalog = demo / "catalog.sqlite"
    code, out, _ = run(capsys, "catalog", "cards", "--json", "--catalog", catalog)
    cards = {c["label"]: c for c in json.loads(out)}
    assert code == 0
    assert cards["A001_SONY"]["source_verify"] is True and cards["A001_SONY"]["cascade"] is True
    assert cards["A001RFO7"]["source_verify"] is False and cards["A001RFO7"]["cascade"] is False
    assert cards["A001RFO7"]["verdict"]["state"] == "not_safe"
    code, out, _ = run(capsys, "catalog", "jobs", "--kind", "offload", "--json", "--catalog", catalog)
    jobs = {j["card"]: j for j in json.loads(out)}
    assert jobs["A001_SONY"]["source_verify"] is True and jobs["A001_SONY"]["cascade"] is True
    assert jobs["A001_SONY"]["options"]["cascade"] is True
    assert jobs["A001RFO7"]["source_verify"] is False


def test_the_demo_keeps_its_own_catalog_as_its_help_says(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PIXM_CATALOG", str(tmp_path / "working.sqlite"))
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    catalog_help = next(a.help for a in sub.choices["demo"]._actions if a.dest == "catalog")
    assert "FOLDER/catalog.sqlite" in catalog_help and "$PIXM_CATALOG is not used" in catalog_help
    code, out, _ = run(capsys, "demo", tmp_path / "demo")
    assert code == 0
    assert (tmp_path / "demo" / "catalog.sqlite").exists() and not (tmp_path / "working.sqlite").exists()


def test_pixm_help_loads_no_catalog_video_or_pdf_library():
    # `pixm --help` and the command list import only the command table: the catalog (SQLAlchemy), video (PyAV)
    # and PDF (reportlab) libraries load with the command that uses them
    probe = ("import sys, contextlib, io\nfrom pixm_desktop.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
             "print(sorted(m for m in ('sqlalchemy', 'av', 'reportlab', 'PySide6') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
    # and each command still has its complete parser when named
    r = subprocess.run([sys.executable, "-m", "pixm_desktop.cli", "offload", "--help"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and "--require-safe" in r.stdout and "--catalog" in r.stdout
