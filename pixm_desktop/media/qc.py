"""Ingest QC rules (issue 12, item 2): the clips of a card checked against the show profile. Pure functions over
plain values (:class:`ClipFacts`, :class:`ReelUse`): no catalog, no files. docs/qc.md describes every rule.

Per clip, against the profile's camera of the clip's letter (``core.show.ShowProfile.camera``): codec (and its
profile when both name one), resolution, frame rate, timecode rate and drop-frame, clip and reel names (the
camera's ``NamingRule``), the sidecars the camera writes beside every clip. Sound takes are checked against
``profile.sound``: sample rate, bit depth, timecode rate, take and roll names. Per card: timecode overlaps and
breaks from one clip to the next (clips in name order, the camera's order), a reel (the EDL tape name) that
another card also carries. Per day: camera vs sound timecode drift (:func:`check_drift`).

One cause gives one finding: a clip at the wrong frame rate is not also reported for its timecode rate (a
video clip's timecode counts at its frame rate), and a clip whose media could not be read gets one
``not_probed`` finding instead of a finding per unknown value. Each :class:`Finding` has its rule, the
severity of :data:`SEVERITY` (the profile schema has no place for severities), what was expected and found,
and a sentence. Timecode labels follow SMPTE ST 12-1 (``core.timecode``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pixm_desktop.core.naming import natural_key
from pixm_desktop.core.show import CameraSpec, ShowProfile, SoundSpec
from pixm_desktop.core.states import ClipKind, ProbeStatus, QcRule, QcSeverity
from pixm_desktop.core.timecode import fps_label, frames_to_tc, label_span, nominal
from pixm_desktop.media.sound_sync import SoundTake, best_takes

E, W = QcSeverity.ERROR, QcSeverity.WARNING
#: The severity of each rule: an error is what the DI cannot fix (wrong rate, codec, a reel twice, a frame lost).
SEVERITY: dict[QcRule, QcSeverity] = {
    QcRule.CAMERA_UNKNOWN: W, QcRule.NOT_PROBED: W, QcRule.CODEC: E, QcRule.RESOLUTION: E, QcRule.FRAME_RATE: E,
    QcRule.TC_RATE: E, QcRule.SAMPLE_RATE: E, QcRule.BIT_DEPTH: W, QcRule.CLIP_NAME: W, QcRule.REEL_NAME: W,
    QcRule.REEL_DUPLICATE: E, QcRule.TC_OVERLAP: E, QcRule.TC_BREAK: W, QcRule.SIDECAR_MISSING: W,
    QcRule.SOUND_DRIFT: W, QcRule.DECODE_ERROR: E,
}
#: Rules of a QC run without the full decode, and the one the decode adds.
METADATA_RULES = frozenset(SEVERITY) - {QcRule.DECODE_ERROR}
DECODE_RULES = frozenset({QcRule.DECODE_ERROR})
#: A picture clip and a sound take that start less than this apart (label seconds) rolled together (a
#: timecode-triggered recorder, a camera's record-run trigger): only such pairs measure drift. Pairs further
#: apart differ by the operators' pre-roll, seconds that would hide a frame of drift.
SYNC_WINDOW = Fraction(1)
MIDNIGHT_GAP = 12 * 3600  # label seconds: a jump back larger than this is timecode passing midnight


@dataclass(frozen=True, slots=True)
class ClipFacts:
    """What QC needs of one clip (catalog columns). ``fps`` is exact and, for sound, the timecode rate;
    ``start_frame`` counts labels since midnight at ``nominal(fps)``; ``frames`` is the length; ``files`` the
    names (no folders) of every file of the clip; ``bit_depth`` only for sound."""

    id: int
    card_id: int
    card_label: str
    name: str
    kind: str = ClipKind.VIDEO
    camera: str | None = None
    tape_name: str | None = None
    reel: str | None = None
    probe_status: str = ProbeStatus.OK
    codec: str | None = None
    codec_profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    frames: int | None = None
    start_frame: int | None = None
    drop_frame: bool = False
    sample_rate: int | None = None
    bit_depth: int | None = None
    files: tuple[str, ...] = ()
    day: dt.date | None = None

    @property
    def is_sound(self) -> bool:
        return self.kind == ClipKind.AUDIO

    @property
    def reel_name(self) -> str | None:
        """The EDL reel the clip carries: its tape name, else its reel."""
        return self.tape_name or self.reel

    @property
    def timed(self) -> bool:
        return self.start_frame is not None and self.frames is not None and self.fps is not None

    def span(self) -> tuple[Fraction, Fraction]:
        """``[start, end)`` in label seconds since midnight (only for a :attr:`timed` clip)."""
        return label_span(self.start_frame, self.frames, self.fps)

    def tc(self, frame: int) -> str:
        return frames_to_tc(frame, self.fps, drop_frame=self.drop_frame)


@dataclass(frozen=True, slots=True)
class ReelUse:
    """One card that carries a reel (tape) name: ``(reel, card id, card label, shoot day)``."""

    reel: str
    card_id: int
    card_label: str
    day: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One QC finding: the ``rule`` broken, its ``severity``, the card and clip (``clip_id`` ``None`` for a
    finding about the card), ``subject`` (the clip's name or the card's label), ``expected`` and ``found`` in
    words, ``message`` (a sentence), ``frame`` (the frame number in the clip, decode errors only)."""

    rule: QcRule
    severity: QcSeverity
    card_id: int
    clip_id: int | None
    subject: str
    expected: str
    found: str
    message: str
    frame: int | None = None

    @property
    def fingerprint(self) -> str:
        """Identity of the finding across runs (rule, card, subject, expected, found, frame): a re-run that
        finds the same keeps its acknowledgement."""
        text = "\x1f".join(str(v) for v in (self.rule.value, self.card_id, self.subject, self.expected,
                                                self.found, self.frame))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finding(rule: QcRule, clip: ClipFacts | None, card: tuple[int, str], expected: str, found: str, message: str,
            frame: int | None = None) -> Finding:
    """A :class:`Finding` of ``rule`` with its severity from :data:`SEVERITY`, about ``clip`` (``None``: about
    the card ``(id, label)``)."""
    subject = clip.name if clip is not None else card[1]
    return Finding(rule, SEVERITY[rule], card[0], clip.id if clip is not None else None, subject, expected, found,
                   message, frame)


