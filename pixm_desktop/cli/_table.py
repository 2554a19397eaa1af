"""Tables that stay readable in a narrow terminal (80 columns and up): no column shrinks to nothing.

Each column has a minimum width (its widest cell when it must not wrap, else a readable floor); when they do not
all fit, the least important columns are left out and named under the table, never squeezed to zero width.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["Column", "print_table"]


@dataclass(frozen=True)
class Column:
    """``title``; ``keep``: higher is kept longer when space runs out (the first column never goes);
    ``wrap``: the cells may fold over several lines (else each is shown whole); ``floor``: the narrowest a
    wrapping column may get, in characters; ``justify``: ``left`` or ``right``."""

    title: str
    keep: int = 5
    wrap: bool = False
    floor: int = 10
    justify: str = "left"


def print_table(console: Console, columns: list[Column], rows: list[tuple[str, ...]]) -> list[str]:
    """Print ``rows`` (plain text, escaped here) under ``columns`` within ``console.width``; returns the titles
    of the columns left out (also named under the table)."""
    shown = list(range(len(columns)))
    mins = [_min_width(c, [r[i] for r in rows]) for i, c in enumerate(columns)]
    while len(shown) > 1 and _width(mins[i] for i in shown) > console.width:
        drop = min(shown[1:], key=lambda i: (columns[i].keep, -i))  # least important, rightmost first
        shown.remove(drop)
    table = Table(show_header=True, header_style="bold")
    for i in shown:
        c = columns[i]
        table.add_column(c.title, justify=c.justify, min_width=mins[i], no_wrap=not c.wrap,
                         overflow="fold")
    for r in rows:
        table.add_row(*(escape(r[i]) for i in shown))
    console.print(table)
    left_out = [columns[i].title for i in range(len(columns)) if i not in shown]
    if left_out:
        console.print(f"(not shown at {console.width} columns: {', '.join(left_out)} — a wider terminal or "
                      "--json shows them)", markup=False, soft_wrap=False)
    return left_out


def _min_width(col: Column, cells: list[str]) -> int:
    widest = max((len(c) for c in cells), default=0)
    words = max((len(w) for c in cells for w in c.split()), default=0)
    need = min(widest, max(col.floor, min(words, 2 * col.floor))) if col.wrap else widest
    return max(len(col.title), need, 1)


def _width(mins) -> int:
    widths = list(mins)
    return sum(widths) + 3 * len(widths) + 1  # one space each side of a cell, one rule between and around
