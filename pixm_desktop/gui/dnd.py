"""Drag and drop of folders: cards travel as ``text/uri-list`` file URLs, from the Sources list or the file
manager alike, so one drop handler serves both."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl


def folder_mime(paths: list[str | Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def local_folders(mime: QMimeData | None) -> list[Path]:
    """The local folders in a drop (files and remote URLs are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    out = []
    for url in mime.urls():
        if url.isLocalFile():
            p = Path(url.toLocalFile())
            if p.is_dir():
                out.append(p)
    return out