# ------------------------------------------------------------------------------------------------ per clip


def check_clip(clip: ClipFacts, profile: ShowProfile) -> list[Finding]:
    """Findings of one clip against its camera (or the sound spec). A clip of a camera letter the profile does
    not have is left to :func:`check_card` (one finding per card)."""
    if clip.probe_status == ProbeStatus.FAILED:
        return [finding(QcRule.NOT_PROBED, clip, _card(clip), "readable media", "unreadable",
                        f"{clip.name}: its media could not be read, so it was not checked against the profile")]
    if clip.is_sound:
        return _check_sound(clip, profile.sound)
    spec = profile.camera(clip.camera) if clip.camera else None
    if spec is None:
        return []
    return [*_check_essence(clip, spec), *_check_names(clip, spec.naming.clip_ok, spec.naming.reel_ok,
                                                       f"camera {spec.letter}"),
            *_check_sidecars(clip, spec)]


def _card(clip: ClipFacts) -> tuple[int, str]:
    return clip.card_id, clip.card_label


def _check_essence(clip: ClipFacts, spec: CameraSpec) -> list[Finding]:
    out = []
    cam = f"camera {spec.letter}"
    if clip.codec and (clip.codec.lower() != spec.codec.lower() or _profile_differs(clip, spec)):
        want, got = _codec_text(spec.codec, spec.codec_profile), _codec_text(clip.codec, clip.codec_profile)
        out.append(finding(QcRule.CODEC, clip, _card(clip), want, got,
                           f"{clip.name} is {got}; {cam} of the show records {want}"))
    if clip.width and clip.height and (clip.width, clip.height) != (spec.resolution.width, spec.resolution.height):
        got = f"{clip.width}×{clip.height}"
        out.append(finding(QcRule.RESOLUTION, clip, _card(clip), str(spec.resolution), got,
                           f"{clip.name} is {got} pixels; {cam} of the show records {spec.resolution}"))
    if clip.fps is not None and clip.fps != spec.frame_rate:
        want, got = _rate(spec.frame_rate), _rate(clip.fps)
        out.append(finding(QcRule.FRAME_RATE, clip, _card(clip), want, got,
                           f"{clip.name} runs at {got}; the show shoots {want} on {cam}"))
    elif clip.fps is not None and (nominal(clip.fps) != nominal(spec.timecode.rate)
                                   or (clip.start_frame is not None and clip.drop_frame != spec.timecode.drop_frame)):
        out.append(_tc_rate_finding(clip, spec.timecode.rate, spec.timecode.drop_frame, clip.fps, cam))
    return out


