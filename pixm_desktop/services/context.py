"""Who and where: the creator info written into manifests and jobs, and which catalog is opened."""

from __future__ import annotations

import getpass
import os
import socket

import psutil

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.mhl import CreatorInfo
from pixm_desktop.store.db import (  # re-exported: the CLI and the window open the catalog through services
    ENV_VAR,
    Catalog,
    catalog_error,
    default_catalog_path,
    is_catalog_error,
    open_catalog,
)

__all__ = ["ENV_VAR", "Catalog", "catalog_error", "creator", "current_user", "default_catalog_path",
           "hostname", "is_catalog_error", "open_catalog", "pid_alive"]


def hostname() -> str:
    return socket.gethostname()


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers/services
        return ""


def creator(author: str | None = None, email: str | None = None, location: str | None = None,
            comment: str | None = None) -> CreatorInfo:
    """ASC MHL creator info for this cart: tool, version, host, author (``$PIXM_AUTHOR`` or the login name)."""
    return CreatorInfo(tool_name=TOOL_NAME, tool_version=__version__, hostname=hostname(),
                       author_name=author or os.environ.get("PIXM_AUTHOR") or current_user() or None,
                       author_email=email or os.environ.get("PIXM_AUTHOR_EMAIL") or None,
                       author_role="DIT", location=location, comment=comment)


def pid_alive(pid: int) -> bool:
    return psutil.pid_exists(pid)
