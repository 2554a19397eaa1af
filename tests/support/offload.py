"""The offload every CLI and service test runs: project, day, ``pixm offload`` arguments, the request, where
the default template puts a card (formerly in test_offload_e2e)."""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.services.offload import OffloadRequest

PROJECT, DAY = "Feature", "2026-11-23"


def offload_args(source: Path, dests: list[Path], catalog: Path, *extra: str) -> list[object]:
    args: list[object] = ["offload", source]
    for d in dests:
        args += ["--dest", d]
    return [*args, "--catalog", catalog, "--project", PROJECT, "--day", DAY, "--quiet", *extra]


def request(source: Path, dests: list[Path], **kw) -> OffloadRequest:
    import datetime as dt

    return OffloadRequest(source=source, destinations=list(dests), project=PROJECT,
                          day=dt.date.fromisoformat(DAY), **kw)


def dest_card(dest_root: Path, camera: str, label: str) -> Path:
    """Where the default template ``{project}/{day}/{camera}/{card}`` puts a card."""
    return dest_root / PROJECT / DAY / camera.upper() / label
