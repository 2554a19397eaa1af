"""Catalog queries of the read-only views for scripts (``services.catalog``, ``pixm catalog … --json``).

Functions take an open ``Session`` and never commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pixm_desktop.store.models import Card, Copy, Destination, File


def files_with_copies(session: Session, card_id: int | None = None
                      ) -> tuple[list[File], dict[int, list[Copy]], dict[int, str]]:
    """``(files, {file id: its copy rows}, {destination id: card folder path})`` of one card (every card when
    ``card_id`` is ``None``); files by card, then name (raw bytes)."""
    q = select(File).order_by(File.card_id, File.relpath_raw)
    if card_id is not None:
        q = q.where(File.card_id == card_id)
    files = list(session.scalars(q))
    copies: dict[int, list[Copy]] = {}
    for c in session.scalars(select(Copy).where(Copy.file_id.in_([f.id for f in files]))):
        copies.setdefault(c.file_id, []).append(c)
    paths = {d.id: d.path for d in session.scalars(select(Destination))}
    return files, copies, paths


def newest_card_labelled(session: Session, label: str) -> int | None:
    """The id of the newest card with this label, else ``None``."""
    return session.scalar(select(Card.id).where(Card.label == label).order_by(Card.id.desc()).limit(1))


__all__ = ["files_with_copies", "newest_card_labelled"]