def _profile_differs(clip: ClipFacts, spec: CameraSpec) -> bool:
    return bool(spec.codec_profile and clip.codec_profile
                and spec.codec_profile.replace(" ", "").lower() != clip.codec_profile.replace(" ", "").lower())


def _codec_text(codec: str, profile: str | None) -> str:
    return f"{codec} {profile}" if profile else codec


def _rate(rate: Fraction) -> str:
    """``23.976 fps (24000/1001)`` · ``25 fps``."""
    exact = f" ({rate.numerator}/{rate.denominator})" if rate.denominator != 1 else ""
    return f"{fps_label(rate)} fps{exact}"


def _tc_text(rate: Fraction, drop: bool) -> str:
    return f"{fps_label(rate)} {'drop-frame' if drop else 'non-drop'}"


def _tc_rate_finding(clip: ClipFacts, want_rate: Fraction, want_drop: bool, rate: Fraction, who: str) -> Finding:
    want, got = _tc_text(want_rate, want_drop), _tc_text(rate, clip.drop_frame)
    return finding(QcRule.TC_RATE, clip, _card(clip), f"timecode {want}", f"timecode {got}",
                   f"{clip.name} has {got} timecode; {who} of the show writes {want}")


def _check_names(clip: ClipFacts, clip_ok, reel_ok, who: str) -> list[Finding]:
    out = []
    if not clip_ok(clip.name):
        out.append(finding(QcRule.CLIP_NAME, clip, _card(clip), f"a {who} clip name", clip.name,
                           f"clip name {clip.name} does not follow the naming rule of {who}"))
    reel = clip.reel_name
    if reel and not reel_ok(reel):
        out.append(finding(QcRule.REEL_NAME, clip, _card(clip), f"a {who} reel name", reel,
                           f"{clip.name}: reel {reel} does not follow the naming rule of {who}"))
    return out


def _check_sidecars(clip: ClipFacts, spec: CameraSpec) -> list[Finding]:
    names = [f.upper() for f in clip.files]
    out = []
    for ending in spec.sidecars:
        if not any(n.endswith(ending.upper()) for n in names):
            out.append(finding(QcRule.SIDECAR_MISSING, clip, _card(clip), f"a file ending {ending}", "none",
                               f"{clip.name} has no {ending} beside it (camera {spec.letter} writes one per clip)"))
    return out


def _check_sound(clip: ClipFacts, spec: SoundSpec) -> list[Finding]:
    out = []
    if clip.sample_rate and clip.sample_rate != spec.sample_rate:
        out.append(finding(QcRule.SAMPLE_RATE, clip, _card(clip), f"{spec.sample_rate} Hz", f"{clip.sample_rate} Hz",
                           f"sound take {clip.name} is {clip.sample_rate} Hz; the show records {spec.sample_rate} Hz"))
    if clip.bit_depth and clip.bit_depth != spec.bit_depth:
        out.append(finding(QcRule.BIT_DEPTH, clip, _card(clip), f"{spec.bit_depth}-bit", f"{clip.bit_depth}-bit",
                           f"sound take {clip.name} is {clip.bit_depth}-bit; the show records {spec.bit_depth}-bit"))
    tc = spec.timecode
    if clip.fps is not None and (clip.fps != tc.rate or clip.drop_frame != tc.drop_frame):
        out.append(_tc_rate_finding(clip, tc.rate, tc.drop_frame, clip.fps, "the sound recorder"))
    out += _check_names(clip, spec.roll_naming.clip_ok, spec.roll_naming.reel_ok, "sound")
    return out


# ------------------------------------------------------------------------------------------------ per card


def check_card(clips: Sequence[ClipFacts], profile: ShowProfile, reels: Iterable[ReelUse]) -> list[Finding]:
    """Every finding of one card's clips but drift: each clip (:func:`check_clip`), an unknown camera (once),
    timecode overlaps and breaks (:func:`check_timecode`), reels carried by other cards (:func:`check_reels`)."""
    out: list[Finding] = []
    unknown: set[str] = set()
    for clip in clips:
        if not clip.is_sound and clip.probe_status != ProbeStatus.FAILED and profile.camera(clip.camera or "") is None:
            letter = clip.camera or "?"
            if letter not in unknown:
                unknown.add(letter)
                known = ", ".join(sorted({c.letter for c in profile.cameras}))
                out.append(finding(QcRule.CAMERA_UNKNOWN, None, _card(clip), f"a camera of the show ({known})",
                                   f"camera {letter}", f"card {clip.card_label} is from camera {letter}, which the "
                                   f"show profile does not have: its clips were not checked"))
            continue
        out += check_clip(clip, profile)
    return out + check_timecode(clips) + check_reels(clips, reels)


