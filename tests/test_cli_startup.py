"""``pixm`` starts fast because it imports only what the command it runs needs: a regression guard on the
modules loaded (a fresh interpreter each time), never on a time."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

#: Libraries that cost tenths of a second or tens of MB to import and that no command list needs.
HEAVY = ("sqlalchemy", "alembic", "av", "reportlab", "numpy", "opentimelineio", "PySide6", "lxml", "PIL",
         "PyOpenColorIO", "aaf2", "distributed", "dask")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys, contextlib, io\n{code}\n"
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return ast.literal_eval(r.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert _loaded_after("import pixm_desktop.cli") == []


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["verify", "--help"], ["offload", "--help"]])
def test_help_and_version_load_no_heavy_library_beyond_their_command(argv):
    # the command list and version load nothing heavy; a command's own --help loads what its module needs:
    # verify and offload the catalog, never a video, PDF or edit library (offload's aftercare is imported while
    # the card copies: cli.offload.AFTER_COPY_MODULES)
    code = ("from pixm_desktop.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass")
    loaded = _loaded_after(code)
    allowed = {"sqlalchemy", "alembic"} if argv[0] in ("verify", "offload") else set()
    assert set(loaded) <= allowed, loaded


def test_the_guard_sees_a_heavy_import():
    # the probe is not blind: importing the catalog layer shows up
    assert "sqlalchemy" in _loaded_after("import pixm_desktop.store.db")


def test_offload_imports_its_aftercare_while_the_card_copies():
    code = ("from pixm_desktop.cli.offload import AFTER_COPY_MODULES, import_ahead\n"
            "import_ahead(('pixm_desktop.no_such_module', 'reportlab')).join(60)\n"  # a failure stops the list
            "assert 'reportlab' not in sys.modules\n"
            "import_ahead(AFTER_COPY_MODULES).join(120)\n"
            "assert all(m in sys.modules for m in AFTER_COPY_MODULES), AFTER_COPY_MODULES")
    assert {"reportlab", "av"} <= set(_loaded_after(code))


def test_offload_starts_the_aftercare_import_once_the_card_is_read(env, monkeypatch):
    # started before the job's rows were written, the import held the interpreter's lock against them (a GIL
    # hand-over per file row inserted); it starts at the first progress with card bytes read, and only once
    import sqlite3

    from pixm_desktop.cli import main
    from pixm_desktop.cli import offload as cli_offload
    from support.cards import write

    base, dests, catalog = env
    card = base / "A001"
    for n in range(3):
        write(card / "DCIM" / f"C{n:03d}.MP4", bytes([n]) * 300_000)
    seen = []

    def recorded(modules):
        with sqlite3.connect(catalog) as db:
            seen.append((modules, db.execute("SELECT status FROM jobs WHERE kind = 'offload'").fetchall()))

    monkeypatch.setattr(cli_offload, "import_ahead", recorded)
    args = ["offload", str(card), "--catalog", str(catalog), "--quiet", "--no-ingest", "--no-report"]
    assert main([*args, *sum((["--dest", str(d)] for d in dests), [])]) == 0
    # once, with the job's row written (still running, or completed when the copy ended within one poll)
    assert len(seen) == 1 and seen[0][0] == cli_offload.AFTER_COPY_MODULES, seen
    assert seen[0][1] in ([("running",)], [("completed",)]), seen
