"""ASC MHL ignore lists: gitignore ("gitwildmatch") patterns matched against scope-relative paths.

ASC MHL v2.0 §processinfo/ignore uses gitignore syntax; the reference tool matches with ``pathspec``'s
gitwildmatch. This is the same translation for the parts of the syntax manifests use: ``*``, ``?``,
``[...]``, ``**``, a leading ``/`` (anchored), a trailing ``/`` (folders only), ``!`` negation, ``#``
comments and ``\\`` escapes. A pattern matching a folder also matches everything beneath it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    include: bool  # False for a "!" (re-include) rule


def _translate_glob(segment: str) -> str:
    """Regex for one path segment: ``*`` and ``?`` never cross ``/``; ``[!...]`` negates."""
    out: list[str] = []
    i, end = 0, len(segment)
    while i < end:
        ch = segment[i]
        i += 1
        if ch == "\\" and i < end:
            out.append(re.escape(segment[i]))
            i += 1
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            close = _bracket_end(segment, i)
            if close < 0:
                out.append(re.escape(ch))  # unterminated: a literal "[" (fnmatch behaviour)
                continue
            body = segment[i:close]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _bracket_end(segment: str, start: int) -> int:
    """Index of the ``]`` closing a bracket expression opened before ``start`` (−1 if none)."""
    j = start
    if j < len(segment) and segment[j] in "!^":
        j += 1
    if j < len(segment) and segment[j] == "]":
        j += 1
    while j < len(segment) and segment[j] != "]":
        j += 1
    return j if j < len(segment) else -1


def _segments(pattern: str) -> list[str]:
    """Split and normalise: unanchored single names get a leading ``**``, a trailing ``/`` becomes ``**``."""
    segs = pattern.split("/")
    if not segs[0]:
        del segs[0]  # leading "/": anchored to the scope root
    elif (len(segs) == 1 or (len(segs) == 2 and not segs[1])) and segs[0] != "**":
        segs.insert(0, "**")  # "name" or "name/" matches at any depth
    if not segs:
        raise ValueError("pattern is empty")
    if not segs[-1]:
        segs[-1] = "**"
    collapsed = [s for i, s in enumerate(segs) if not (s == "**" and i > 0 and segs[i - 1] == "**")]
    return collapsed


def compile_pattern(pattern: str) -> _Rule | None:
    """A rule for one gitignore line, or ``None`` for blank lines and comments."""
    text = pattern if pattern.endswith("\\ ") else pattern.rstrip()
    if not text or text.startswith("#"):
        return None
    include = True
    if text.startswith("!"):
        include, text = False, text[1:]
    elif text.startswith(("\\#", "\\!")):
        text = text[1:]
    is_dir_pattern = text.endswith("/") and text != "/"
    segs = _segments(text)
    if segs == ["**"]:
        regex = "^.+/" if is_dir_pattern else "^."
    else:
        regex = _segments_regex(segs)
    return _Rule(re.compile(regex, re.DOTALL), include)


def _segments_regex(segs: list[str]) -> str:
    parts: list[str] = []
    need_slash = False
    last = len(segs) - 1
    for i, seg in enumerate(segs):
        if seg == "**":
            if i == 0:
                parts.append("^(?:.+/)?")
            elif i < last:
                parts.append("(?:/.+)?")
                need_slash = True
            else:
                parts.append("/")  # "dir/**": everything beneath (the folder itself matches as "dir/")
            continue
        if i == 0:
            parts.append("^")
        if need_slash:
            parts.append("/")
        parts.append("[^/]+" if seg == "*" else _translate_glob(seg))
        if i == last:
            parts.append("/?$" if seg == "*" else "(?:/|$)")
        need_slash = True
    return "".join(parts)


class IgnoreSpec:
    """A compiled ignore list. Match with scope-relative ``/`` paths; folders are checked as ``name/``."""

    def __init__(self, patterns: Iterable[str]):
        self.patterns: tuple[str, ...] = tuple(patterns)
        self._rules = [r for r in (compile_pattern(p) for p in self.patterns) if r is not None]
        self._any = _one_regex(self._rules)

    def matches(self, relpath: str | bytes, *, is_dir: bool = False) -> bool:
        """True when the last matching rule ignores ``relpath`` (raw bytes are decoded leniently)."""
        if isinstance(relpath, bytes):
            relpath = relpath.decode("utf-8", errors="surrogateescape")
        text = relpath + "/" if is_dir and not relpath.endswith("/") else relpath
        if self._any is not None:
            return self._any.match(text) is not None
        ignored = False
        for rule in self._rules:
            if rule.regex.match(text):
                ignored = rule.include
        return ignored

    def __repr__(self) -> str:
        return f"IgnoreSpec({list(self.patterns)!r})"


def _one_regex(rules: list[_Rule]) -> re.Pattern[str] | None:
    """Without a ``!`` rule a path is ignored when any rule matches: one regex for the whole list (a folder
    walk asks for every file), else ``None``. Every rule's regex is anchored at the start."""
    if not rules or not all(r.include for r in rules):
        return None
    try:
        return re.compile("|".join(f"(?:{r.regex.pattern})" for r in rules), re.DOTALL)
    except re.error:
        return None  # the rules are matched one by one
