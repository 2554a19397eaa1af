"""Read-only catalog views for scripts (``pixm catalog … --json``) and the GUI."""

from __future__ import annotations

from pixm_desktop.core.states import job_options
from pixm_desktop.core.timeutil import iso_utc
from pixm_desktop.store import catalog_repo, repo
from pixm_desktop.store.db import Catalog


def cards(catalog: Catalog) -> list[dict]:
    """Every card with its destinations and per-destination state counts."""
    with catalog.session() as s:
        out = []
        for card in repo.list_cards(s):
            counts = repo.state_counts(s, [d.id for d in card.destinations])
            out.append({
                "id": card.id, "label": card.label, "camera": card.camera, "reel": card.reel,
                "files": card.file_count, "bytes": card.total_bytes, "source_path": card.source_path,
                "project": card.shoot_day.project.name if card.shoot_day else None,
                "day": card.shoot_day.day.isoformat() if card.shoot_day else None,
                "quick_fingerprint": card.quick_fingerprint, "content_fingerprint": card.content_fingerprint,
                "created_at": iso_utc(card.created_at),
                "destinations": [{"path": d.path, "volume": d.volume_label, "required": d.required,
                                  "states": counts.get(d.id, {})} for d in card.destinations],
            })
        return out


def jobs(catalog: Catalog, card_id: int | None = None) -> list[dict]:
    with catalog.session() as s:
        return [{
            "id": j.id, "card_id": j.card_id, "card": j.card.label if j.card else None, "kind": j.kind,
            "status": j.status, "algorithms": [a for a in j.algorithms.split(",") if a], "files": j.files_total,
            "bytes": j.bytes_total, "host": j.host, "tool_version": j.tool_version,
            "created_at": iso_utc(j.created_at), "started_at": iso_utc(j.started_at),
            "finished_at": iso_utc(j.finished_at), "error": j.error,
            "options": job_options(j.kind, j.options).to_dict(), "log": j.log, "show_profile": j.show_profile,
            "destinations": [{"path": jd.destination.path, "status": jd.status, "error": jd.error,
                              "mhl_generation": jd.mhl_generation}
                             for jd in sorted(j.job_destinations, key=lambda x: x.position)],
        } for j in repo.list_jobs(s, card_id)]


def files(catalog: Catalog, card_id: int | None = None) -> list[dict]:
    """Every file with its source hashes and its state on each destination."""
    with catalog.session() as s:
        rows, copies, dest_paths = catalog_repo.files_with_copies(s, card_id)
        return [{
            "card_id": r.card_id, "path": r.relpath, "size": r.size, "mtime_ns": r.mtime_ns,
            "hashes": {a.value: v for a, v in r.hashes().items()},
            "copies": [{"destination": dest_paths.get(c.destination_id), "state": c.state, "reason": c.reason,
                        "verified_at": iso_utc(c.verified_at)} for c in copies.get(r.id, [])],
        } for r in rows]


def card_by_label(catalog: Catalog, label: str) -> int | None:
    with catalog.session() as s:
        return catalog_repo.newest_card_labelled(s, label)
