"""Serving the review portal (issue 18): uvicorn on a socket this module binds, in a thread (the window) or in
the foreground (``pixm portal serve``), over HTTP or TLS.

The web app is a presentation layer beside the window and the CLI (``pixm_desktop.portal``); services never
import it, so it is loaded here by module name (:data:`APP_MODULE`) when a server starts, and the layers stay
one-way."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from pixm_desktop.core.errors import UsageError

APP_MODULE = "pixm_desktop.portal.app"
DEFAULT_PORT = 8686


@dataclass(frozen=True)
class PortalOptions:
    """Where to serve: the catalog file (or ``central``, the central catalog's URL, with ``media_maps`` to
    reach carts' proxies: ``services.review.central``), host and port (0: any free port), TLS certificate and
    key (PEM; both or neither), and how many failed attempts an address may make a minute before it is
    refused (429)."""

    catalog: Path | None
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_failures: int = 10
    central: str | None = None
    media_maps: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise UsageError("TLS needs both --tls-cert and --tls-key")
        for p in (self.tls_cert, self.tls_key):
            if p is not None and not Path(p).is_file():
                raise UsageError(f"no such file: {p}")


def lan_address() -> str:
    """This machine's address on the network it routes through (no packet is sent), else ``127.0.0.1``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class PortalServer:
    """One portal server. :meth:`start` serves in a thread and returns the base URL; :meth:`stop` ends it;
    :meth:`run` serves in the calling thread until interrupted. Raises :class:`UsageError` when the address
    cannot be bound (in use, not this machine's)."""

    def __init__(self, options: PortalOptions):
        self.options = options
        self._sock = self._bind()
        try:
            self._app = app = importlib.import_module(APP_MODULE).create_app(
                options.catalog, secure=options.tls_cert is not None, max_failures=options.max_failures,
                central_url=options.central, media_maps=options.media_maps)
        except BaseException:
            self._sock.close()
            raise
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                ssl_certfile=str(options.tls_cert) if options.tls_cert else None,
                                ssl_keyfile=str(options.tls_key) if options.tls_key else None)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.options.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.options.host, self.options.port))
        except OSError as exc:
            sock.close()
            raise UsageError(f"cannot serve on {self.options.host}:{self.options.port}: {exc.strerror}",
                             hint="choose another --port, or --host 127.0.0.1") from None
        sock.listen(128)
        return sock

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        """The base URL people open: the LAN address when serving on every interface."""
        host = self.options.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self.options.tls_cert else "http"
        return f"{scheme}://{host}:{self.port}"

    def run(self) -> None:
        """Serve until stopped (in the foreground: until Ctrl+C or SIGTERM, then the app is closed)."""
        try:
            self._server.run(sockets=[self._sock])
        finally:
            if self._thread is None:
                self._app.state.close()

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self.run, name="pixm-portal", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._server.started:
            self.stop()
            raise UsageError("the portal did not start (see the log)")
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._sock.close()
        self._app.state.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._server.started
