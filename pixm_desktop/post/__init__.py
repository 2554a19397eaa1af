"""Post: turnovers, VFX pulls, DI delivery, archive manifests."""
