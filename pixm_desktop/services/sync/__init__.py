"""Sync every cart's catalog with a central PostgreSQL catalog (issue 17; rules in docs/sync.md).

- :mod:`.url`: central URLs — passwords stripped from anything shown or stored, libpq finds them
  (``PGPASSFILE``, ``~/.pgpass``, a service file) or the URL gives one for this run only.
- :mod:`.central`: ``pixm central init|upgrade`` (the catalog's own Alembic migrations on PostgreSQL) and the
  central catalog opened read-only for ``pixm --central URL where|clips``.
- :mod:`.engine`: one sync (push the outbox in batches, push and pull both-ways fields) and the watch loop.
- :mod:`.status`: what the window's indicator and ``pixm sync --status|--conflicts`` show.
- :mod:`.show`: the whole show read from the central catalog (every cart's cards and their verdict).
"""

from pixm_desktop.services.sync.engine import SyncResult, sync_once, watch
from pixm_desktop.services.sync.show import ShowCard, show_cards
from pixm_desktop.services.sync.status import SyncStatus, list_conflicts, set_central, sync_status
from pixm_desktop.services.sync.url import display_url

__all__ = ["ShowCard", "SyncResult", "SyncStatus", "display_url", "list_conflicts", "set_central", "show_cards",
           "sync_once", "sync_status", "watch"]
