"""What this machine allows (moved from conftest)."""

from __future__ import annotations

import os


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
