"""The show profile: one versioned file every cart of a show loads (issue 12), its schema, model and loader.

**Format: JSON**, validated against ``show_profile.schema.json`` (JSON Schema Draft 2020-12, package data)
with the ``jsonschema`` library. JSON rather than TOML because the schema language validates JSON natively,
the standard library both reads and writes it (``tomllib`` only reads: ``pixm show init``/``export`` would
need a TOML writer that keeps comments, which no standard module has), and a central catalog will serve the
same document over HTTP as is. JSON has no comments, so every object may carry a ``"$comment"`` text that
PIXM keeps (an export is byte-identical to the import) and ignores.

A file is taken in this order, each step refusing with the file, the line and column and the field path:
size (:data:`MAX_BYTES`), UTF-8 (a byte-order mark is allowed), nesting depth (:data:`MAX_DEPTH`), JSON
syntax, ``"schema"``/``"version"`` (a newer version is refused as such: :class:`ShowProfileVersionError`,
never as a schema violation), duplicate keys, the schema, then the rules the schema cannot say (references
between sections, unique camera letters per unit, regular expressions that compile, drop-frame only at
drop-frame rates). Schema errors are mapped back to lines by :func:`json_positions`, a scan of the text that
records where every key and value starts: no guessing.

Rates are exact (``fractions.Fraction`` from ``"24000/1001"``), sizes in pixels, sample rates in Hz.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from json.decoder import scanstring
from json.scanner import NUMBER_RE

from pixm_desktop.core.errors import (
    Remedy,
    ShowProfileFormatError,
    ShowProfileReadError,
    ShowProfileVersionError,
)
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.timecode import has_drop_frame

SCHEMA_NAME = "pixm-show-profile"
SCHEMA_VERSION = 1  # the newest schema version this PIXM reads (and writes)
SCHEMA_FILE = "show_profile.schema.json"
MAX_BYTES = 1024 * 1024  # a real profile is a few kB; a bigger file is a wrong file
MAX_DEPTH = 32  # the schema nests 6 deep; deeper input is refused before the JSON parser recurses

Path_ = tuple[str | int, ...]  # a field's path in the document: ("cameras", 1, "frame_rate")

#: Clip and reel (tape) name rules of the card layouts PIXM generates and recognises (samples.samplecard and
#: field notes §3), matched in full: ``rule -> (clip pattern, reel pattern)``. The reel is the 8-character
#: EDL reel a clip carries (ARRI's tape name ``A001R1AB``, ``<roll>C<clip>`` for the others).
NAMED_RULES: dict[str, tuple[str, str]] = {
    "arri": (r"[A-Z][0-9]{3}C[0-9]{3}_[0-9]{6}_R[0-9A-Z]{3}", r"[A-Z][0-9]{3}R[0-9A-Z]{3}"),
    "sony": (r"[A-Z][0-9]{3}C[0-9]{3}_[0-9]{6}[A-Z][0-9A-Z]", r"[A-Z][0-9]{3}C[0-9]{3}"),
    "red": (r"[A-Z][0-9]{3}_C[0-9]{3}_[0-9]{4}[0-9A-Z]{2}", r"[A-Z][0-9]{3}C[0-9]{3}"),
    "canon": (r"[A-Z]_[0-9]{4}C[0-9]{3}_[0-9]{6}_[0-9]{6}[0-9A-Z]{2}_CANON", r"[A-Z][0-9]{3}C[0-9]{3}"),
    "braw": (r"[A-Z][0-9]{3}_[0-9]{8}_C[0-9]{3}", r"[A-Z][0-9]{3}C[0-9]{3}"),
    "gopro": (r"G[HLX][0-9]{6}", r"G[HX][0-9]{6}"),
    "sound": (r"[A-Za-z0-9_-]{1,32}", r"[A-Za-z0-9_-]{1,8}"),
}


# ---------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Resolution:
    """Picture size in pixels."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}×{self.height}"


