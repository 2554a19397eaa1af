"""Access to the review portal (issue 18): invites with a random token stored only as its SHA-256, expiry,
revocation that ends open sessions at once, browser sessions, CSRF tokens, per-ID media keys, a limit on
failed attempts and the access log.

Tokens and session ids are 256-bit ``secrets.token_urlsafe`` values. The link carries the invite token once;
the browser then holds a session id in an HttpOnly cookie, and the catalog holds only hashes of both. The CSRF
token of a session and the key of a media URL are HMAC-SHA-256 of the session id (RFC 2104), so a page's
links work only in the session they were made for, and a key made for one clip opens no other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from pixm_desktop.core.errors import UsageError
from pixm_desktop.services.review.roles import Action, Role, may
from pixm_desktop.store import review_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import ReviewSession, ReviewViewer, utcnow

DEFAULT_DAYS = 7
SEEN_EVERY = dt.timedelta(seconds=30)  # last_seen is written at most this often per session
CONNECTED_WITHIN = dt.timedelta(minutes=5)  # "connected": a request within this


def digest(secret: str) -> str:
    """SHA-256 hex of a token or session id (what the catalog keeps)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    """A new invite: the viewer's name and role, the token (shown once, in the link) and the expiry (UTC)."""

    name: str
    role: str
    token: str
    expires_at: dt.datetime

    def link(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/r/{self.token}"


@dataclass(frozen=True)
class Viewer:
    """A signed-in viewer as the portal sees it: session row id, viewer id, name, role."""

    session_id: int
    viewer_id: int
    name: str
    role: str

    def may(self, action: Action) -> bool:
        return may(self.role, action)


@dataclass(frozen=True)
class ViewerInfo:
    name: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class Connected:
    """A browser of a viewer, seen recently: name, role, address, last request (UTC)."""

    name: str
    role: str
    address: str
    last_seen: dt.datetime


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def invite(catalog: Catalog, name: str, role: str, days: int = DEFAULT_DAYS, *, created_by: str = "") -> Invite:
    """Invite ``name`` as ``role`` for ``days`` days; a viewer of that name gets a new token (the old link stops
    working) and is un-revoked. Raises :class:`UsageError` (empty name, unknown role, days < 1)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise UsageError("a viewer needs a name of 1 to 120 characters")
    try:
        role = Role(role).value
    except ValueError:
        raise UsageError(f"unknown role {role!r} (roles: {', '.join(r.value for r in Role)})") from None
    if days < 1:
        raise UsageError("--days must be 1 or more")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(days=days)
    with catalog.session() as s:
        row = review_repo.viewer_named(s, name) or ReviewViewer(name=name)
        if row.id is not None:
            review_repo.end_sessions(s, row.id, now)
        row.role, row.token_hash, row.created_by = role, digest(token), created_by
        row.created_at, row.expires_at, row.revoked_at = now, expires, None
        s.add(row)
        s.commit()
    return Invite(name, role, token, expires)


def revoke(catalog: Catalog, name: str) -> int:
    """Revoke ``name``'s link and end their open sessions now; returns how many sessions were ended.
    Raises :class:`UsageError` for a name never invited."""
    now = utcnow()
    with catalog.session() as s:
        row = review_repo.viewer_named(s, name)
        if row is None:
            raise UsageError(f"no viewer named {name!r}", hint="`pixm portal viewers` lists them")
        row.revoked_at = row.revoked_at or now
        ended = review_repo.end_sessions(s, row.id, now)
        s.commit()
    return ended


def viewers(catalog: Catalog) -> list[ViewerInfo]:
    with catalog.session() as s:
        return [ViewerInfo(v.name, v.role, _aware(v.created_at), _aware(v.expires_at), _aware(v.revoked_at))
                for v in review_repo.viewers(s)]


def _usable(v: ReviewViewer, now: dt.datetime) -> bool:
    return v.revoked_at is None and _aware(v.expires_at) > now


def sign_in(catalog: Catalog, token: str, address: str = "", user_agent: str = "") -> tuple[str, Viewer] | None:
    """A new session for the viewer whose invite token is ``token``: ``(session id, viewer)``, or ``None`` for
    a token unknown, expired or revoked."""
    now = utcnow()
    with catalog.session() as s:
        v = review_repo.viewer_by_token(s, digest(token))
        if v is None or not _usable(v, now):
            return None
        sid = secrets.token_urlsafe(32)
        row = ReviewSession(viewer_id=v.id, sid_hash=digest(sid), address=address[:64], user_agent=user_agent[:255],
                            created_at=now, last_seen=now)
        s.add(row)
        s.commit()
        return sid, Viewer(row.id, v.id, v.name, v.role)


def authenticate(catalog: Catalog, sid: str | None) -> Viewer | None:
    """The viewer of session id ``sid``, or ``None`` (no such session, ended, viewer revoked or expired). Read
    on every request, so a revocation from another process (``pixm portal revoke``) counts at once."""
    if not sid:
        return None
    now = utcnow()
    with catalog.session() as s:
        found = review_repo.session_by_sid(s, digest(sid))
        if found is None:
            return None
        row, v = found
        if row.ended_at is not None or not _usable(v, now):
            return None
        if now - _aware(row.last_seen) > SEEN_EVERY:
            row.last_seen = now
            s.commit()
        return Viewer(row.id, v.id, v.name, v.role)


def connected(catalog: Catalog, within: dt.timedelta = CONNECTED_WITHIN) -> list[Connected]:
    """Browsers seen within ``within`` whose session is open, newest first (the window's Portal page)."""
    with catalog.session() as s:
        return [Connected(v.name, v.role, r.address, _aware(r.last_seen))
                for r, v in review_repo.open_sessions(s, utcnow() - within)]


def csrf_token(sid: str) -> str:
    """The CSRF token of session ``sid`` (sent in the page, required in the ``X-CSRF-Token`` of every write)."""
    return hmac.new(sid.encode(), b"csrf", hashlib.sha256).hexdigest()


def media_key(sid: str, kind: str, object_id: int) -> str:
    """The key of media URL ``kind``/``object_id`` in session ``sid`` (32 hex digits)."""
    return hmac.new(sid.encode(), f"{kind}:{object_id}".encode(), hashlib.sha256).hexdigest()[:32]


def check(expected: str, given: str | None) -> bool:
    """Constant-time comparison (no timing oracle on tokens)."""
    return bool(given) and hmac.compare_digest(expected, given)


def log(catalog: Catalog, viewer_id: int | None, address: str, method: str, path: str, status: int) -> None:
    """One line of the access log (a path, never a query string: keys and tokens stay out of the log)."""
    with catalog.session() as s:
        review_repo.log_access(s, viewer_id, address, method, path, status)
        s.commit()


@dataclass(frozen=True)
class AccessLine:
    at: dt.datetime
    viewer: str | None
    address: str
    method: str
    path: str
    status: int


def access_log(catalog: Catalog, name: str | None = None, limit: int = 500) -> list[AccessLine]:
    """The newest ``limit`` lines of the access log, of viewer ``name`` only when given."""
    with catalog.session() as s:
        names = {v.id: v.name for v in review_repo.viewers(s)}
        vid = next((i for i, n in names.items() if n == name), -1) if name is not None else None
        return [AccessLine(_aware(a.at), names.get(a.viewer_id), a.address, a.method, a.path, a.status)
                for a in review_repo.access_of(s, vid, limit)]


class FailureLimiter:
    """Failed attempts (unknown tokens, sessions, keys) per client address: more than ``limit`` within
    ``window`` seconds and the address is refused until the oldest failure leaves the window."""

    def __init__(self, limit: int = 10, window: float = 60.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque[float]:
        q = self._failures.setdefault(address, deque())
        now = self.clock()
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) >= self.limit

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self.clock())


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of ``text`` (ISO/IEC 18004, error correction M, by segno) as PNG bytes: the window shows
    it for phones to open a link."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def latest_decision(catalog: Catalog) -> int:
    """The id of the newest comment or decision (0: none): the window reloads its clip pages when it grows."""
    with catalog.session() as s:
        return review_repo.latest_comment_id(s)
