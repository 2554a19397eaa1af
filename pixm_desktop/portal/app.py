"""The review portal's ASGI app (FastAPI on Starlette; Jinja2 templates). Served by
``services.review.server.PortalServer`` (``pixm portal serve`` or the window's Portal page).

Every request but the invite link ``/r/<token>`` passes :class:`Gate`: a session cookie of a viewer not
revoked or expired, or 403 (and the failure counts against the address: too many and it gets 429). Writes need
the session's CSRF token in ``X-CSRF-Token`` and, when the browser sends one, an ``Origin`` of this server.
Media are found by catalog ID and need the URL's key, made for that ID in that session. Pages, writes and
media opens go to the access log.

Served from the central catalog (``central=URL``) the same pages show the whole show: the carts holding each
card, thumbnails carried there by the sync, proxies reachable from this server (``services.review.central``)."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from pixm_desktop.core.errors import ReviewNotAllowedError, UsageError
from pixm_desktop.services import reports
from pixm_desktop.services.context import open_catalog
from pixm_desktop.services.review import access, central, content, decisions
from pixm_desktop.services.review.access import Viewer
from pixm_desktop.services.review.roles import Action

HERE = Path(__file__).parent
COOKIE = "pixm_review"
#: The only files /static/ serves (name → file and type): no path from a request reaches the filesystem.
STATIC = {"portal.css": ("portal.css", "text/css"), "player.js": ("player.js", "text/javascript")}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
REFUSED = ("<!doctype html><meta name=viewport content='width=device-width'><title>PIXM review</title>"
           "<body style='font:16px system-ui;background:#111;color:#ddd;padding:2em'><h1 id=refused>{title}</h1>"
           "<p>{text}</p>")


def _address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


def _cookie(scope) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(v.decode("latin-1"))
            except Exception:
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _header(scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name), None)


async def _plain(send, status: int, title: str, text: str) -> None:
    body = REFUSED.format(title=title, text=text).encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")] + [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _logged(scope) -> bool:
    """Pages, writes and media opens are logged; static files and a player's later range reads are not."""
    path = scope["path"]
    if path.startswith("/static/"):
        return False
    if path.startswith("/media/"):
        rng = _header(scope, b"range")
        return rng is None or rng.replace(" ", "").startswith("bytes=0-")
    return True