@dataclass(frozen=True, slots=True)
class TimecodeSpec:
    """Timecode a device writes: exact counting ``rate`` and whether its labels are drop-frame."""

    rate: Fraction
    drop_frame: bool


@dataclass(frozen=True, slots=True)
class NamingRule:
    """Clip and reel name patterns (Python regular expressions matched in full); ``rule`` names a
    :data:`NAMED_RULES` entry, ``None`` for the show's own patterns; ``reel_pattern`` ``None``: any reel."""

    rule: str | None
    clip_pattern: str
    reel_pattern: str | None

    def clip_ok(self, name: str) -> bool:
        return re.fullmatch(self.clip_pattern, name) is not None

    def reel_ok(self, name: str) -> bool:
        return self.reel_pattern is None or re.fullmatch(self.reel_pattern, name) is not None


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Production:
    name: str
    company: str | None
    code: str | None
    units: tuple[Unit, ...]


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What one camera (``letter`` of ``unit``) must write: codec name and optional profile, size, exact
    frame rate, timecode, names, and the sidecar name endings expected beside every clip."""

    letter: str
    unit: str
    make: str
    model: str | None
    codec: str
    codec_profile: str | None
    resolution: Resolution
    frame_rate: Fraction
    timecode: TimecodeSpec
    naming: NamingRule
    sidecars: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SoundSpec:
    """The recorder's files: sample rate (Hz), bit depth, timecode, take and roll names."""

    sample_rate: int
    bit_depth: int
    timecode: TimecodeSpec
    roll_naming: NamingRule
    recorder: str | None


@dataclass(frozen=True, slots=True)
class LtoPlan:
    copies: tuple[str, ...]
    generation: str | None
    format: str


@dataclass(frozen=True, slots=True)
class CopyRule:
    """Safe-to-format rule (``min_verified_copies`` on ``distinct_drives``), hash formats, and the planned
    archive (``lto``) and ``places`` (recorded now, enforced when PIXM manages drives and tapes)."""

    min_verified_copies: int
    distinct_drives: bool
    hash_formats: tuple[HashAlgorithm, ...]
    lto: LtoPlan | None
    places: int


@dataclass(frozen=True, slots=True)
class Cdl:
    """ASC CDL v1.2: per channel (R, G, B) slope, offset, power, then saturation."""

    slope: tuple[float, float, float]
    offset: tuple[float, float, float]
    power: tuple[float, float, float]
    saturation: float


@dataclass(frozen=True, slots=True)
class Look:
    name: str
    cdl: Cdl | None
    lut: str | None
    cameras: tuple[str, ...]  # empty: every camera


@dataclass(frozen=True, slots=True)
class DailiesPreset:
    name: str
    codec: str
    profile: str | None
    container: str
    resolution: Resolution
    look: str | None
    burn_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A studio's delivery rules as data: hash formats, ASC MHL placement, legal names."""

    name: str
    description: str | None
    hash_formats: tuple[HashAlgorithm, ...]
    all_hashes: bool
    mhl_at_roll_root: bool
    mhl_travels: bool
    file_name_pattern: str
    file_name_max_length: int
    reel_name_max_length: int | None

    def legal_name(self, name: str) -> bool:
        """Whether a delivered file or folder name obeys the rule set (pattern in full and length)."""
        return len(name) <= self.file_name_max_length and re.fullmatch(self.file_name_pattern, name) is not None


@dataclass(frozen=True, slots=True)
class Recipient:
    role: str
    name: str
    rule_set: str | None
    dailies: str | None
    deliverables: tuple[str, ...]
    handles: int | None
    first_frame: int | None


