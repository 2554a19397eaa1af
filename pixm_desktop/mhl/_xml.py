"""Small XML helpers shared by the MHL reader and writer: path text, dates, tag names, fsync'd writes."""

from __future__ import annotations

import functools
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

# Characters XML 1.0 cannot carry (§2.2 Char), plus CR: a parser turns a raw CR in text into LF, so a name
# holding one would not round-trip.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EMAIL = re.compile(r"[^@]+@[^.]+\..+")  # ASC MHL v2.0 XSD EmailAddressAttributeType
_HEX = re.compile(r"[0-9a-f]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def path_text(relpath: bytes) -> str | None:
    """The XML text of a raw path, or ``None`` when it cannot be written (not UTF-8, or non-XML characters).

    No Unicode normalisation (docs/asc-mhl.md §Hash entries).
    """
    try:
        text = relpath.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _NOT_XML.search(text) else text


def xml_safe(text: str) -> bool:
    """True when ``text`` can be written as XML 1.0 character data and read back unchanged."""
    return _NOT_XML.search(text) is None


def valid_email(email: str | None) -> bool:
    """Matches the XSD pattern ``[^@]+@[^.]+\\..+`` in full."""
    return bool(email) and _EMAIL.fullmatch(email) is not None


def is_lower_hex(text: str) -> bool:
    return _HEX.fullmatch(text) is not None


def local_name(tag: str) -> str:
    """``{urn:ASC:MHL:v2.0}hash`` → ``hash``."""
    return tag.rsplit("}", 1)[-1]


def iso_datetime(when: datetime, *, microseconds: bool = False) -> str:
    """ISO 8601 in local time with its UTC offset, like the reference tool (``2026-11-23T18:15:00+01:00``).

    ``when`` must be aware. Seconds precision unless ``microseconds`` (the reference writes hashdate so).
    """
    if when.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    try:
        local = when.astimezone()
    except (OverflowError, OSError, ValueError):
        local = when.astimezone(UTC)  # Windows has no local time before 1970
    if not microseconds:
        local = local.replace(microsecond=0)
    return local.isoformat()


def iso_from_ns(mtime_ns: int) -> str:
    """``lastmodificationdate`` text for a modification time in ns since the epoch."""
    return _iso_from_seconds(mtime_ns // 1_000_000_000, _zone())


def iso_datetime_us(when: datetime) -> str:
    """``iso_datetime(when, microseconds=True)``, the local-time conversion made once per second: a card's hash
    dates share few seconds (raises ``ValueError`` for a naive ``when``, as that does)."""
    if when.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    delta = when - _EPOCH
    text = _iso_from_seconds(delta.days * 86_400 + delta.seconds, _zone())
    if not delta.microseconds:
        return text  # isoformat leaves out a zero fraction
    # the offset never changes within a second; the date and time part is always 19 characters
    return f"{text[:19]}.{delta.microseconds:06d}{text[19:]}"


def _zone() -> tuple[str | None, tuple[str, str]]:
    """The local zone as the cache tells zones apart: ``TZ`` and the abbreviations (Berlin and Amsterdam share
    CET/CEST but not their history)."""
    return os.environ.get("TZ"), time.tzname


@functools.lru_cache(maxsize=8192)
def _iso_from_seconds(seconds: int, _zone: tuple[str | None, tuple[str, str]]) -> str:
    # a card's files share few seconds; the local-time conversion was most of a large manifest's writing
    return iso_datetime(_EPOCH + timedelta(seconds=seconds))


def parse_datetime(text: str | None) -> datetime | None:
    """Aware UTC datetime from an ``xs:dateTime`` text; naive values are taken as UTC. ``None`` if unparsable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_ns(value: datetime | None) -> int | None:
    """ns since the epoch of an aware datetime (exact integer arithmetic, no float rounding)."""
    if value is None:
        return None
    delta: timedelta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def serialize(root: ET.Element) -> bytes:
    """UTF-8 bytes with a double-quoted declaration and two-space indentation, like the reference tool."""
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8") + b"\n"


def fsync_dir(folder: Path) -> None:
    """Make a rename or new entry in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: directories cannot be opened; NTFS journals the rename itself
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (never overwriting), write ``data``, fsync file and folder."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def replace_file(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``: temp file in the same folder, fsync, rename, fsync folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        write_new_file(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