def check_timecode(clips: Sequence[ClipFacts]) -> list[Finding]:
    """Overlaps and breaks from one clip to the next on one card, clips in name order (the camera's count).
    A clip that starts before the previous one ends but not before it starts overlaps it; one that starts
    before the previous one starts is a break (timecode went backwards), unless the jump is more than 12 h
    (timecode passing midnight). Sound takes and pictures are compared among their own kind."""
    out = []
    for sound in (False, True):
        timed = sorted((c for c in clips if c.timed and c.is_sound == sound), key=lambda c: natural_key(c.name))
        for prev, clip in zip(timed, timed[1:], strict=False):
            out += _tc_step(prev, clip)
    return out


def _tc_step(prev: ClipFacts, clip: ClipFacts) -> list[Finding]:
    (p0, p1), (c0, _c1) = prev.span(), clip.span()
    base = nominal(prev.fps)
    end_tc = frames_to_tc(prev.start_frame + prev.frames, prev.fps, drop_frame=prev.drop_frame)
    start_tc = clip.tc(clip.start_frame)
    if c0 < p0 and p0 - c0 < MIDNIGHT_GAP:
        back = round((p0 - c0) * base)
        return [finding(QcRule.TC_BREAK, clip, _card(clip), f"starts after {prev.tc(prev.start_frame)}",
                        f"starts at {start_tc}",
                        f"timecode breaks: {clip.name} starts at {start_tc}, {back} frames before the start of "
                        f"{prev.name} ({prev.tc(prev.start_frame)}) recorded before it")]
    if p0 <= c0 < p1:
        over = round((p1 - c0) * base)
        return [finding(QcRule.TC_OVERLAP, clip, _card(clip), f"starts at or after {end_tc}", f"starts at {start_tc}",
                        f"timecode overlaps: {clip.name} starts at {start_tc}, {over} frames before {prev.name} "
                        f"ends ({end_tc})")]
    return []


def check_reels(clips: Sequence[ClipFacts], reels: Iterable[ReelUse]) -> list[Finding]:
    """A reel (tape) name of this card's clips that another card also carries, once per reel and other card:
    an EDL names a reel, so two cards under one reel name cannot be told apart at the conform."""
    mine = {c.reel_name: c for c in clips if c.reel_name}
    if not mine:
        return []
    card = _card(clips[0])
    out = []
    seen: set[tuple[str, int]] = set()
    for use in sorted(reels, key=lambda u: (u.reel, u.card_id)):
        if use.reel not in mine or use.card_id == card[0] or (use.reel, use.card_id) in seen:
            continue
        seen.add((use.reel, use.card_id))
        other = f"card {use.card_label} (#{use.card_id}{', ' + use.day.isoformat() if use.day else ''})"
        out.append(finding(QcRule.REEL_DUPLICATE, None, card, f"reel {use.reel} on this card only",
                           f"reel {use.reel} also on {other}",
                           f"reel {use.reel} is on card {card[1]} (#{card[0]}) and on {other}: "
                           "every reel name must be unique across the show"))
    return out


# ------------------------------------------------------------------------------------------------ per day


@dataclass(frozen=True, slots=True)
class SyncPair:
    """A picture clip and the sound take that rolled with it; ``offset``: sound start − picture start (label
    seconds)."""

    picture: ClipFacts
    sound: ClipFacts
    offset: Fraction


def sync_pairs(clips: Sequence[ClipFacts]) -> list[SyncPair]:
    """Picture clips of a day matched to the sound take that overlaps them most
    (``media.sound_sync.best_takes``), kept when they started within :data:`SYNC_WINDOW`; by picture start."""
    sounds = {c.id: c for c in clips if c.is_sound and c.timed}
    pictures = {c.id: c for c in clips if not c.is_sound and c.timed}
    # every take may pair (best_takes passes over takes without a slate, which matter for drift all the same)
    takes = [SoundTake(c.span(), c.name, c.name, str(i)) for i, c in sounds.items()]
    matched = best_takes(((i, c.span()) for i, c in pictures.items()), takes)
    pairs = []
    for pic_id, take in matched.items():
        pic, snd = pictures[pic_id], sounds[int(take.file)]
        offset = snd.span()[0] - pic.span()[0]
        if abs(offset) < SYNC_WINDOW:
            pairs.append(SyncPair(pic, snd, offset))
    return sorted(pairs, key=lambda p: p.picture.span()[0])