@dataclass(frozen=True, slots=True)
class ShowProfile:
    """A validated show profile. ``version`` is the schema version, ``revision`` the show's own counter."""

    version: int
    revision: int
    production: Production
    cameras: tuple[CameraSpec, ...]
    sound: SoundSpec
    copy_rule: CopyRule
    camera_template: str
    sound_template: str
    looks: tuple[Look, ...]
    dailies: tuple[DailiesPreset, ...]
    rule_sets: tuple[RuleSet, ...]
    recipients: tuple[Recipient, ...]

    @property
    def stamp(self) -> str:
        """What a job records: ``"Big Film rev 3 (schema v1)"``."""
        return f"{self.production.name} rev {self.revision} (schema v{self.version})"

    def camera(self, letter: str, unit: str | None = None) -> CameraSpec | None:
        """The camera of that letter (in ``unit``, else the first unit that has one), ``None`` if unknown."""
        return next((c for c in self.cameras if c.letter == letter and unit in (None, c.unit)), None)

    def rule_set(self, name: str) -> RuleSet | None:
        return next((r for r in self.rule_sets if r.name == name), None)


# ------------------------------------------------------------------------------------------ the schema


@functools.cache
def schema() -> dict:
    """The JSON Schema (Draft 2020-12) of the newest profile version, from the package data."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator():
    import jsonschema  # loaded on first use: most commands never read a profile

    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def field_name(path: Path_) -> str:
    """``("cameras", 1, "frame_rate")`` → ``"cameras[1].frame_rate"``; ``()`` → ``"(top level)"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe(path: Path_) -> str | None:
    """The schema's "description" of the field at ``path`` (what it means, its units), ``None`` if unknown."""
    root = schema()
    node, found = root, root.get("description")
    for part in path:
        node = _deref(root, node)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            props = node.get("properties") or {}
            if part not in props:  # e.g. a oneOf branch: look in each
                props = next((b["properties"] for b in node.get("oneOf", []) if part in b.get("properties", {})), {})
            node = props.get(part, {})
        found = node.get("description") or _deref(root, node).get("description")
    return found


def _deref(root: dict, node: dict) -> dict:
    while "$ref" in node and "properties" not in node and "items" not in node:
        target = root
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        node = target
    return node


# ---------------------------------------------------------------------------------------- positions


@dataclass(frozen=True, slots=True)
class Positions:
    """Where each key and value of a JSON text starts (character offsets), and keys seen twice."""

    text: str
    values: dict[Path_, int]
    keys: dict[Path_, int]
    duplicates: tuple[Path_, ...]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def of(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at ``path`` (its key with ``key=True`` when it has one); a path the
        text lacks falls back to its nearest parent."""
        while path:
            table = self.keys if key and path in self.keys else self.values
            if path in table:
                return self.line_col(table[path])
            path = path[:-1]
        return self.line_col(self.values.get((), 0))


_WS = re.compile(r"[ \t\n\r]*")


def json_positions(text: str) -> Positions:
    """Scan a JSON text that ``json.loads`` accepts (nested at most :data:`MAX_DEPTH` deep) and record where
    every value and key starts; keys repeated in one object are listed in ``duplicates``."""
    values: dict[Path_, int] = {}
    keys: dict[Path_, int] = {}
    dups: list[Path_] = []

    def value(i: int, path: Path_) -> int:
        i = _WS.match(text, i).end()
        values[path] = i
        c = text[i]
        if c == "{":
            return members(i + 1, path)
        if c == "[":
            return elements(i + 1, path)
        if c == '"':
            return scanstring(text, i + 1)[1]
        m = NUMBER_RE.match(text, i)
        if m:
            return m.end()
        for word in ("true", "false", "null"):
            if text.startswith(word, i):
                return i + len(word)
        raise ValueError(f"not JSON at offset {i}")  # json.loads accepted it: cannot happen

    def members(i: int, path: Path_) -> int:
        i = _WS.match(text, i).end()
        if text[i] == "}":
            return i + 1
        while True:
            i = _WS.match(text, i).end()
            start = i
            name, i = scanstring(text, i + 1)
            child = (*path, name)
            if child in keys:
                dups.append(child)
            keys[child] = start
            i = _WS.match(text, i).end() + 1  # the colon
            i = _WS.match(text, value(i, child)).end()
            if text[i] == "}":
                return i + 1
            i += 1  # the comma

    def elements(i: int, path: Path_) -> int:
        i = _WS.match(text, i).end()
        if text[i] == "]":
            return i + 1
        n = 0
        while True:
            i = _WS.match(text, value(i, (*path, n))).end()
            n += 1
            if text[i] == "]":
                return i + 1
            i += 1

    value(0, ())
    return Positions(text, values, keys, tuple(dups))


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _too_deep(text: str) -> int | None:
    """Offset of the first bracket nested deeper than :data:`MAX_DEPTH` (strings skipped), else ``None``."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif c in "]}":
            depth -= 1
    return None


