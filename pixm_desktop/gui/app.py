"""``pixm-desktop``: start the cart window on the catalog (``--catalog``, ``$PIXM_CATALOG`` or the default).

This module stays light to import: Qt, the window and the catalog are imported inside :func:`main` and
:func:`smoke_test`. Jobs run in spawned child processes (``services.jobs.supervisor``), and a spawned child
runs the parent's main module again (``multiprocessing``'s ``__mp_main__``) — for ``pixm-desktop`` the console
script, whose one import is this module. Importing Qt and every page there cost each offload child ~2 s of
start-up and ~140 MB of memory (``benchmarks/window_offload.py``).
"""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing
import sys
from pathlib import Path

from pixm_desktop import APP_NAME, __version__

__all__ = ["main", "settle_interpreter", "smoke_test"]  # CartWindow too, on first use (__getattr__)


def __getattr__(name: str):
    """``app.CartWindow`` (and ``PAGE_KEYS``) for callers that took them from here: imported on first use."""
    if name in ("CartWindow", "PAGE_KEYS"):
        from pixm_desktop.gui import window

        return getattr(window, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _args(argv: list[str]) -> argparse.Namespace:
    from pixm_desktop.services.settings import default_catalog_path

    p = argparse.ArgumentParser(prog="pixm-desktop", description=f"{APP_NAME} {__version__}: the cart window")
    p.add_argument("--catalog", type=Path, default=None,
                   help=f"catalog SQLite file (default $PIXM_CATALOG or {default_catalog_path()})")
    p.add_argument("--light", action="store_true", help="use the platform's own colours instead of the dark theme")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the log's lines to standard error")
    p.add_argument("--smoke-test", action="store_true",
                   help="check every part of this installation (the checks of `pixm --smoke-test`, then this "
                        "window opened offscreen and closed) and exit 0, or name what failed")
    args, _qt = p.parse_known_args(argv[1:])  # Qt's own options (-platform …) pass through
    return args


def settle_interpreter() -> None:
    """Once the window is built: move every object alive now (modules, Qt wrappers, SQLAlchemy metadata) out
    of the garbage collector's reach. A full collection then walks only what was created since, so it cannot
    hold the interpreter for long while the GUI waits (measured: 60–120 ms stalls without this)."""
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # jobs run in child processes (services.jobs.supervisor), also when frozen
    argv = list(sys.argv if argv is None else argv)
    args = _args(argv)
    if args.smoke_test:
        return smoke_test(argv)
    from PySide6.QtWidgets import QApplication, QMessageBox

    from pixm_desktop.core import logs
    from pixm_desktop.core.errors import PixmError
    from pixm_desktop.gui.collector import GuiThreadCollector
    from pixm_desktop.gui.settings_store import APP, ORG
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.settings import open_catalog

    log_file = logs.configure(verbose=args.verbose)
    logging.getLogger(__name__).info("pixm-desktop %s started (log %s)", __version__, log_file)
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationVersion(__version__)
    if not args.light:
        apply_dark_theme(app)
    try:
        catalog = open_catalog(args.catalog)
    except PixmError as exc:
        logs.log_error(logging.getLogger(__name__), exc, "opening the catalog")
        QMessageBox.critical(None, APP_NAME, f"The catalog could not be opened.\n\n{exc}\n\nLog: {log_file}")
        return exc.exit_code
    window = CartWindow(catalog)
    window.show()
    settle_interpreter()
    collector = GuiThreadCollector(app)
    collector.install()
    try:
        return app.exec()
    finally:
        window.shutdown()
        window.deleteLater()  # the window's widgets go with it when main() is called again in one process
        collector.uninstall()
        catalog.close()


def smoke_test(argv: list[str]) -> int:
    """The self-check of :mod:`services.selfcheck` plus the window: built on a fresh catalog, shown offscreen
    (unless a platform was asked for), its pages visited, closed. Prints one line per check."""
    import os

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.core import logs
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import PAGE_KEYS, CartWindow
    from pixm_desktop.services import selfcheck
    from pixm_desktop.services.settings import open_catalog

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logs.configure(verbose=False)
    app = QApplication.instance() or QApplication(argv)
    apply_dark_theme(app)

    def window(folder: Path) -> str:
        catalog = open_catalog(folder / "window.sqlite")
        # its own settings file: a self-check never changes the DIT's settings or window layout
        win = CartWindow(catalog, QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat))
        try:
            win.show()
            app.processEvents()
            for key in PAGE_KEYS:  # every page built and shown once (the Reports page loads Qt's PDF module)
                win.show_page(key)
                app.processEvents()
            return f"window shown on {app.platformName()}, {len(PAGE_KEYS)} pages visited"
        finally:
            win.shutdown()
            win.close()
            win.deleteLater()
            catalog.close()

    results = selfcheck.run_checks(extra=(("window", window),))
    return selfcheck.print_checks(results, lambda line: print(line, flush=True))


if __name__ == "__main__":
    sys.exit(main())
