"""Sound-slate matching (media.sound_sync): which sound take a picture clip was shot with, by timecode overlap,
and the sound roll a report names. Pure functions over plain values: no catalog, no files."""

from __future__ import annotations

from fractions import Fraction

from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.media.sound_sync import SoundTake, best_takes, clip_sound_roll, clip_span, sound_roll

NTSC24 = Fraction(24000, 1001)


def _span(tc: str, seconds: int, fps: Fraction = Fraction(24)) -> tuple[Fraction, Fraction]:
    base = round(fps)
    return clip_span(tc_to_frames(tc, fps), seconds * base, fps.numerator, fps.denominator)


def _take(tc: str, seconds: int, scene: str | None, take: str | None, file: str,
          fps: Fraction = Fraction(24)) -> SoundTake:
    return SoundTake(_span(tc, seconds, fps), scene, take, file)


def test_the_take_overlapping_most_wins() -> None:
    short = _take("10:00:00:00", 20, "12", "1", "T001.WAV")
    long = _take("10:00:15:00", 60, "12", "2", "T002.WAV")
    matched = best_takes([("C001", _span("10:00:10:00", 30))], [short, long])  # 10 s with T001, 25 s with T002
    assert matched == {"C001": long}


def test_picture_at_23976_meets_sound_at_24_in_label_time() -> None:
    take = _take("14:30:00:00", 30, "7", "3", "T010.WAV", fps=Fraction(24))
    picture = _span("14:30:05:12", 10, NTSC24)
    assert best_takes([(1, picture)], [take]) == {1: take}


def test_no_overlap_no_slate_and_unslated_takes_are_passed_over() -> None:
    take = _take("09:00:00:00", 10, "1", "1", "A.WAV")
    unslated = _take("11:00:00:00", 60, None, None, "B.WAV")
    assert best_takes([("late", _span("11:00:10:00", 5))], [take, unslated]) == {}
    assert best_takes([("x", _span("09:00:00:00", 5))], []) == {}
    touching = _span("09:00:10:00", 5)  # starts the frame the take ends: [start, end) do not meet
    assert best_takes([("edge", touching)], [take]) == {}


def test_a_long_take_that_started_long_before_still_matches() -> None:
    long = _take("08:00:00:00", 3600, "1", "1", "LONG.WAV")  # an hour-long room tone
    later = _take("08:50:00:00", 5, "2", "1", "SHORT.WAV")
    matched = best_takes([("a", _span("08:30:00:00", 10)), ("b", _span("08:50:00:00", 5))], [later, long])
    assert matched["a"] is long
    assert matched["b"] is long  # equal overlap (5 s each): a tie goes to the take that starts first


def test_sound_rolls() -> None:
    assert sound_roll("ROLL7", "R01", "SOUND_A") == "ROLL7"
    assert sound_roll(None, "R01", "SOUND_A") == "R01"
    assert sound_roll(None, None, "SOUND_A") == "SOUND_A"
    rolls = {"T001.WAV": "ROLL7"}
    assert clip_sound_roll(is_sound=True, tape="ROLL8", reel="R", slated_from=None, day_rolls=rolls) == "ROLL8"
    assert clip_sound_roll(is_sound=True, tape=None, reel="R", slated_from=None, day_rolls=rolls) == "R"
    assert clip_sound_roll(is_sound=False, tape="A001", reel="A001", slated_from="T001.WAV",
                           day_rolls=rolls) == "ROLL7"
    assert clip_sound_roll(is_sound=False, tape="A001", reel="A001", slated_from=None, day_rolls=rolls) is None
    assert clip_sound_roll(is_sound=False, tape=None, reel=None, slated_from="GONE.WAV", day_rolls=rolls) is None