# ------------------------------------------------------------------------------------------ loading


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a profile: where (1-based line and column, field path) and what."""

    line: int
    column: int
    field: str | None
    text: str
    hint: str | None = None


def decode(data: bytes, source: str) -> str:
    """The profile's text: at most :data:`MAX_BYTES`, UTF-8 (a leading byte-order mark is dropped).
    Raises :class:`ShowProfileReadError` (too large) or :class:`ShowProfileFormatError` (not UTF-8)."""
    if len(data) > MAX_BYTES:
        raise ShowProfileReadError(
            f"{source} is too large for a show profile ({len(data):,} bytes; at most {MAX_BYTES:,})",
            path=source, hint="choose the show profile file itself (a few kB of JSON)", remedy=Remedy.FIX_PROFILE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _format_error(source, [Problem(line, column, None, "not UTF-8 text (byte "
                                             f"0x{data[exc.start]:02x})", "save the file as UTF-8")]) from None


def parse(data: bytes, source: str) -> tuple[dict, Positions]:
    """Steps 1–5 of the module docstring: the document and where its parts are. Raises
    :class:`ShowProfileReadError`, :class:`ShowProfileFormatError` or :class:`ShowProfileVersionError`."""
    text = decode(data, source)
    deep = _too_deep(text)
    if deep is not None:
        p = Positions(text, {}, {}, ())
        raise _format_error(source, [Problem(*p.line_col(deep), None, f"nested more than {MAX_DEPTH} levels deep",
                                             "a show profile nests a few levels: this is not one")])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _format_error(source, [Problem(exc.lineno, exc.colno, None, f"not valid JSON: {exc.msg}",
                                             "correct the JSON syntax at that place")]) from None
    pos = json_positions(text)
    _check_kind(doc, pos, source)
    if pos.duplicates:
        raise _format_error(source, [Problem(*pos.of(d, key=True), field_name(d), f"key {d[-1]!r} is given twice "
                                             "in one object (JSON keeps only the last)", "keep one of them")
                                     for d in pos.duplicates])
    return doc, pos


def _check_kind(doc, pos: Positions, source: str) -> None:
    """A PIXM show profile of a version this PIXM reads, before the schema (so a newer file says so)."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        where = ("schema",) if isinstance(doc, dict) and "schema" in doc else ()
        raise _format_error(source, [Problem(*pos.of(where), field_name(where) if where else None,
                                             f'not a PIXM show profile (no "schema": "{SCHEMA_NAME}")',
                                             "choose a file written by pixm show init or export")])
    version = doc.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        line, column = pos.of(("version",))
        raise ShowProfileVersionError(
            f"{source}:{line}:{column}: show profile written for schema version {version}; this PIXM reads up to "
            f"version {SCHEMA_VERSION}", path=source, remedy=Remedy.UPDATE_PIXM,
            hint="update PIXM on this cart (the profile comes from a newer PIXM); the installed profile is unchanged")


def load_bytes(data: bytes, source: str) -> ShowProfile:
    """Validate a profile's bytes and build the model. ``source`` names the file in messages.

    Raises :class:`ShowProfileReadError` (too large), :class:`ShowProfileVersionError` (newer schema),
    :class:`ShowProfileFormatError` (everything else, first problem by line first, all in ``problems``)."""
    doc, pos = parse(data, source)
    found = sorted(check(doc, pos), key=lambda p: (p.line, p.column))
    if found:
        raise _format_error(source, found)
    return build(doc)


