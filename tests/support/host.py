"""What this machine allows (formerly in conftest)."""

from __future__ import annotations

import os


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
