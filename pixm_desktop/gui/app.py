"""``pixm-desktop``: the cart window.

For now the window lists the catalog's cards with their destinations and copy states, read through the same
services the CLI uses; the full cart window (sources, queue, verification view) is built on this entry point.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

from pixm_desktop import APP_NAME, __version__
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.store.db import Catalog, open_catalog

COLUMNS = ("Card", "Camera", "Reel", "Day", "Files", "GB", "Destinations")


class CatalogWindow(QMainWindow):
    """Main window showing the catalog's cards (one row per card)."""

    def __init__(self, catalog: Catalog):
        super().__init__()
        self.catalog = catalog
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.setCentralWidget(self.table)
        self.resize(1100, 600)
        self.refresh()

    def refresh(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        for card in catalog_views.cards(self.catalog):
            dests = "; ".join(f"{d['path']} ({_states(d['states'])})" for d in card["destinations"])
            values = (card["label"], card["camera"], card["reel"], card["day"] or "", card["files"],
                      f"{card['bytes'] / 1e9:.2f}", dests)
            items = []
            for v in values:
                item = QStandardItem()
                item.setData(v, Qt.ItemDataRole.DisplayRole)
                item.setEditable(False)
                items.append(item)
            self.model.appendRow(items)
        self.table.resizeColumnsToContents()


def _states(states: dict[str, int]) -> str:
    return ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no files"


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    catalog = open_catalog()
    window = CatalogWindow(catalog)
    window.show()
    try:
        return app.exec()
    finally:
        catalog.close()


if __name__ == "__main__":
    sys.exit(main())
