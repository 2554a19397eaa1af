"""Fonts for PDF reports: a TrueType font with wide coverage, embedded, with per-character fallbacks.

Names and notes on set come in every script and both Unicode normal forms, and the 14 standard PDF fonts
(Helvetica…) only draw Latin-1. So reports use **DejaVu Sans** (Latin, Greek, Cyrillic, Hebrew, Arabic,
symbols; regular, bold and mono), which PIXM ships in ``resources/fonts/`` under its licence
(package data, found through ``core.resources`` in a checkout, a wheel or the PyInstaller bundle) and a report
looks the same on every cart, whatever the system has installed. Where the shipped copy is missing the same
files, or another wide font (Noto Sans, Segoe UI, Arial), are looked up in the usual system font folders; with no
TrueType font at all the report falls back to Helvetica and says so in a warning.

Characters the main font lacks (CJK, Thai, Devanagari…) are drawn with a *fallback* font found on the
system (Droid Sans Fallback from Debian's ``fonts-droid-fallback``, Arial Unicode, Microsoft YaHei,
Noto…): :meth:`Fonts.markup` wraps each run of them in ``<font name=…>``. Characters that no font can draw
become U+FFFD and are listed in :attr:`Fonts.missing`, so the report can warn instead of printing empty
boxes. Text is normalised to NFC first (an NFD ``e`` + combining acute prints as one ``é``) and escaped, so
``<b>`` or ``&`` in a note is text, never Paragraph markup.

Fonts are registered once per process with reportlab (names ``PIXM-Sans``, ``PIXM-Sans-Bold``,
``PIXM-Mono``, ``PIXM-Fallback-N``); :func:`load_fonts` is cached.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from pixm_desktop.core.resources import resource_path
from pixm_desktop.reports.text import clean

SANS, SANS_BOLD, MONO = "PIXM-Sans", "PIXM-Sans-Bold", "PIXM-Mono"
REPLACEMENT = "\ufffd"

#: (regular, bold) candidates for the main font, best first (file names as the systems spell them).
MAIN_FONTS: tuple[tuple[str, str | None], ...] = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("segoeui.ttf", "segoeuib.ttf"),
    ("Arial Unicode.ttf", None),
    ("ARIALUNI.TTF", None),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
)
MONO_FONTS = ("DejaVuSansMono.ttf", "NotoSansMono-Regular.ttf", "LiberationMono-Regular.ttf", "consola.ttf",
              "cour.ttf", "Courier New.ttf")
#: Extra coverage for what the main font lacks (TrueType outlines only: reportlab cannot embed CFF fonts).
FALLBACK_FONTS = (
    "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf", "Arial Unicode.ttf", "ARIALUNI.TTF",
    "msyh.ttc", "msgothic.ttc", "malgun.ttf", "simsun.ttc", "wqy-zenhei.ttc", "wqy-microhei.ttc",
    "NotoSansThai-Regular.ttf", "NotoSansDevanagari-Regular.ttf", "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf", "NotoSansSymbols2-Regular.ttf", "seguisym.ttf", "DejaVuSans.ttf",
)
ENV_FONT_DIR = "PIXM_FONT_DIR"


def bundled_font_dirs() -> list[Path]:
    """``$PIXM_FONT_DIR``, then the shipped ``resources/fonts`` (installed, checkout or frozen bundle)."""
    dirs = []
    env = os.environ.get(ENV_FONT_DIR)
    if env:
        dirs.append(Path(env))
    dirs.append(resource_path("fonts"))
    return dirs


def system_font_dirs() -> list[Path]:
    """The usual font folders of Linux, macOS and Windows (those that exist)."""
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = os.environ.get("LOCALAPPDATA")
        dirs = [windir / "Fonts"] + ([Path(local) / "Microsoft" / "Windows" / "Fonts"] if local else [])
    elif sys.platform == "darwin":
        dirs = [home / "Library" / "Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
                Path("/System/Library/Fonts/Supplemental")]
    else:
        data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
        dirs = [home / ".local" / "share" / "fonts", home / ".fonts"] + [Path(d) / "fonts" for d in data_dirs if d]
    return [d for d in dirs if d.is_dir()]


class _Index:
    """File name (lower case) → path over a list of folders, searched in order, built on first use."""

    def __init__(self, dirs: Iterable[Path]):
        self.dirs = list(dirs)
        self._names: dict[str, Path] | None = None

    def find(self, name: str) -> Path | None:
        if self._names is None:
            self._names = {}
            for d in self.dirs:
                for root, _sub, files in os.walk(d):
                    for f in files:
                        self._names.setdefault(f.lower(), Path(root) / f)
        return self._names.get(name.lower())


@dataclass
class Fonts:
    """The fonts of this process's reports and how to write text with them.

    ``embedded`` is False when no TrueType font was found and Helvetica (Latin-1 only) is used.
    ``sources`` names the files used; ``warnings`` what the report should say about fonts.
    """

    regular: str
    bold: str
    mono: str
    embedded: bool
    prefix: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _coverage: frozenset[int] | None = None
    _mono_coverage: frozenset[int] | None = None
    _fallback_files: list[Path] = field(default_factory=list)
    _fallbacks: list[tuple[str, frozenset[int]]] | None = None
    _missing: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # coverage --------------------------------------------------------------------------------------
    def _covers(self, coverage: frozenset[int] | None, ch: str) -> bool:
        if coverage is None:  # standard Type 1 font: WinAnsi
            try:
                ch.encode("cp1252")
                return True
            except UnicodeEncodeError:
                return False
        return ord(ch) in coverage

    def _fallback_for(self, ch: str) -> str | None:
        with self._lock:
            if self._fallbacks is None:
                self._fallbacks = []
                for n, path in enumerate(self._fallback_files, 1):
                    name = f"{self.prefix}PIXM-Fallback-{n}"
                    font = _register(name, path)
                    if font is not None:
                        _family(name, name)
                        self._fallbacks.append((name, frozenset(font.face.charToGlyph)))
                        self.sources[name] = str(path)
        code = ord(ch)
        for name, coverage in self._fallbacks:
            if code in coverage:
                return name
        return None

    @property
    def missing(self) -> set[str]:
        """Characters met so far that no available font can draw (printed as U+FFFD)."""
        return set(self._missing)

    def can_draw(self, text: str) -> bool:
        """True when every character of ``text`` (after :func:`clean`) has a glyph in some font."""
        return all(ch in "\n " or self._covers(self._coverage, ch) or self._fallback_for(ch)
                   for ch in clean(text))

    # markup ----------------------------------------------------------------------------------------
    def markup(self, text: object, *, mono: bool = False, breaks: bool = True) -> str:
        """reportlab Paragraph markup for plain ``text``: cleaned (NFC, no control characters), escaped
        (``&``, ``<``, ``>``), line breaks as ``<br/>`` (or spaces unless ``breaks``), and every run of
        characters the main font lacks wrapped in ``<font name="PIXM-Fallback-N">``."""
        s = clean(text)
        if not breaks:
            s = " ".join(s.split("\n"))
        if s.isascii():  # every font here draws printable ASCII (control characters are gone)
            return escape(s).replace("\n", "<br/>")
        coverage = self._mono_coverage if mono else self._coverage
        out: list[str] = []
        run_font: str | None = None
        run: list[str] = []

        def flush() -> None:
            if not run:
                return
            body = escape("".join(run)).replace("\n", "<br/>")
            out.append(f'<font name="{run_font}">{body}</font>' if run_font else body)
            run.clear()

        for ch in s:
            if ch == "\n" or self._covers(coverage, ch):
                font = None
            elif mono and self._covers(self._coverage, ch):
                font = self.regular
            else:
                font = self._fallback_for(ch)
                if font is None:
                    self._missing.add(ch)
                    ch = REPLACEMENT if self._covers(self._coverage, REPLACEMENT) else "?"
            if font != run_font:
                flush()
                run_font = font
            run.append(ch)
        flush()
        return "".join(out)

    def plain(self, text: object) -> str:
        """``text`` for canvas.drawString (no markup, main font only): characters it lacks become U+FFFD."""
        s = " ".join(clean(text).split())
        rep = REPLACEMENT if self._covers(self._coverage, REPLACEMENT) else "?"
        return "".join(ch if self._covers(self._coverage, ch) else rep for ch in s)


def _register(name: str, path: Path) -> TTFont | None:
    """Register a TrueType file (``.ttc``: its first face) under ``name``; None if reportlab cannot use it."""
    try:
        existing = pdfmetrics.getFont(name)
        if isinstance(existing, TTFont):
            return existing
    except KeyError:
        pass
    try:
        font = TTFont(name, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" else TTFont(name, str(path))
    except (TTFError, OSError, ValueError, KeyError, IndexError, TypeError):
        return None  # CFF outlines, a damaged file, an unreadable collection
    pdfmetrics.registerFont(font)
    return font


def _family(regular: str, bold: str) -> None:
    for b, i, name in ((0, 0, regular), (1, 0, bold), (0, 1, regular), (1, 1, bold)):
        addMapping(regular, b, i, name)
    if bold != regular:
        for b, i, name in ((0, 0, regular), (1, 0, bold), (0, 1, regular), (1, 1, bold)):
            addMapping(bold, b, i, name)


def find_fonts(bundled: Iterable[Path] | None = None, system: Iterable[Path] | None = None
               ) -> tuple[tuple[Path, Path | None] | None, Path | None, list[Path]]:
    """((regular, bold), mono, fallbacks) found in the bundled folders first, then the system's."""
    bundled_idx = _Index(bundled if bundled is not None else bundled_font_dirs())
    system_idx = _Index(system if system is not None else system_font_dirs())

    def find(name: str) -> Path | None:
        return bundled_idx.find(name) or system_idx.find(name)

    main = None
    for regular, bold in MAIN_FONTS:
        reg = find(regular)
        if reg is not None:
            main = (reg, find(bold) if bold else None)
            break
    mono = next((p for p in (find(n) for n in MONO_FONTS) if p is not None), None)
    fallbacks: list[Path] = []
    for name in FALLBACK_FONTS:
        p = find(name)
        if p is not None and p not in fallbacks and (main is None or p != main[0]):
            fallbacks.append(p)
    return main, mono, fallbacks