def check(doc: dict, pos: Positions) -> list[Problem]:
    """Every schema violation, then (if none) every rule the schema cannot express, located in the text."""
    found: dict[str | None, Problem] = {}
    for error in _validator().iter_errors(doc):
        problem = _schema_problem(error, doc, pos)
        found.setdefault(problem.field, problem)  # one per field: a "24" is not an integer, nor one of 16/24/32
    if found:
        return list(found.values())
    return [Problem(*pos.of(path), field_name(path), text, _about(path)) for path, text in _consistency(doc)]


def _about(path: Path_) -> str | None:
    """The hint of a field's problem: what the schema says the field is."""
    text = describe(path)
    return f"about {field_name(path)}: {text}" if text else None


def _schema_problem(error, doc: dict, pos: Positions) -> Problem:
    from jsonschema.exceptions import best_match

    while error.context:  # oneOf/anyOf: the branch that came closest says more
        error = best_match(error.context)
    path: Path_ = tuple(error.absolute_path)
    kind, value = error.validator, error.instance
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = next(k for k in value if k not in known)
        path = (*path, extra)
        allowed = ", ".join(sorted(k for k in known if k != "$comment"))
        return Problem(*pos.of(path, key=True), field_name(path), f"unknown key {extra!r}", f"known keys here: {allowed}")
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in value)
        return Problem(*pos.of(path), field_name(path), f"required key {missing!r} is missing",
                       _about((*path, missing)))
    if kind == "pattern":
        text = f"{value!r} is not in the expected form"
    elif kind == "const" and path == ("version",):
        text = f"schema version {value!r} is not one this PIXM reads (1)"
    else:
        text = error.message
    return Problem(*pos.of(path), field_name(path), text, _about(path))


def _format_error(source: str, problems: list[Problem]) -> ShowProfileFormatError:
    first = problems[0]
    where = f"{source}:{first.line}:{first.column}"
    field = f" {first.field}:" if first.field else ""
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    todo = first.hint.rstrip(".") if first.hint else "correct the profile there and try again"
    hint = f"{todo}; the installed profile is unchanged"
    return ShowProfileFormatError(
        f"{where}:{field} {first.text}{more}", path=source, hint=hint, remedy=Remedy.FIX_PROFILE,
        line=first.line, column=first.column, field=first.field,
        problems=tuple((p.line, p.column, p.field, p.text) for p in problems))


# ------------------------------------------------------------------------------------- consistency


def _consistency(doc: dict) -> Iterator[tuple[Path_, str]]:
    """Rules beyond the schema, as ``(path, text)``: references, uniqueness, regexes, rates."""
    units = [u["id"] for u in doc["production"]["units"]]
    yield from _unique(units, ("production", "units"), "id", "unit")
    seen: set[tuple[str, str]] = set()
    for i, cam in enumerate(doc["cameras"]):
        at = ("cameras", i)
        if cam["unit"] not in units:
            yield (*at, "unit"), f"unit {cam['unit']!r} is not one of production.units ({', '.join(units)})"
        if (cam["unit"], cam["letter"]) in seen:
            yield (*at, "letter"), f"camera {cam['letter']} of unit {cam['unit']!r} is given twice"
        seen.add((cam["unit"], cam["letter"]))
        yield from _rate_problems(cam["frame_rate"], (*at, "frame_rate"))
        yield from _timecode_problems(cam["timecode"], (*at, "timecode"))
        yield from _naming_problems(cam["naming"], (*at, "naming"))
    yield from _timecode_problems(doc["sound"]["timecode"], ("sound", "timecode"))
    yield from _naming_problems(doc["sound"]["roll_naming"], ("sound", "roll_naming"))
    yield from _copy_rule_problems(doc["copy_rule"])
    yield from _reference_problems(doc)


def _unique(names: list[str], at: Path_, key: str, what: str) -> Iterator[tuple[Path_, str]]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield (*at, i, key), f"{what} {name!r} is given twice"
        seen.add(name)


