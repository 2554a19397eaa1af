"""Which catalog a ``pixm`` command opens, and what it does when the file is not there.

Commands that record new work (``offload``, ``demo``) create the catalog they are given. Commands that read or
edit what is recorded (``catalog``, ``clips``, ``log``, ``ingest``, ``report``, ``export``) refuse a missing file
with exit 8, naming the path, unless ``--create`` is given: a mistyped ``--catalog`` must never look like an
empty catalog. ``verify`` checks the folder against its ASC MHL history alone then, and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from pixm_desktop.cli._common import catalog_arg
from pixm_desktop.core.errors import CatalogError, UsageError
from pixm_desktop.services.context import ENV_VAR, Catalog, default_catalog_path, open_catalog

__all__ = ["catalog_name", "catalog_path", "naming", "open_existing", "reader_catalog_arg"]


def reader_catalog_arg(p: argparse.ArgumentParser) -> None:
    """``--catalog PATH`` and ``--create`` for a command that reads the catalog."""
    catalog_arg(p)
    p.add_argument("--create", action="store_true",
                   help="create the catalog when the file does not exist (default: a missing file is an error)")


def catalog_path(path: Path | None) -> Path:
    """The catalog file a command uses: ``--catalog``, else ``$PIXM_CATALOG``, else the per-user default."""
    return Path(path) if path is not None else default_catalog_path()


def catalog_name(catalog: Catalog | Path | None) -> str:
    """``catalog /path/to/catalog.sqlite`` for messages ("no card labelled … in catalog …")."""
    path = catalog if isinstance(catalog, Path) or catalog is None else catalog.path
    return f"catalog {path}" if path is not None else "the catalog"


#: ``pixm --central URL``: the commands that may read the central catalog instead (read-only), and its URL.
CENTRAL_READERS = frozenset({"where", "clips", "catalog"})
_central_url: str | None = None


@contextlib.contextmanager
def reading_central(url: str, command: str) -> Iterator[None]:
    """Within: :func:`open_existing` opens the central catalog at ``url`` read-only (``pixm --central URL …``).
    :class:`UsageError` for a command that writes or is not about the catalog."""
    global _central_url
    if command not in CENTRAL_READERS:
        raise UsageError(f"--central works with {', '.join(sorted(CENTRAL_READERS))}, not {command}",
                         hint="the central catalog is written only by `pixm sync`")
    _central_url = url
    try:
        yield
    finally:
        _central_url = None


def open_existing(path: Path | None, *, create: bool = False) -> Catalog:
    """Open the catalog at ``path`` (see :func:`catalog_path`), or the central one after :func:`read_central`.
    Raises :class:`CatalogError` (exit 8) naming the file when it does not exist and ``create`` is false;
    otherwise as ``store.db.open_catalog``."""
    if _central_url is not None:
        from pixm_desktop.services.sync.central import open_reader

        return open_reader(_central_url)
    db_path = catalog_path(path)
    if not create and not db_path.exists():
        source = "--catalog" if path is not None else f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "default"
        raise CatalogError(
            f"no catalog at {db_path} ({source})",
            hint="check the path (`pixm offload` or `pixm demo` create a catalog; see --catalog and "
                 f"${ENV_VAR}), or add --create to start an empty one there",
        )
    return open_catalog(db_path)



@contextlib.contextmanager
def naming(catalog: Catalog) -> Iterator[None]:
    """Within: a :class:`UsageError` from a service ("no card labelled … in the catalog") names the catalog
    file it read, so a look-up in the wrong catalog shows which one it was."""
    try:
        yield
    except UsageError as exc:
        name = catalog_name(catalog)
        if name in exc.message:
            raise
        message = (exc.message.replace("in the catalog", f"in {name}") if "in the catalog" in exc.message
                   else f"{exc.message} (in {name})")
        raise UsageError(message, hint=exc.hint, path=exc.path) from exc
