"""Central catalog URLs: ``postgresql://user@host:5432/show`` (libpq's URI form; ``postgresql+psycopg://``
and ``postgres://`` are taken too, ``?host=/socket/dir`` for a unix socket, ``?service=name`` for an entry of
the libpq service file).

No password is ever stored or printed: :func:`display_url` is what the catalog, the settings, the logs and
the messages get. A password is best kept where libpq looks for it (``~/.pgpass`` or ``$PGPASSFILE``, a
service file); one written in the URL given on the command line is used for that run only.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pixm_desktop.core.errors import UsageError

SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}


def _split(url: str):
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise UsageError(f"not a PostgreSQL URL: {display_url(url)!r}",
                         hint="give postgresql://user@host:5432/database (see docs/sync.md)")
    return parts


def display_url(url: str) -> str:
    """``url`` without its password (in the user part or a ``password=`` parameter): safe to show and store."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "(unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = user.split(":", 1)[0] + "@" + host
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("password="))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def conninfo(url: str) -> tuple[str, str | None]:
    """``(libpq URI without password, password or None)`` for ``psycopg.connect``; raises :class:`UsageError`
    for a URL that is not PostgreSQL's."""
    parts = _split(url)
    password = parts.password or dict(parse_qsl(parts.query)).get("password")
    clean = display_url(url)
    return "postgresql" + clean[len(parts.scheme):], password