def check_drift(clips: Sequence[ClipFacts], card_ids: Iterable[int] | None = None) -> list[Finding]:
    """Camera vs sound timecode drift over one day's ``clips`` (pictures and sound takes): per camera letter,
    the first pair of :func:`sync_pairs` is the reference; a later pair whose offset differs from it has drifted
    by that much. One finding per card of ``card_ids`` (default: every card), on its pair that drifted most,
    when that is at least a frame beyond the label rounding (none when both count the same nominal rate, one
    frame of the coarser when they do not)."""
    wanted = None if card_ids is None else set(card_ids)
    by_camera: dict[str | None, list[SyncPair]] = {}
    for pair in sync_pairs(clips):
        by_camera.setdefault(pair.picture.camera, []).append(pair)
    out = []
    for pairs in by_camera.values():
        ref = pairs[0]
        worst: dict[int, tuple[Fraction, SyncPair]] = {}
        for pair in pairs[1:]:
            drift = pair.offset - ref.offset
            card = pair.picture.card_id
            if (wanted is None or card in wanted) and abs(drift) > abs(worst.get(card, (0, None))[0]):
                worst[card] = (drift, pair)
        for drift, pair in worst.values():
            if f := _drift_finding(ref, pair, drift):
                out.append(f)
    return out


def _drift_finding(ref: SyncPair, pair: SyncPair, drift: Fraction) -> Finding | None:
    pic, snd = pair.picture, pair.sound
    pbase, sbase = nominal(pic.fps), nominal(snd.fps)
    tolerance = Fraction(0) if pbase == sbase else Fraction(1, min(pbase, sbase))
    frames = round(abs(drift) * pbase)
    if abs(drift) <= tolerance or frames < 1:
        return None
    way = "late" if drift > 0 else "early"
    ref_tc, tc = ref.picture.tc(ref.picture.start_frame), pic.tc(pic.start_frame)
    return finding(QcRule.SOUND_DRIFT, pic, _card(pic), "sound in sync with picture all day",
                   f"sound {frames} frame{'s' if frames > 1 else ''} {way}",
                   f"sound drifts from picture: take {snd.name} is {frames} frame{'s' if frames > 1 else ''} {way} "
                   f"against {pic.name} ({tc}) compared with {ref.sound.name} against {ref.picture.name} ({ref_tc}); "
                   "jam-sync the camera and the recorder again")


# ------------------------------------------------------------------------------------------------ decode


@dataclass(frozen=True, slots=True)
class DecodeProblem:
    """A frame of a clip that did not decode: ``frame`` (0-based, in presentation order) and why."""

    frame: int
    reason: str


def decode_findings(clip: ClipFacts, problems: Sequence[DecodeProblem]) -> list[Finding]:
    """One ``decode_error`` finding per frame that did not decode (see ``media.qc_decode``)."""
    return [finding(QcRule.DECODE_ERROR, clip, _card(clip), f"frame {p.frame} decodes", p.reason,
                    f"{clip.name}: frame {p.frame} ({clip.tc(clip.start_frame + p.frame) if clip.timed else 'no TC'})"
                    f" does not decode: {p.reason}", frame=p.frame)
            for p in problems]


def qc_cards(profile: ShowProfile, cards: dict[int, Sequence[ClipFacts]], reels: Iterable[ReelUse],
             days: dict[dt.date, Sequence[ClipFacts]]) -> list[Finding]:
    """Every metadata finding of ``cards`` (``{card id: its clips}``): :func:`check_card` for each, then
    :func:`check_drift` over each day's clips in ``days`` for the cards asked."""
    reel_list = list(reels)
    out: list[Finding] = []
    for clips in cards.values():
        out += check_card(clips, profile, reel_list)
    for day_clips in days.values():
        out += check_drift(day_clips, cards.keys())
    return out


__all__ = ["DECODE_RULES", "METADATA_RULES", "SEVERITY", "SYNC_WINDOW", "ClipFacts", "DecodeProblem", "Finding",
           "ReelUse", "SyncPair", "check_card", "check_clip", "check_drift", "check_reels", "check_timecode",
           "decode_findings", "finding", "qc_cards", "sync_pairs"]
