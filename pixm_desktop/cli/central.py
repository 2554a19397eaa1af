"""``pixm central init URL`` creates the central catalog's schema in an empty PostgreSQL database (the
catalog's own migrations, PostgreSQL types); ``pixm central upgrade URL`` brings an existing one to this
PIXM's schema. Exit codes: 0 done · 15 unreachable, already initialised (init) or newer (upgrade)."""

from __future__ import annotations

from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import escape, out
from pixm_desktop.services.sync import central, display_url


def register(sub) -> None:
    p = sub.add_parser("central", help=command_help("central"))
    actions = p.add_subparsers(dest="action", required=True)
    for name, text in (("init", "create the central schema in an empty database"),
                       ("upgrade", "migrate the central schema to this PIXM's")):
        a = actions.add_parser(name, help=text)
        a.add_argument("url", metavar="URL", help="postgresql://user@host:5432/database (password: ~/.pgpass)")
        a.set_defaults(func=cmd_central)


def cmd_central(args) -> int:
    revision = central.init(args.url) if args.action == "init" else central.upgrade(args.url)
    out.print(f"central catalog {escape(display_url(args.url))}: schema {revision}")
    return 0
