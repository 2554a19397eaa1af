"""The README's command-line examples run as printed after the quick start's demo (issue 10, Build 8).

The runnable block is the first ```bash block of "## Using the command line"; its lines run one by one, in
order, in a fresh folder (holding the clone's `docs/examples/`) where `pixm demo demo` (what `scripts/demo.sh` runs after the set-up) has run. `pixm`
is this checkout's CLI; `source .venv/bin/activate` is the set-up's (no venv in a test's folder)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def runnable_examples(text: str) -> list[str]:
    """The commands of the first ```bash block under "## Using the command line", continuation lines joined."""
    section = text.split("\n## Using the command line\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README: no ```bash block under 'Using the command line'"
    commands, pending = [], ""
    for line in block.group(1).splitlines():
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.strip():
            commands.append(pending.strip())
        pending = ""
    return commands


def demo_args() -> list[str]:
    """The arguments `scripts/demo.sh` gives `pixm` (its `exec .venv/bin/pixm …` line)."""
    line = next(x for x in (ROOT / "scripts" / "demo.sh").read_text().splitlines() if "bin/pixm " in x)
    return shlex.split(line.split("bin/pixm ", 1)[1].replace('"$@"', ""))


def test_examples_are_extracted():
    commands = runnable_examples(README.read_text(encoding="utf-8"))
    assert len(commands) >= 10
    assert all(c.startswith(("pixm ", "export ", "source ")) for c in commands), commands
    assert any("offload" in c for c in commands) and not any("/Volumes" in c for c in commands)
    assert demo_args()[:2] == ["demo", "demo"]


@pytest.mark.slow
def test_readme_examples_run_as_printed_on_the_demo(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    env.pop("PIXM_CATALOG", None)
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")  # the clone's files the block reads
    pixm = f"pixm() {{ {shlex.quote(sys.executable)} -m pixm_desktop.cli \"$@\"; }}"
    demo = subprocess.run([sys.executable, "-m", "pixm_desktop.cli", *demo_args()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    done: list[str] = []
    for command in runnable_examples(README.read_text(encoding="utf-8")):
        if command.startswith("source .venv/bin/activate"):
            continue  # the set-up's venv; `pixm` here is the function above
        script = "\n".join([pixm, *done, command])
        r = subprocess.run(["bash", "-c", f"set -euo pipefail\n{script}"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{command}\n-> exit {r.returncode}\n{r.stdout}\n{r.stderr}"
        if command.startswith("export "):
            done.append(command)  # later lines see the variable, as in one shell
    assert (tmp_path / "demo" / "A001RFO7_offload.pdf").stat().st_size > 0
    assert (tmp_path / "demo" / "day01.csv").read_text(encoding="utf-8").count("\n") > 3
