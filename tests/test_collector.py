"""The garbage collector's tuning: set once by a process of PIXM's own, never by a caller of ``main``."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from pixm_desktop.cli import main
from pixm_desktop.core import collector

PROBE = """
import gc, json, sys
from pixm_desktop.cli import main
sys.argv = ["pixm", "catalog", "cards", "--catalog", sys.argv[1], "--create"]
code = main()
first = gc.get_freeze_count()
from pixm_desktop.core import collector
collector.tune()  # a second call: nothing more frozen
print(json.dumps({"code": code, "threshold": gc.get_threshold(), "frozen": first, "again": gc.get_freeze_count()}))
"""


def test_pixm_started_as_a_program_tunes_the_collector_once(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "catalog.sqlite")], capture_output=True,
                         text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["code"] == 0
    assert got["threshold"] == [collector.YOUNG_EVERY, collector.OLDER_EVERY, collector.OLDER_EVERY]
    assert got["frozen"] > 10_000 and got["again"] == got["frozen"]  # the imports' objects, frozen once


def test_main_called_by_another_program_leaves_the_collector_alone(tmp_path):
    before = gc.get_threshold(), gc.get_freeze_count()
    assert main(["catalog", "cards", "--catalog", str(tmp_path / "catalog.sqlite"), "--create"]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
