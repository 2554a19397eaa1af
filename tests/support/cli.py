"""``pixm`` in this process and as real processes: exit code and output, the environment a child needs, a
process held at a gate (formerly in test_offload_e2e and test_cli_signals)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pixm_desktop
from pixm_desktop.cli import main

WIDE = {"COLUMNS": "1000"}  # rich wraps at 80 columns when not on a terminal; keep paths on one line
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROOT = Path(pixm_desktop.__file__).resolve().parents[1]  # the code under test, also for the launcher
PIXM = [sys.executable, "-m", "pixm_desktop.cli"]

#: ``python LAUNCHER ARGS`` = ``pixm ARGS`` with ``$PIXM_GATE`` = "module:function|marker|go" gating the first
#: call of that function.
LAUNCHER = r'''
import importlib, os, sys, time
spec, marker, go = os.environ["PIXM_GATE"].split("|")
mod_name, attr = spec.split(":")
mod = importlib.import_module(mod_name)
original = getattr(mod, attr)
fired = []

def gated(*args, **kwargs):
    if not fired:
        fired.append(True)
        open(marker, "w").close()
        deadline = time.monotonic() + 120
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.01)
    return original(*args, **kwargs)

setattr(mod, attr, gated)
from pixm_desktop.cli import main
sys.exit(main(sys.argv[1:]))
'''


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(*args: object) -> CliRun:
    """``pixm ARGS`` in this process (``pixm_desktop.cli.main``): exit code and what it printed."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ.update(WIDE)
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main([os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args])
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return CliRun(code, _ANSI.sub("", stdout.getvalue()), _ANSI.sub("", stderr.getvalue()))


def pixm_process(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``pixm ARGS`` as a real process (``python -m pixm_desktop.cli``)."""
    return subprocess.run([sys.executable, "-m", "pixm_desktop.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **WIDE})


def pixm_env(**extra: str) -> dict[str, str]:
    """Environment for a ``pixm`` child process that imports the code under test (run it with ``cwd`` outside
    the source tree: ``python -m`` puts the working folder first on the path)."""
    return {**os.environ, **WIDE, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            **extra}


class Gated:
    """A ``pixm`` process held at the first call of ``spec`` until :meth:`release`."""

    def __init__(self, tmp: Path, spec: str, *args: object, name: str = "gated"):
        self.marker, self.go = tmp / f"{name}.at-gate", tmp / f"{name}.go"
        self.log = tmp / f"{name}.log"
        launcher = tmp / "pixm_gated.py"
        launcher.write_text(LAUNCHER)
        env = pixm_env(PIXM_GATE=f"{spec}|{self.marker}|{self.go}")
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen([sys.executable, str(launcher), *map(str, args)], stdout=fh,
                                         stderr=subprocess.STDOUT, env=env, cwd=tmp)

    def wait_at_gate(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            assert self.proc.poll() is None, f"ended before the gate:\n{self.output}"
            assert time.monotonic() < deadline, f"never reached the gate:\n{self.output}"
            time.sleep(0.01)

    def release(self) -> None:
        self.go.touch()

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")