def _rate_problems(text: str, at: Path_) -> Iterator[tuple[Path_, str]]:
    rate = parse_fraction(text)
    if not Fraction(1) <= rate <= Fraction(1000):
        yield at, f"rate {text} ({float(rate):.3f}) is outside 1–1000"


def _timecode_problems(tc: dict, at: Path_) -> Iterator[tuple[Path_, str]]:
    yield from _rate_problems(tc["rate"], (*at, "rate"))
    if tc["drop_frame"] and not has_drop_frame(parse_fraction(tc["rate"])):
        yield (*at, "drop_frame"), f"drop-frame timecode does not exist at {tc['rate']} (only 30000/1001 and multiples)"


def _naming_problems(naming: dict, at: Path_) -> Iterator[tuple[Path_, str]]:
    for key in ("clip_pattern", "reel_pattern"):
        if key in naming:
            yield from _regex_problems(naming[key], (*at, key))


def _regex_problems(pattern: str, at: Path_) -> Iterator[tuple[Path_, str]]:
    try:
        re.compile(pattern)
    except re.error as exc:
        yield at, f"not a valid regular expression: {exc}"


def _copy_rule_problems(rule: dict) -> Iterator[tuple[Path_, str]]:
    lto = len(rule.get("lto", {}).get("copies", ()))
    places = rule.get("places", 1)
    if places > rule["min_verified_copies"] + lto:
        yield (("copy_rule", "places"),
               f"{places} places need at least {places} copies (the rule has {rule['min_verified_copies']} + {lto} LTO)")


def _reference_problems(doc: dict) -> Iterator[tuple[Path_, str]]:
    letters = {c["letter"] for c in doc["cameras"]}
    looks = [lk["name"] for lk in doc.get("looks", [])]
    yield from _unique(looks, ("looks",), "name", "look")
    for i, look in enumerate(doc.get("looks", [])):
        for j, letter in enumerate(look.get("cameras", [])):
            if letter not in letters:
                yield ("looks", i, "cameras", j), f"camera {letter} is not in cameras"
    presets = [d["name"] for d in doc.get("dailies", [])]
    yield from _unique(presets, ("dailies",), "name", "dailies preset")
    for i, preset in enumerate(doc.get("dailies", [])):
        if "look" in preset and preset["look"] not in looks:
            yield ("dailies", i, "look"), f"look {preset['look']!r} is not one of looks[].name"
    delivery = doc.get("delivery", {})
    sets = [r["name"] for r in delivery.get("rule_sets", [])]
    yield from _unique(sets, ("delivery", "rule_sets"), "name", "rule set")
    for i, rs in enumerate(delivery.get("rule_sets", [])):
        yield from _regex_problems(rs["file_names"]["pattern"], ("delivery", "rule_sets", i, "file_names", "pattern"))
    for i, rec in enumerate(delivery.get("recipients", [])):
        if "rule_set" in rec and rec["rule_set"] not in sets:
            yield ("delivery", "recipients", i, "rule_set"), f"rule set {rec['rule_set']!r} is not one of delivery.rule_sets"
        if "dailies" in rec and rec["dailies"] not in presets:
            yield ("delivery", "recipients", i, "dailies"), f"dailies preset {rec['dailies']!r} is not one of dailies"


# ------------------------------------------------------------------------------------------ building


def parse_fraction(text: str) -> Fraction:
    """``"24000/1001"`` → ``Fraction(24000, 1001)``, ``"25"`` → ``Fraction(25)`` (the schema's rate form)."""
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den or 1))


