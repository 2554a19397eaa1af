"""What the catalog says, read the way a user reads it (``pixm catalog … --json``) or through the status
service (formerly in test_offload_e2e and test_trust_card)."""

from __future__ import annotations

import json
from pathlib import Path

from pixm_desktop.services import status
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Job
from support.cli import cli


def catalog_json(catalog: Path, what: str, *extra: str) -> list[dict]:
    r = cli("catalog", what, "--json", "--catalog", catalog, *extra)
    assert r.code == 0, r.text
    return json.loads(r.out)


def copy_states(catalog: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """``{(file, destination card folder): (state, reason)}`` from ``pixm catalog files --json``."""
    return {(f["path"], c["destination"]): (c["state"], c["reason"])
            for f in catalog_json(catalog, "files") for c in f["copies"]}


def verdict(catalog: Path, label: str):
    """The card's verdict when every destination folder counts as a copy (the rule's only relaxation)."""
    cat = open_catalog(catalog)
    try:
        (card,) = [c for c in status.card_statuses(cat, distinct_drives=False) if c.label == label]
        return card.verdict
    finally:
        cat.close()


def job_row(catalog_path: Path, job_id: int) -> Job:
    """The ``jobs`` row ``job_id`` as stored, detached from its session (read in a catalog of its own)."""
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            job = s.get(Job, job_id)
            s.expunge(job)
            return job
    finally:
        catalog.close()
