"""The stored vocabulary (core.states): enum values are the strings the catalog holds, job options read old
rows, and the ``logged_from`` protocol parses and prints back. Qt-free."""

from __future__ import annotations

import json

import pytest

from pixm_desktop.core.states import (
    IXML,
    MANUAL,
    ClipFileRole,
    ClipKind,
    JobDestinationStatus,
    JobKind,
    JobOptions,
    LoggedFrom,
    ProbeStatus,
    QcRule,
    QcSeverity,
    SlateSource,
    TapeTemplate,
    ThumbnailStatus,
    TurnoverKind,
)

STORED = {  # the strings catalogs written by every PIXM so far hold: changing one needs a migration
    # verify… 0005, qc 0006, dailies 0009, turnover 0011, pull and delivery 0012 (their rows in pulls),
    # archive and restore 0013 (their rows in tapes, tape_files)
    JobKind: {"offload", "verify", "ingest", "report", "aftercare", "qc", "dailies", "turnover", "pull", "delivery",
              "archive", "restore"},
    TurnoverKind: {"editorial", "sound"},  # turnovers, since migration 0011
    TapeTemplate: {"cmx3600", "file32"},
    JobDestinationStatus: {"pending", "completed", "failed"},
    ProbeStatus: {"pending", "ok", "partial", "no_decoder", "failed"},
    ThumbnailStatus: {"pending", "ok", "failed", "none"},
    ClipKind: {"video", "audio", "raw"},
    ClipFileRole: {"media", "segment", "proxy", "sidecar", "thumbnail"},
    QcSeverity: {"warning", "error"},  # qc_findings, since migration 0006
    QcRule: {"camera_unknown", "not_probed", "codec", "resolution", "frame_rate", "tc_rate", "sample_rate",
             "bit_depth", "clip_name", "reel_name", "reel_duplicate", "tc_overlap", "tc_break", "sidecar_missing",
             "sound_drift", "decode_error"},
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda e: e.__name__)
def test_every_stored_state_keeps_its_string(enum):
    assert {m.value for m in enum} == STORED[enum]
    for member in enum:
        assert member == member.value and str(member) == member.value
        assert enum(member.value) is member


def test_job_options_round_trip():
    opts = JobOptions(source_verify=True, cascade=False, destinations=("/Volumes/RAID", "/Volumes/SHUTTLE"))
    assert JobOptions.from_json(opts.to_json()) == opts
    assert json.loads(opts.to_json()) == {"source_verify": True, "cascade": False,
                                          "destinations": ["/Volumes/RAID", "/Volumes/SHUTTLE"]}


@pytest.mark.parametrize("text, expected", [
    ('{"source_verify": true, "cascade": true}', JobOptions(True, True, ())),  # before destinations were kept
    ('{"cascade": 1, "future_option": "x"}', JobOptions(False, True, ())),  # unknown keys ignored
    ('{"destinations": "/not/a/list"}', JobOptions()),
    ("{}", JobOptions()),
    ("", JobOptions()),
    (None, JobOptions()),
    ("not json", JobOptions()),
    ("[1, 2]", JobOptions()),
])
def test_job_options_from_old_or_damaged_rows(text, expected):
    assert JobOptions.from_json(text) == expected


@pytest.mark.parametrize("text, source, file", [
    ("manual", SlateSource.MANUAL, ""),
    ("ixml", SlateSource.IXML, ""),
    ("sound:12A_1.WAV", SlateSource.SOUND, "12A_1.WAV"),
    ("sound:take:with:colons.wav", SlateSource.SOUND, "take:with:colons.wav"),
])
def test_logged_from_parse_and_str(text, source, file):
    value = LoggedFrom.parse(text)
    assert value == LoggedFrom(source, file)
    assert str(value) == text
    assert value.from_sound is (source is not SlateSource.MANUAL)


@pytest.mark.parametrize("text", [None, "", "typed", "SOUND:x"])
def test_logged_from_unknown_is_none(text):
    assert LoggedFrom.parse(text) is None


def test_logged_from_constants_are_the_stored_strings():
    assert (str(MANUAL), str(IXML), str(LoggedFrom.sound("a.wav"))) == ("manual", "ixml", "sound:a.wav")