def build(doc: dict) -> ShowProfile:
    """The model of a document that passed :func:`check` (a document that did not may raise anything)."""
    prod = doc["production"]
    rule = doc["copy_rule"]
    lto = rule.get("lto")
    delivery = doc.get("delivery", {})
    return ShowProfile(
        version=int(doc["version"]), revision=int(doc["revision"]),  # JSON Schema calls 3.0 an integer too
        production=Production(prod["name"], prod.get("company"), prod.get("code"),
                              tuple(Unit(u["id"], u["name"]) for u in prod["units"])),
        cameras=tuple(_camera(c) for c in doc["cameras"]),
        sound=_sound(doc["sound"]),
        copy_rule=CopyRule(int(rule["min_verified_copies"]), rule["distinct_drives"],
                           tuple(HashAlgorithm(h) for h in rule["hash_formats"]),
                           LtoPlan(tuple(lto["copies"]), lto.get("generation"), lto.get("format", "ltfs"))
                           if lto else None, int(rule.get("places", 1))),
        camera_template=doc["destinations"]["camera"],
        sound_template=doc["destinations"].get("sound", doc["destinations"]["camera"]),
        looks=tuple(_look(lk) for lk in doc.get("looks", [])),
        dailies=tuple(_dailies(d) for d in doc.get("dailies", [])),
        rule_sets=tuple(_rule_set(r) for r in delivery.get("rule_sets", [])),
        recipients=tuple(_recipient(r) for r in delivery.get("recipients", [])),
    )


def _resolution(d: dict) -> Resolution:
    return Resolution(int(d["width"]), int(d["height"]))


def _timecode(d: dict) -> TimecodeSpec:
    return TimecodeSpec(parse_fraction(d["rate"]), d["drop_frame"])


def _naming(d: dict) -> NamingRule:
    if "rule" in d:
        clip, reel = NAMED_RULES[d["rule"]]
        return NamingRule(d["rule"], clip, reel)
    return NamingRule(None, d["clip_pattern"], d.get("reel_pattern"))


def _camera(c: dict) -> CameraSpec:
    return CameraSpec(c["letter"], c["unit"], c["make"], c.get("model"), c["codec"]["name"],
                      c["codec"].get("profile"), _resolution(c["resolution"]), parse_fraction(c["frame_rate"]),
                      _timecode(c["timecode"]), _naming(c["naming"]), tuple(c.get("sidecars", ())))


def _sound(s: dict) -> SoundSpec:
    return SoundSpec(int(s["sample_rate"]), int(s["bit_depth"]), _timecode(s["timecode"]), _naming(s["roll_naming"]),
                     s.get("recorder"))


def _look(d: dict) -> Look:
    cdl = d.get("cdl")
    return Look(d["name"], Cdl(tuple(cdl["slope"]), tuple(cdl["offset"]), tuple(cdl["power"]), cdl["saturation"])
                if cdl else None, d.get("lut"), tuple(d.get("cameras", ())))


def _dailies(d: dict) -> DailiesPreset:
    return DailiesPreset(d["name"], d["codec"], d.get("profile"), d["container"], _resolution(d["resolution"]),
                         d.get("look"), tuple(d.get("burn_in", ())))


def _rule_set(r: dict) -> RuleSet:
    names = r["file_names"]
    return RuleSet(r["name"], r.get("description"), tuple(HashAlgorithm(h) for h in r["hash_formats"]),
                   r.get("all_hashes", False), r["mhl_at_roll_root"], r.get("mhl_travels", False),
                   names["pattern"], int(names["max_length"]), _int_or_none(r.get("reel_name_max_length")))


def _recipient(r: dict) -> Recipient:
    return Recipient(r["role"], r["name"], r.get("rule_set"), r.get("dailies"), tuple(r.get("deliverables", ())),
                     _int_or_none(r.get("handles")), _int_or_none(r.get("first_frame")))


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


__all__ = ["MAX_BYTES", "MAX_DEPTH", "NAMED_RULES", "SCHEMA_NAME", "SCHEMA_VERSION", "CameraSpec", "Cdl",
           "CopyRule", "DailiesPreset", "Look", "LtoPlan", "NamingRule", "Positions", "Problem", "Production",
           "Recipient", "Resolution", "RuleSet", "ShowProfile", "SoundSpec", "TimecodeSpec", "Unit", "build",
           "check", "decode", "describe", "field_name", "json_positions", "load_bytes", "parse",
           "parse_fraction", "schema"]
