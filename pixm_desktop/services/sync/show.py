"""The whole show from the central catalog, read-only (issue 17 item 4): every card of every cart with THE
verdict (``core.verdict.card_verdict`` under the default rule, over every cart's copies of it) and the carts
that offloaded it. The window's "Show" view and ``pixm --central URL catalog cards`` read the same rows."""

from __future__ import annotations

from dataclasses import dataclass

from pixm_desktop.core.verdict import CardVerdict
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import status
from pixm_desktop.services.sync import central


@dataclass(frozen=True, slots=True)
class ShowCard:
    """One card of the show: ``files`` (count) and ``size`` (bytes) as catalogued, ``carts`` the names of the
    carts holding copies of it (sorted), ``verdict`` ``None`` only for a card without destinations."""

    card_id: int
    label: str
    camera: str | None
    project: str | None
    day: str | None  # ISO date of the shoot day
    files: int
    size: int
    carts: tuple[str, ...]
    verdict: CardVerdict | None


def show_cards(url: str) -> list[ShowCard]:
    """Every card in the central catalog at ``url``, by shoot day then label.

    Raises :class:`~pixm_desktop.core.errors.CentralError` when the server cannot be reached or its schema
    is missing or of another version."""
    carts = _carts_by_card(url)
    catalog = central.open_reader(url)
    try:
        rows = catalog_views.cards(catalog)
        verdicts = status.card_verdicts(catalog, [r["id"] for r in rows])
    finally:
        catalog.close()
    cards = [ShowCard(r["id"], r["label"], r["camera"], r["project"], r["day"], r["files"] or 0, r["bytes"] or 0,
                      carts.get(r["id"], ()), verdicts.get(r["id"])) for r in rows]
    return sorted(cards, key=lambda c: (c.day or "", c.label))


def _carts_by_card(url: str) -> dict[int, tuple[str, ...]]:
    with central.connect(url) as conn:
        return carts_by_card(conn)


def carts_by_card(conn) -> dict[int, tuple[str, ...]]:
    """``{central card id: names of the carts holding copies of it (sorted)}`` on an open psycopg connection
    to the central catalog (also the review portal's "on cart …")."""
    rows = conn.execute("SELECT DISTINCT d.card_id, k.name FROM destinations d "
                        "JOIN central_carts k ON k.uuid = d.sync_cart").fetchall()
    out: dict[int, list[str]] = {}
    for card_id, name in rows:
        out.setdefault(card_id, []).append(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}
