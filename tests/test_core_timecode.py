"""Timecode vocabulary (core, no Qt, no media): exact rates, SMPTE ST 12-1 labels with drop-frame at 29.97 and
59.94, labels that do not wrap for day totals, editorial rate spellings, label spans for sync overlap."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pixm_desktop.core.timecode import (
    end_and_duration,
    fps_label,
    fps_ratio,
    fraction_of,
    frames_to_tc,
    has_drop_frame,
    is_drop_frame,
    label_span,
    nominal,
    overlap,
    parse_rate,
    tc_to_frames,
)

NTSC30 = Fraction(30000, 1001)
NTSC60 = Fraction(60000, 1001)
NTSC24 = Fraction(24000, 1001)


def test_parse_rate_spellings() -> None:
    assert parse_rate("24000/1001") == NTSC24
    assert parse_rate("23.976") == parse_rate("23.98p") == parse_rate("023.976-ND") == NTSC24
    assert parse_rate("29.97") == NTSC30 and parse_rate("29.970") == NTSC30 and parse_rate("59.94i") == NTSC60
    assert parse_rate("25p") == 25 and parse_rate("25/1") == 25
    assert parse_rate("") is None and parse_rate(None) is None and parse_rate("fast") is None
    assert parse_rate("0") is None and parse_rate("1/0") is None


def test_nominal_counts_ntsc_rates_at_the_whole_rate() -> None:
    assert [nominal(r) for r in (NTSC24, Fraction(25), NTSC30, NTSC60)] == [24, 25, 30, 60]


# SMPTE ST 12-1 drop-frame at 29.97: frame numbers 00 and 01 skipped each minute except every tenth minute.
DF30 = [
    ("00:00:00;00", 0), ("00:00:59;29", 1799), ("00:01:00;02", 1800), ("00:01:59;29", 3597),
    ("00:02:00;02", 3598), ("00:09:59;29", 17981), ("00:10:00;00", 17982), ("00:10:00;01", 17983),
    ("00:11:00;02", 19782), ("01:00:00;00", 107892), ("10:00:00;00", 1078920), ("23:59:59;29", 2589407),
]
# At 59.94: frame numbers 00 to 03 skipped each minute except every tenth minute.
DF60 = [
    ("00:00:59;59", 3599), ("00:01:00;04", 3600), ("00:02:00;04", 7196), ("00:10:00;00", 35964),
    ("00:10:00;03", 35967), ("00:11:00;04", 39564), ("01:00:00;00", 215784),
]


@pytest.mark.parametrize(("rate", "label", "frames"), [(NTSC30, *c) for c in DF30] + [(NTSC60, *c) for c in DF60])
def test_drop_frame_known_values(rate: Fraction, label: str, frames: int) -> None:
    assert tc_to_frames(label, rate) == frames
    assert frames_to_tc(frames, rate, drop_frame=True) == label


@pytest.mark.parametrize(("rate", "dropped"), [(NTSC30, 2), (NTSC60, 4)])
def test_drop_frame_labels_skip_the_first_numbers_of_each_minute_but_every_tenth(rate: Fraction, dropped: int) -> None:
    base = nominal(rate)
    previous = None
    for n in range(0, base * 60 * 21):  # 21 minutes of labels, each one checked
        label = frames_to_tc(n, rate, drop_frame=True)
        hh, mm, ss_ff = label.split(":")
        ss, ff = (int(x) for x in ss_ff.split(";"))
        if ss == 0 and int(mm) % 10:
            assert ff >= dropped, label
        assert label != previous
        assert tc_to_frames(label, rate) == n
        previous = label


def test_drop_frame_round_trip_over_a_day_and_wraps_at_24h() -> None:
    day = 107892 * 24
    for n in range(0, day, 9973):
        assert tc_to_frames(frames_to_tc(n, NTSC30, drop_frame=True), NTSC30) == n
    assert frames_to_tc(day, NTSC30, drop_frame=True) == "00:00:00;00"
    assert frames_to_tc(day + 1800, NTSC30, drop_frame=True) == "00:01:00;02"


def test_drop_frame_only_where_the_rate_has_it() -> None:
    assert has_drop_frame(NTSC30) and has_drop_frame(NTSC60) and has_drop_frame(Fraction(120000, 1001))
    assert not any(has_drop_frame(r) for r in (NTSC24, Fraction(48000, 1001), Fraction(30), Fraction(25)))
    # 23.976 has no drop-frame labels: asked for, it counts plainly at 24
    assert frames_to_tc(24 * 60, NTSC24, drop_frame=True) == "00:01:00:00"
    assert tc_to_frames("00:01:00;00", NTSC24) == 24 * 60
    assert is_drop_frame("01:00:00;00") and is_drop_frame("01:00:00.00") and not is_drop_frame("01:00:00:00")
    assert not is_drop_frame("garbage")


def test_non_drop_labels_wrap_unless_told() -> None:
    assert frames_to_tc(tc_to_frames("23:59:59:23", Fraction(24)), Fraction(24)) == "23:59:59:23"
    assert frames_to_tc(25 * 3600 * 25, Fraction(25)) == "01:00:00:00"
    assert frames_to_tc(25 * 3600 * 25 + 26, Fraction(25), wrap=False) == "25:00:01:01"
    assert frames_to_tc(24 * 3600 * 24 + 5, NTSC24, wrap=False) == "24:00:00:05"  # counted at nominal 24
    assert frames_to_tc(107892 * 25, NTSC30, drop_frame=True, wrap=False) == "25:00:00;00"


@pytest.mark.parametrize("label", ["10:00:00:25", "10:60:00:00", "10:00:60:00", "1000000", "", "10:00:00"])
def test_malformed_or_out_of_range_labels_are_refused(label: str) -> None:
    with pytest.raises(ValueError):
        tc_to_frames(label, Fraction(25))


def test_fps_label_spells_rates_as_editors_do() -> None:
    assert [fps_label(r) for r in (NTSC24, Fraction(25), NTSC30, NTSC60, Fraction(48000, 1001),
                                   Fraction(120000, 1001), Fraction(24))] == [
        "23.976", "25", "29.97", "59.94", "47.952", "119.88", "24"]
    assert fps_label(None) == ""


def test_label_span_and_overlap_in_label_time() -> None:
    video = label_span(tc_to_frames("10:00:00:00", NTSC24), 48, NTSC24)
    sound = label_span(tc_to_frames("10:00:01:00", Fraction(25)), 250, Fraction(25))
    assert overlap(video, sound) == 1 and overlap(video, (sound[1], sound[1] + 1)) == 0
    assert label_span(10, -5, Fraction(25)) == (Fraction(10, 25), Fraction(10, 25))


def test_fraction_of_pyav_like_rates() -> None:
    class Rational:
        def __init__(self, num: object, den: object) -> None:
            self.numerator, self.denominator = num, den

    assert fraction_of(Rational(24000, 1001)) == NTSC24 and fraction_of(Fraction(25)) == 25
    assert fraction_of(None) is None and fraction_of(Rational(0, 0)) is None and fraction_of(3.5) is None
    assert fraction_of(Rational("x", 1)) is None and fraction_of(object()) is None


def test_end_and_duration_labels_end_exclusive_past_midnight_and_drop_frame() -> None:
    # non-drop counts on past midnight so start + duration = end holds (an ALE reader adds them)
    assert end_and_duration("23:59:59:00", 100, NTSC24) == ("24:00:03:04", "00:00:04:04")
    assert end_and_duration("10:00:00:00", 100, Fraction(25)) == ("10:00:04:00", "00:00:04:00")
    # a drop-frame start gives drop-frame labels: 01:00:59;28 + 100 frames skips ;00 and ;01 of minute 1
    assert end_and_duration("01:00:59;28", 100, NTSC30) == ("01:01:03;10", "00:00:03;10")
    assert end_and_duration("23:59:59;28", 4, NTSC30)[0] == "00:00:00;02"  # drop-frame wraps like the clock
    assert end_and_duration(None, 10, NTSC24) == (None, None)
    assert end_and_duration("01:00:00:00", None, NTSC24) == (None, None)
    assert end_and_duration("01:00:00:00", 10, None) == (None, None)
    assert end_and_duration("not a tc", 10, NTSC24) == (None, None)


def test_fps_ratio_is_exact() -> None:
    assert fps_ratio(NTSC24) == "24000/1001" and fps_ratio(Fraction(25)) == "25/1" and fps_ratio(None) is None
