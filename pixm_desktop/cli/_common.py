"""Shared pieces of the ``pixm`` commands: consoles and common arguments."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pixm_desktop.store.db import default_catalog_path

__all__ = ["catalog_arg", "console", "day_arg", "escape", "out"]

console = Console(stderr=True, highlight=False)  # progress, warnings, errors
out = Console(highlight=False, soft_wrap=True)  # results


def catalog_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help=f"catalog SQLite file (default $PIXM_CATALOG or {default_catalog_path()})",
    )


def day_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
