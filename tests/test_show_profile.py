"""The show profile (issue 12, item 1): schema, model, loader, the installed profile and ``pixm show``.

Each malformed profile is made from the example by one known change, so the test knows the line and field
it broke; every refusal goes through the CLI (exit 11) and leaves the installed profile byte for byte as it
was.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixm_desktop.core import show as rules
from pixm_desktop.core.errors import (
    ShowProfileFormatError,
    ShowProfileReadError,
    ShowProfileRevisionError,
    ShowProfileVersionError,
)
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.engine.plan import TEMPLATE_TOKENS
from pixm_desktop.services import samples
from pixm_desktop.services import show as service
from support.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "show-profile.json"
EXIT = 11


@pytest.fixture
def cart(tmp_path, monkeypatch) -> Path:
    """The catalog path of a cart whose profile folder is empty (the profile lives beside the catalog)."""
    catalog = tmp_path / "cart" / "catalog.sqlite"
    catalog.parent.mkdir()
    monkeypatch.setenv("PIXM_CATALOG", str(catalog))
    return catalog


@pytest.fixture
def installed(cart) -> bytes:
    """The example installed on the cart; returns its bytes."""
    run = cli("show", "import", EXAMPLE)
    assert run.code == 0, run.text
    return service.profile_path(cart).read_bytes()


def _line_of(text: str, needle: str) -> int:
    """1-based line of the only occurrence of ``needle``."""
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def _variant(tmp_path: Path, old: str, new: str, name: str = "variant.json") -> tuple[Path, int]:
    """The example with ``old`` replaced by ``new`` (once), and the line of the change."""
    text = EXAMPLE.read_text(encoding="utf-8")
    _line_of(text, old)  # only once
    differs = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    line = text[: text.index(old) + differs].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


# ------------------------------------------------------------------------------------ schema and example


def test_the_example_validates_and_reads_as_a_23_976_feature():
    p = service.validate_file(EXAMPLE)
    assert p.stamp == "Big Film rev 3 (schema v1)"
    assert [(c.letter, c.unit, c.make) for c in p.cameras] == [("A", "main", "arri"), ("B", "main", "sony"),
                                                              ("C", "2nd", "arri")]
    assert {c.frame_rate for c in p.cameras} == {Fraction(24000, 1001)}
    assert p.sound.sample_rate == 48000 and p.sound.bit_depth == 24
    rule = p.copy_rule
    assert (rule.min_verified_copies, rule.distinct_drives, rule.places) == (2, True, 2)
    assert rule.lto is not None and rule.lto.copies == ("A", "B")
    studio = p.rule_set("studio-netflix-like")
    assert studio is not None and studio.mhl_at_roll_root
    assert studio.legal_name("A001C001_261123_R1AB.mov") and not studio.legal_name("A001 C001.mov")
    assert not studio.legal_name("A" * 33)
    assert p.camera("B").naming.clip_ok("A001C001_261123R8") and not p.camera("B").naming.clip_ok("A001C001")
    assert p.camera("C", "2nd").naming.reel_ok("C001R1AB") and not p.camera("C").naming.reel_ok("A001R1AB")


def _properties(node: dict, root: dict, at: str):
    """Every (path, property schema) of the schema, through $ref, oneOf and items."""
    node = rules._deref(root, node)
    for name, prop in node.get("properties", {}).items():
        yield f"{at}.{name}", prop
        yield from _properties(prop, root, f"{at}.{name}")
    for branch in node.get("oneOf", []):
        yield from _properties(branch, root, at)
    if isinstance(node.get("items"), dict):
        yield from _properties(node["items"], root, f"{at}[]")


def test_every_field_of_the_schema_is_documented():
    root = rules.schema()
    undocumented = [path for path, prop in _properties(root, root, "") if not
                    (prop.get("description") or rules._deref(root, prop).get("description"))]
    assert not undocumented
    assert len(list(_properties(root, root, ""))) > 80


def test_the_schema_names_what_the_engine_knows():
    schema = json.dumps(rules.schema())
    pattern = rules.schema()["$defs"]["template"]["pattern"]
    assert pattern.split("(?:", 2)[2].split(")")[0].split("|") == list(TEMPLATE_TOKENS)
    assert set(rules.schema()["$defs"]["hash_formats"]["items"]["enum"]) == {a.value for a in HashAlgorithm}
    assert '"const": "pixm-show-profile"' in schema and rules.schema()["properties"]["version"]["const"] == 1


@pytest.mark.parametrize("make", ["arri", "sony", "red", "canon", "braw", "gopro"])
def test_named_rules_accept_the_names_each_sample_camera_writes(tmp_path, make):
    card = samples.make_card(tmp_path, make, clips=2, seconds=0.2)
    clip_rule, reel_rule = (rules.NamingRule(make, *rules.NAMED_RULES[make]),) * 2
    for clip in card.clips:
        assert clip_rule.clip_ok(clip.clip_name), clip.clip_name
        assert reel_rule.reel_ok(clip.tape_name), clip.tape_name
    assert not clip_rule.clip_ok(card.clips[0].clip_name + "X")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


def _walk(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, (*path, i))


@settings(max_examples=200, deadline=None)
@given(doc=_json, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_positions_point_at_each_value_and_key_of_any_json(doc, indent, ascii_only):
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    pos = rules.json_positions(text)
    decoder = json.JSONDecoder()
    for path, value in _walk(doc):
        assert decoder.raw_decode(text, pos.values[path])[0] == value
        if path and isinstance(path[-1], str):
            assert decoder.raw_decode(text, pos.keys[path])[0] == path[-1]
    assert not pos.duplicates


# --------------------------------------------------------------------------------- round trip and init


def test_export_then_import_round_trips_byte_for_byte(cart, installed, tmp_path):
    first = tmp_path / "first.json"
    assert cli("show", "export", first).code == 0
    assert first.read_bytes() == EXAMPLE.read_bytes() == installed
    other = tmp_path / "other-cart" / "catalog.sqlite"
    run = cli("show", "import", first, "--catalog", other)
    assert run.code == 0, run.text
    second = tmp_path / "second.json"
    assert cli("show", "export", second, "--catalog", other).code == 0
    assert second.read_bytes() == first.read_bytes()
    assert service.current_profile(other) == service.current_profile(cart) == service.validate_file(EXAMPLE)
    assert "already installed" in cli("show", "import", second).out


def test_init_then_validate_passes_and_installs_with_the_flags(cart, tmp_path):
    out = tmp_path / "new.json"
    run = cli("show", "init", "--name", "Night Shoot", "--company", "Owl Films", "--fps", "25",
              "--camera", "A=arri", "--camera", "b=sony", "--camera", "C=red", "-o", out)
    assert run.code == 0, run.text
    assert cli("show", "validate", out).code == 0
    p = service.validate_file(out)
    assert [(c.letter, c.make, c.frame_rate) for c in p.cameras] == [("A", "arri", 25), ("B", "sony", 25),
                                                                   ("C", "red", 25)]
    assert p.sound.timecode.rate == 25 and p.copy_rule.min_verified_copies == 2
    assert '"$comment"' in out.read_text(encoding="utf-8")
    assert cli("show", "init", "--name", "Again", "-o", out).code == 2  # never over a file without --force
    assert service.current_profile(cart) is None
    assert cli("show", "init", "--name", "Night Shoot", "--fps", "29.97").code == 0
    assert service.current_profile(cart).cameras[0].frame_rate == Fraction(30000, 1001)
    assert cli("show", "init", "--name", "Other").code == 2  # an installed profile is not replaced silently


def test_current_profile_and_stamp(cart, tmp_path):
    assert service.current_profile(cart) is None and service.profile_stamp(cart) is None
    assert "no show profile installed" in cli("show", "show").out
    assert cli("show", "export", tmp_path / "x.json").code == EXIT  # nothing to export
    service.import_profile(EXAMPLE, cart)
    assert service.profile_stamp() == "Big Film rev 3 (schema v1)"
    assert service.profile_path() == cart.parent / "show-profile.json"


def test_show_prints_every_section_within_80_columns(cart, installed):
    run = cli("show", "show")
    assert run.code == 0
    lines = run.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for part in ("Big Film — Northern Lights Pictures", "ALEXA 35", "23.976 fps", "48000 Hz, 24-bit",
                 "LTO A/B", "in 2 places", "show-lut", "avid-dnxhd36", "MHL at every roll root", "vfx — VFX vendor"):
        assert part in run.out, part


# ------------------------------------------------------------------------------------------ refusals


def _refused(args, installed_bytes: bytes | None, cart: Path):
    run = cli(*args)
    assert run.code == EXIT, run.text
    target = service.profile_path(cart)
    assert (target.read_bytes() if target.exists() else None) == installed_bytes
    return " ".join(run.text.split())  # the console wraps long messages


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    ('"frame_rate": "24000/1001",\n      "timecode": {"rate": "24000/1001", "drop_frame": false},\n      '
     '"naming": {"rule": "sony"}',
     '"frame_rate": 23.976,\n      "timecode": {"rate": "24000/1001", "drop_frame": false},\n      '
     '"naming": {"rule": "sony"}', "cameras[1].frame_rate", "23.976 is not of type 'string'"),
    ('"letter": "C",', '"letter": "C", "fps": 25,', "cameras[2].fps", "unknown key 'fps'"),
    ('"bit_depth": 24,', '"bit_depth": "24",', "sound.bit_depth", "'24' is not of type 'integer'"),
    ('"unit": "2nd",', '"unit": "second",', "cameras[2].unit", "unit 'second' is not one of production.units"),
    ('"sound": {\n    "sample_rate": 48000,\n    "bit_depth": 24,\n    "timecode": {"rate": "24000/1001", '
     '"drop_frame": false}',
     '"sound": {\n    "sample_rate": 48000,\n    "bit_depth": 24,\n    "timecode": {"rate": "24000/1001", '
     '"drop_frame": true}', "sound.timecode.drop_frame", "drop-frame timecode does not exist at 24000/1001"),
    ('"max_length": 32},', '"max_length": 32, "pattern": "[A-Z"},', "delivery.rule_sets[0].file_names.pattern",
     "key 'pattern' is given twice"),
])
def test_a_schema_or_rule_violation_is_refused_naming_file_line_and_field(cart, installed, tmp_path, old, new,
                                                                          field, says):
    path, line = _variant(tmp_path, old, new)
    text = _refused(("show", "import", path), installed, cart)
    assert f"{path}:{line}:" in text and f"{field}:" in text and says in text
    with pytest.raises(ShowProfileFormatError) as exc:
        service.validate_file(path)
    assert (exc.value.line, exc.value.field) == (line, field)
    assert _refused(("show", "validate", path), installed, cart) == text


def test_numbers_written_as_decimals_still_give_integers(tmp_path):
    path, _ = _variant(tmp_path, '"width": 4608, "height": 3164', '"width": 4608.0, "height": 3164')
    width = service.validate_file(path).cameras[0].resolution.width
    assert width == 4608 and isinstance(width, int)


def test_validate_lists_every_problem_with_its_line(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = text.replace('"revision": 3,', '"revision": 0,').replace('"bit_depth": 24,', '"bit_depth": 20,')
    path = tmp_path / "two.json"
    path.write_text(bad, encoding="utf-8")
    run = cli("show", "validate", path)
    assert run.code == EXIT
    flat = " ".join(run.text.split())
    assert f"{path}:5:15: revision: 0 is less than the minimum of 1 (and 1 more problem)" in flat
    line = _line_of(bad, '"bit_depth": 20')
    assert f"also: {path}:{line}:18: sound.bit_depth: 20 is not one of" in flat


def test_the_line_of_a_schema_error_is_that_of_the_field_not_of_its_object(tmp_path):
    path, _ = _variant(tmp_path, '"revision": 3,', '"revision": 0,')
    with pytest.raises(ShowProfileFormatError) as exc:
        service.validate_file(path)
    assert (exc.value.line, exc.value.column, exc.value.field) == (5, 15, "revision")
    assert "about revision: Revision of this show's profile" in exc.value.hint  # the schema's description tells what it is
    hint = exc.value.structured
    assert (hint.exit_code, hint.remedy, hint.kind, hint.where) == (EXIT, "fix-profile", "ShowProfileFormatError",
                                                                    str(path))
    back = pickle.loads(pickle.dumps(exc.value))
    assert (back.line, back.column, back.field, back.problems) == (5, 15, "revision", exc.value.problems)


def test_bad_json_is_refused_with_its_line_and_column(cart, installed, tmp_path):
    path, line = _variant(tmp_path, '"model": "VENICE 2",', '"model": "VENICE 2"')  # a comma dropped
    text = _refused(("show", "import", path), installed, cart)
    assert f"{path}:{line + 1}:7: not valid JSON: Expecting ',' delimiter" in text


def test_a_profile_for_a_newer_schema_is_refused_as_such(cart, installed, tmp_path):
    path, line = _variant(tmp_path, '"version": 1,', '"version": 2, "drives": [],')
    text = _refused(("show", "import", path), installed, cart)
    assert f"{path}:{line}:14: show profile written for schema version 2; this PIXM reads up to version 1" in text
    assert "update PIXM on this cart" in text
    with pytest.raises(ShowProfileVersionError) as exc:
        service.validate_file(path)
    assert exc.value.structured.remedy == "update-pixm"


def test_a_profile_installed_by_a_newer_pixm_is_replaced_only_with_force(cart, tmp_path):
    newer, _ = _variant(tmp_path, '"version": 1,', '"version": 2,')
    target = service.profile_path(cart)
    target.write_bytes(newer.read_bytes())  # as a newer PIXM on this cart left it
    assert "schema version 2" in _refused(("show", "show"), newer.read_bytes(), cart)
    assert "schema version 2" in _refused(("show", "import", EXAMPLE), newer.read_bytes(), cart)
    assert cli("show", "import", EXAMPLE, "--force").code == 0
    assert target.read_bytes() == EXAMPLE.read_bytes()
    assert [k.read_bytes() for k in (cart.parent / service.HISTORY).iterdir()] == [newer.read_bytes()]


@pytest.mark.parametrize(("content", "says"), [
    (b"[" * 100_000 + b"]" * 100_000, f"{{path}}:1:{rules.MAX_DEPTH + 1}: nested more than 32 levels deep"),
    (b" " * (rules.MAX_BYTES + 1), "is too large for a show profile"),
    (b'{"schema": "pixm-show-profile",\n "version": 1, "name": "\xff"}', "{path}:2:25: not UTF-8 text (byte 0xff)"),
    (b'["pixm-show-profile", 1]', "{path}:1:1: not a PIXM show profile"),
    (b"", "{path}:1:1: not valid JSON"),
])
def test_hostile_files_are_refused_clearly_and_lose_nothing(cart, installed, tmp_path, content, says):
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    assert says.format(path=path) in _refused(("show", "import", path), installed, cart)


def test_a_folder_or_a_missing_file_is_refused(cart, installed, tmp_path):
    assert f"{tmp_path} is a folder" in _refused(("show", "import", tmp_path), installed, cart)
    assert "no show profile file" in _refused(("show", "import", tmp_path / "nope.json"), installed, cart)
    with pytest.raises(ShowProfileReadError):
        service.validate_file(tmp_path / "nope.json")


def test_a_profile_that_cannot_be_written_is_an_error_naming_the_place(cart, installed, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = cli("show", "import", EXAMPLE, "--catalog", blocker / "catalog.sqlite")
    assert run.code == EXIT and f"cannot write {blocker / 'show-profile.json'}" in " ".join(run.text.split())
    run = cli("show", "export", blocker / "out.json")
    assert run.code == EXIT and f"cannot write {blocker / 'out.json'}" in " ".join(run.text.split())
    assert service.profile_path(cart).read_bytes() == installed
    assert cli("show", "export", tmp_path).code == 2  # a folder is no file name


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this OS")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(cart, installed, tmp_path):
    fifo = tmp_path / "profile.json"
    os.mkfifo(fifo)
    assert f"{fifo} is not a regular file" in _refused(("show", "import", fifo), installed, cart)


def test_an_older_revision_or_a_silent_change_is_refused_unless_forced(cart, installed, tmp_path):
    older, _ = _variant(tmp_path, '"revision": 3,', '"revision": 2,', "older.json")
    assert "is revision 2 of 'Big Film'; this cart runs revision 3" in _refused(("show", "import", older),
                                                                                  installed, cart)
    same_rev, _ = _variant(tmp_path, '"recorder": "Sound Devices 888"', '"recorder": "Zoom F8n"', "same.json")
    assert "under the same revision number" in _refused(("show", "import", same_rev), installed, cart)
    with pytest.raises(ShowProfileRevisionError):
        service.import_profile(same_rev, cart)
    run = cli("show", "import", older, "--force")
    assert run.code == 0 and "replaced Big Film rev 3" in run.out
    kept = list((cart.parent / service.HISTORY).iterdir())
    assert [k.read_bytes() for k in kept] == [installed]


# ------------------------------------------------------------------------------------------------ edit


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text("import pathlib, sys\np = pathlib.Path(sys.argv[1])\nt = p.read_text()\n" + body)
    return f'"{sys.executable}" "{script}"'


def test_edit_validates_installs_and_bumps_the_revision(cart, installed, tmp_path):
    editor = _editor(tmp_path, "p.write_text(t.replace('Sound Devices 888', 'Zoom F8n'))\n")
    run = cli("show", "edit", "--editor", editor)
    assert run.code == 0, run.text
    assert "installed Big Film rev 4" in run.out
    now = service.profile_path(cart).read_text(encoding="utf-8")
    assert now == EXAMPLE.read_text(encoding="utf-8").replace("Sound Devices 888", "Zoom F8n").replace(
        '"revision": 3,', '"revision": 4,')
    assert "already installed" in cli("show", "edit", "--editor", _editor(tmp_path, "")).out


def test_a_broken_edit_installs_nothing_and_keeps_the_copy(cart, installed, tmp_path):
    editor = _editor(tmp_path, "p.write_text(t.replace('\"make\": \"sony\"', '\"make\": \"nikon\"'))\n")
    text = _refused(("show", "edit", "--editor", editor), installed, cart)
    assert "cameras[1].make:" in text and "your edited copy is kept at" in text
    kept = Path(text.split("your edited copy is kept at ")[1].split()[0])
    assert '"nikon"' in kept.read_text(encoding="utf-8")
    kept.unlink()


def test_every_job_records_the_profile_it_ran_under(cart, tmp_path):
    from pixm_desktop.core.states import JobKind, VerifyJobOptions
    from pixm_desktop.services import jobs
    from pixm_desktop.store.db import open_catalog
    from support.cards import make_card
    from support.catalog import catalog_json
    from support.offload import request

    dests = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    card = make_card(tmp_path / "cards", "arri", clips=1)

    def offload_then_verify() -> None:
        catalog = open_catalog(cart)
        try:
            result = jobs.execute(catalog, JobKind.OFFLOAD, request(card.root, dests))
            assert result.ok
            jobs.execute(catalog, JobKind.VERIFY, VerifyJobOptions(path=str(result.destinations[0].card_path)))
        finally:
            catalog.close()

    offload_then_verify()  # no profile installed: nothing to record
    service.import_profile(EXAMPLE, cart)
    offload_then_verify()
    service.profile_path(cart).write_text("{ not json", encoding="utf-8")  # edited by hand, broken
    offload_then_verify()  # a broken profile never stops an offload; the row says so
    stamps = [(j["kind"], j["show_profile"]) for j in sorted(catalog_json(cart, "jobs"), key=lambda j: j["id"])]
    stamp = service.validate_file(EXAMPLE).stamp
    assert [k for k, _ in stamps] == ["offload", "verify"] * 3
    assert [s for _, s in stamps[:4]] == [None, None, stamp, stamp]
    assert all(s.startswith("unreadable: ") and "show-profile.json:1:" in s for _, s in stamps[4:]), stamps