_LOAD_LOCK = threading.Lock()


@functools.cache
def _load() -> Fonts:
    return build_fonts()


def load_fonts() -> Fonts:
    """The report fonts of this process (found and registered once, thread-safe)."""
    with _LOAD_LOCK:
        return _load()


def build_fonts(bundled: Iterable[Path] | None = None, system: Iterable[Path] | None = None,
                prefix: str = "") -> Fonts:
    """Find and register fonts (``prefix`` keeps test registrations apart from :func:`load_fonts`')."""
    main, mono_path, fallbacks = find_fonts(bundled, system)
    sans, sans_bold, mono_name = prefix + SANS, prefix + SANS_BOLD, prefix + MONO
    regular_font = _register(sans, main[0]) if main else None
    if regular_font is None:
        fonts = Fonts("Helvetica", "Helvetica-Bold", "Courier", embedded=False, prefix=prefix,
                      _fallback_files=fallbacks)
        fonts.warnings.append("no TrueType font with wide coverage was found (looked for DejaVu Sans, Noto Sans, "
                              "Segoe UI, Arial): the report uses Helvetica, which draws Latin-1 only; "
                              f"install DejaVu Sans or set ${ENV_FONT_DIR}")
        return fonts
    sources = {sans: str(main[0])}
    bold_font = _register(sans_bold, main[1]) if main[1] else None
    if bold_font is None:
        sans_bold = sans
    else:
        sources[sans_bold] = str(main[1])
    _family(sans, sans_bold)
    mono_font = _register(mono_name, mono_path) if mono_path else None
    if mono_font is None:
        mono_name = sans
        mono_cov = frozenset(regular_font.face.charToGlyph)
    else:
        _family(mono_name, mono_name)
        sources[mono_name] = str(mono_path)
        mono_cov = frozenset(mono_font.face.charToGlyph)
    fallbacks = [p for p in fallbacks if p.name.lower() != main[0].name.lower()]  # the same font again
    return Fonts(sans, sans_bold, mono_name, embedded=True, prefix=prefix, sources=sources,
                 _coverage=frozenset(regular_font.face.charToGlyph), _mono_coverage=mono_cov,
                 _fallback_files=fallbacks)


__all__ = [
    "ENV_FONT_DIR",
    "FALLBACK_FONTS",
    "MAIN_FONTS",
    "MONO",
    "MONO_FONTS",
    "SANS",
    "SANS_BOLD",
    "Fonts",
    "build_fonts",
    "bundled_font_dirs",
    "find_fonts",
    "load_fonts",
    "system_font_dirs",
]
