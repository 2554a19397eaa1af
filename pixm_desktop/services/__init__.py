"""Use cases (offload, verify, catalog queries) that own sessions; the only API the CLI and GUI call."""