class Gate:
    """Pure ASGI middleware: the session check, the failure limit, the security headers and the access log."""

    def __init__(self, app, catalog, limiter: access.FailureLimiter):
        self.app, self.catalog, self.limiter = app, catalog, limiter

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        address, path, method = _address(scope), scope["path"], scope["method"]
        if self.limiter.blocked(address):
            return await _plain(send, 429, "Too many failed attempts", "Wait a minute, then open your link again.")
        viewer = None
        if not path.startswith("/r/"):
            sid = _cookie(scope)
            viewer = await anyio.to_thread.run_sync(access.authenticate, self.catalog, sid)
            if viewer is None:
                if sid is not None:  # a session id that opens nothing is an attempt; no cookie is not
                    self.limiter.failed(address)
                await anyio.to_thread.run_sync(access.log, self.catalog, None, address, method, path, 403)
                return await _plain(send, 403, "A review link is needed",
                                    "Open the link you were sent (it may have expired or been revoked).")
            scope.setdefault("state", {}).update(viewer=viewer, sid=sid)
        status = {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    (k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
            await send(message)

        await self.app(scope, receive, sending)
        if viewer is not None and _logged(scope):
            await anyio.to_thread.run_sync(access.log, self.catalog, viewer.viewer_id, address, method, path,
                                           status["code"])


def create_app(catalog_path=None, *, secure: bool = False, max_failures: int = 10, central_url: str | None = None,
               media_maps: list[central.MediaMap] | None = None) -> FastAPI:
    """The portal app on the catalog at ``catalog_path``, or on the central catalog at ``central_url`` with
    proxies found through ``media_maps`` (opened here, kept open until ``app.state.close()``); ``secure``:
    cookies only over HTTPS; ``max_failures``: failed attempts an address may make a minute. Raises
    ``CentralError`` when the central catalog cannot be opened."""
    if central_url:
        from pixm_desktop.services.sync.central import open_writer

        catalog, media = open_writer(central_url), central.CentralMedia(media_maps)
    else:
        catalog, media = open_catalog(catalog_path), content.CART
    limiter = access.FailureLimiter(max_failures)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.catalog = catalog
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    reports_dir = Path(tempfile.mkdtemp(prefix="pixm-portal-reports-"))

    def viewer_of(request: Request) -> Viewer:
        return request.state.viewer

    def page(request: Request, name: str, **ctx) -> HTMLResponse:
        v, sid = viewer_of(request), request.state.sid
        ctx.update(viewer=v, csrf=access.csrf_token(sid), may_circle=v.may(Action.CIRCLE),
                   may_comment=v.may(Action.COMMENT), may_report=v.may(Action.REPORT))
        response = templates.TemplateResponse(request, name, ctx)
        response.headers["Cache-Control"] = "no-store"
        return response

    def key(request: Request, kind: str, object_id: int) -> str:
        return access.media_key(request.state.sid, kind, object_id)

    def need(request: Request, action: Action) -> Viewer:
        v = viewer_of(request)
        if not v.may(action):
            raise HTTPException(403, f"a {v.role} may not {action.value}")
        return v

    @app.get("/r/{token}")
    def sign_in(token: str, request: Request):
        address = _address(request.scope)
        found = access.sign_in(catalog, token, address, request.headers.get("user-agent", ""))
        if found is None:
            limiter.failed(address)
            access.log(catalog, None, address, "GET", "/r/…", 403)
            return HTMLResponse(REFUSED.format(title="This link does not open the review",
                                               text="It may have expired or been revoked: ask the DIT for a new one."),
                                status_code=403, headers={"Cache-Control": "no-store"})
        sid, viewer = found
        access.log(catalog, viewer.viewer_id, address, "GET", "/r/…", 303)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", secure=secure, max_age=30 * 86400)
        return response

    @app.get("/", response_class=HTMLResponse)
    def days(request: Request):
        return page(request, "days.html", days=content.days(catalog))

    @app.get("/day/{day}", response_class=HTMLResponse)
    def day_grid(request: Request, day: str, q: str = "", camera: str = "", circled: str = "", rating: int = 0,
                 selected: str = "", scene: str = ""):
        try:
            tiles = content.day_grid(catalog, day, text=q, camera=camera, scene=scene, min_rating=rating,
                                     circled=True if circled else None, selected=True if selected else None,
                                     media=media)
        except UsageError as exc:
            raise HTTPException(404, exc.message) from None
        thumbs = {t.id: [f"/media/{t.id}/thumb/{n}?k={key(request, f'thumb{n}', t.id)}"
                         for n in range(t.thumbnails)] for t in tiles}
        return page(request, "day.html", day=day, tiles=tiles, thumbs=thumbs,
                    filters=dict(q=q, camera=camera, circled=circled, rating=rating, selected=selected, scene=scene))

    @app.get("/clip/{clip_id}", response_class=HTMLResponse)
    def clip_page(request: Request, clip_id: int):
        try:
            c = content.clip_view(catalog, clip_id, media)
        except UsageError as exc:
            raise HTTPException(404, exc.message) from None
        proxy = f"/media/{c.id}/proxy?k={key(request, 'proxy', c.id)}" if c.proxy else None
        thumbs = [f"/media/{c.id}/thumb/{n}?k={key(request, f'thumb{n}', c.id)}" for n in range(c.thumbnails)]
        player = dict(id=c.id, fps_num=c.fps_num, fps_den=c.fps_den, start_frame=c.start_frame, frames=c.frames,
                      drop_frame=c.drop_frame, proxy=proxy, thumbs=thumbs)
        return page(request, "clip.html", c=c, proxy=proxy, thumbs=thumbs, player=player)

    def _file(path: Path | None, media_type: str) -> FileResponse:
        if path is None:
            raise HTTPException(404, "no such media")
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})

    def _check_key(request: Request, kind: str, clip_id: int, k: str) -> None:
        if not access.check(key(request, kind, clip_id), k):
            limiter.failed(_address(request.scope))
            raise HTTPException(403, "this media link is not for this clip or this session")

    @app.get("/media/{clip_id}/proxy")
    def proxy(request: Request, clip_id: int, k: str = ""):
        _check_key(request, "proxy", clip_id, k)
        return _file(content.proxy_file(catalog, clip_id, media), "video/mp4")

    @app.get("/media/{clip_id}/thumb/{position}")
    def thumbnail(request: Request, clip_id: int, position: int, k: str = ""):
        _check_key(request, f"thumb{position}", clip_id, k)
        found = content.thumbnail_file(catalog, clip_id, position, media)
        if isinstance(found, bytes):  # carried to the central catalog by the sync
            return Response(found, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
        return _file(found, "image/jpeg")

    @app.get("/day/{day}/report.pdf")
    def report(request: Request, day: str):
        need(request, Action.REPORT)
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise HTTPException(404, "no such day") from None
        path = reports_dir / f"daily-{date.isoformat()}-{secrets.token_hex(6)}.pdf"  # one file per request
        try:
            reports.write_daily_report(catalog, date, path)
        except UsageError as exc:
            raise HTTPException(404, exc.message) from None
        return FileResponse(path, media_type="application/pdf", filename=f"daily-report-{date.isoformat()}.pdf",
                            background=BackgroundTask(path.unlink, missing_ok=True))

    async def _body(request: Request) -> dict:
        v = viewer_of(request)
        if not access.check(access.csrf_token(request.state.sid), request.headers.get("x-csrf-token")):
            raise HTTPException(403, "missing or wrong CSRF token")
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(403, "cross-origin write refused")
        try:
            data = await request.json()
        except ValueError:
            raise HTTPException(400, "a JSON body is needed") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "a JSON object is needed")
        data["_viewer"] = v
        return data

    def _write(fn, *args) -> JSONResponse:
        try:
            result = fn(*args)
        except ReviewNotAllowedError as exc:
            raise HTTPException(403, exc.message) from None
        except UsageError as exc:
            raise HTTPException(400, exc.message) from None
        return JSONResponse({"ok": True, "result": result})

    @app.post("/api/clip/{clip_id}/circle")
    async def circle(request: Request, clip_id: int):
        d = await _body(request)
        return await anyio.to_thread.run_sync(_write, decisions.circle, catalog, d["_viewer"], clip_id,
                                              bool(d.get("on", True)))

    @app.post("/api/clip/{clip_id}/select")
    async def select(request: Request, clip_id: int):
        d = await _body(request)
        return await anyio.to_thread.run_sync(_write, decisions.select, catalog, d["_viewer"], clip_id,
                                              bool(d.get("on", True)))

    @app.post("/api/clip/{clip_id}/rating")
    async def rating(request: Request, clip_id: int):
        d = await _body(request)
        try:
            value = int(d.get("rating"))
        except (TypeError, ValueError):
            raise HTTPException(400, "a rating is 0 to 5") from None
        return await anyio.to_thread.run_sync(_write, decisions.rate, catalog, d["_viewer"], clip_id, value)

    @app.post("/api/clip/{clip_id}/comment")
    async def comment(request: Request, clip_id: int):
        d = await _body(request)
        frames = []
        for name in ("frame_in", "frame_out"):
            value = d.get(name)
            if value is not None and not isinstance(value, int):
                raise HTTPException(400, f"{name} is a frame number")
            frames.append(value)
        return await anyio.to_thread.run_sync(_write, decisions.comment, catalog, d["_viewer"], clip_id,
                                              str(d.get("text", "")), *frames)

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        file, media_type = STATIC[name]
        return FileResponse(HERE / "static" / file, media_type=media_type,
                            headers={"Cache-Control": "private, max-age=600"})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"ok": False, "error": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(REFUSED.format(title=str(exc.status_code), text=_escape(str(exc.detail))),
                            status_code=exc.status_code)

    def close() -> None:
        catalog.close()
        shutil.rmtree(reports_dir, ignore_errors=True)

    app.state.close = close
    app.add_middleware(Gate, catalog=catalog, limiter=limiter)
    return app


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["COOKIE", "Gate", "create_app"]
