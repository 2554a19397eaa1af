"""``pixm portal serve|invite|revoke|viewers|log|export-comments``: the review portal on the set's network
(issue 18, ``docs/portal.md``).

``serve`` runs the web app in the foreground (Ctrl+C stops it). ``invite NAME --role R [--days N]`` prints the
viewer's link (the token is shown once; the catalog keeps its hash). ``revoke NAME`` refuses the link and ends
the viewer's open sessions at once. ``export-comments --day D -o FILE`` writes the day's comments as markers
(``.edl`` locators, ``.xml`` FCP 7, ``.txt`` Avid marker list, ``.otio``).

Every command takes ``--central URL`` instead of a cart's catalog: the portal then serves the whole show from
the central PostgreSQL catalog (its viewers, sessions and access log live there; ``serve --media-map CART FROM
TO`` reaches a cart's proxies on a shared volume).

Exit codes: 0 done · 2 usage (unknown role or viewer, no comments, address in use) · 8 catalog · 15 central
catalog unreachable or not at this PIXM's schema."""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._catalog import catalog_path, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, escape, out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.services.context import current_user
from pixm_desktop.services.review import access, export
from pixm_desktop.services.review.roles import Role
from pixm_desktop.services.review.server import DEFAULT_PORT, PortalOptions, PortalServer, lan_address


def register(sub) -> None:
    p = sub.add_parser("portal", help=command_help("portal"))
    cmds = p.add_subparsers(dest="portal_command", required=True, metavar="COMMAND")
    s = cmds.add_parser("serve", help="serve the review portal (Ctrl+C stops it)")
    s.add_argument("--host", default="0.0.0.0", help="address to listen on (default every interface)")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    s.add_argument("--tls-cert", type=Path, metavar="PEM", help="serve HTTPS with this certificate")
    s.add_argument("--tls-key", type=Path, metavar="PEM", help="and this private key")
    s.add_argument("--media-map", nargs=3, action="append", default=[], metavar=("CART", "FROM", "TO"),
                   help="with --central: cart CART's folder FROM (as it recorded its proxies) is reachable on this "
                        "server at TO (a shared dailies volume); repeatable")
    _catalog_args(s)
    s.set_defaults(func=cmd_serve)
    i = cmds.add_parser("invite", help="print a review link for a viewer (a new token each time)")
    i.add_argument("name", help="the viewer's name (shown on the player's watermark and on every decision)")
    i.add_argument("--role", required=True, choices=[r.value for r in Role],
                   help="what the viewer may do: director, dop, script (circle, rate, select, comment), "
                        "producer, editor (comment); all view and read the report")
    i.add_argument("--days", type=int, default=access.DEFAULT_DAYS, help="the link works this many days (7)")
    i.add_argument("--url", help=f"the portal's base URL (default http://<this machine>:{DEFAULT_PORT})")
    _catalog_args(i)
    i.set_defaults(func=cmd_invite)
    r = cmds.add_parser("revoke", help="refuse a viewer's link and end their open sessions now")
    r.add_argument("name", help="the viewer's name as invited")
    _catalog_args(r)
    r.set_defaults(func=cmd_revoke)
    v = cmds.add_parser("viewers", help="the invited viewers, their roles and links' state")
    _catalog_args(v)
    v.set_defaults(func=cmd_viewers)
    lg = cmds.add_parser("log", help="the access log (newest first)")
    lg.add_argument("--viewer", metavar="NAME", help="only this viewer's requests")
    lg.add_argument("--limit", type=int, default=50, help="lines shown (50)")
    _catalog_args(lg)
    lg.set_defaults(func=cmd_log)
    e = cmds.add_parser("export-comments", help="the comments of a day as markers for editorial")
    e.add_argument("--day", type=day_arg, required=True, metavar="YYYY-MM-DD", help="the shoot day")
    e.add_argument("-o", "--output", type=Path, required=True,
                   help=".edl (locators), .xml (FCP 7 markers), .txt (Avid marker list) or .otio")
    _catalog_args(e)
    e.set_defaults(func=cmd_export)


def _catalog_args(p) -> None:
    reader_catalog_arg(p)
    p.add_argument("--central", dest="central_url", metavar="URL",
                   help="the show's central PostgreSQL catalog instead of this cart's (docs/portal.md)")


def _open(args):
    """The catalog a portal command works on: the central one (writable: viewers, sessions, decisions) or the
    cart's."""
    if args.central_url:
        from pixm_desktop.services.sync.central import open_writer  # psycopg: only when asked for

        return open_writer(args.central_url)
    return open_existing(args.catalog, create=getattr(args, "create", False))


def cmd_serve(args) -> int:
    if args.media_map and not args.central_url:
        raise UsageError("--media-map needs --central (a cart's portal serves its own paths)")
    from pixm_desktop.services.review import central

    _open(args).close()
    server = PortalServer(PortalOptions(None if args.central_url else catalog_path(args.catalog), args.host,
                                        args.port, args.tls_cert, args.tls_key, central=args.central_url,
                                        media_maps=central.media_maps(args.media_map)))
    console.print(f"PIXM review portal on {server.url} (Ctrl+C stops it)")
    server.run()
    return 0


def cmd_invite(args) -> int:
    catalog = _open(args)
    try:
        inv = access.invite(catalog, args.name, args.role, args.days, created_by=current_user())
    finally:
        catalog.close()
    base = args.url or f"http://{lan_address()}:{DEFAULT_PORT}"
    out.print(inv.link(base))
    console.print(f"{escape(inv.name)} ({inv.role}) until {inv.expires_at:%Y-%m-%d %H:%M} UTC; "
                  "the link is shown once: send it, do not keep it")
    return 0


def cmd_revoke(args) -> int:
    catalog = _open(args)
    try:
        ended = access.revoke(catalog, args.name)
    finally:
        catalog.close()
    out.print(f"revoked {escape(args.name)}; {ended} open session(s) ended")
    return 0


def cmd_viewers(args) -> int:
    catalog = _open(args)
    try:
        rows = access.viewers(catalog)
    finally:
        catalog.close()
    for v in rows:
        state = f"revoked {v.revoked_at:%Y-%m-%d %H:%M}" if v.revoked_at else f"until {v.expires_at:%Y-%m-%d %H:%M}"
        out.print(f"{escape(v.name)}  {v.role}  {state}")
    return 0


def cmd_log(args) -> int:
    catalog = _open(args)
    try:
        lines = access.access_log(catalog, args.viewer, args.limit)
    finally:
        catalog.close()
    for a in lines:
        out.print(f"{a.at:%Y-%m-%d %H:%M:%S}  {escape(a.viewer or '-')}  {a.address}  {a.method} "
                  f"{escape(a.path)}  {a.status}")
    return 0


def cmd_export(args) -> int:
    catalog = _open(args)
    try:
        result = export.export_comments(catalog, args.day, args.output)
    finally:
        catalog.close()
    out.print(f"{result.markers} marker(s) on {result.clips} clip(s) → {escape(str(result.path))} ({result.format})")
    return 0
