"""The Dailies page (issue 13) in the real window (offscreen Qt) on a real shoot (ARRI card A001, four ProRes
clips, offloaded and ingested): presets and scopes, a preview frame that follows the CDL, the OpenColorIO look
and the burn-ins, and Render: a dailies job in a child process whose per-clip rows reach done."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtGui import QImage, QKeySequence

from pixm_desktop.core.resources import resource_path
from pixm_desktop.core.states import JobKind
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.store.models import Clip, Job
from support.clips_shoot import DAY, FPS

pytest_plugins = ["support.gui", "support.clips_shoot"]  # cart, no_thread_leaks, shoot
WAIT = 60_000  # ms
RENDER_WAIT = 180_000  # ms: a child process renders four clips on a loaded machine


def _small_preset(tmp_path, monkeypatch) -> str:
    """A 320×180 H.264 user preset (quick to render); the job's child process inherits the config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "pixm" / "dailies-presets"
    folder.mkdir(parents=True)
    data = json.loads(resource_path("dailies-presets", "h264-review-mp4.json").read_text())
    data.update(name="small-review", description="320×180 review copy",
                video={**data["video"], "width": 320, "height": 180})
    (folder / "small-review.json").write_text(json.dumps(data))
    return "small-review"


def _open(cart, qtbot, preset: str | None = None):
    win = cart.window()
    win.show_page("dailies")
    page = win.dailies_page
    qtbot.waitUntil(lambda: page.preset_list.count() > 0 and page.preview_clip.count() == 4, timeout=WAIT)
    if preset is not None:
        names = [page.preset_list.item(r).data(0x0100) for r in range(page.preset_list.count())]
        page.preset_list.setCurrentRow(names.index(preset))
    return win, page


def _next_preview(qtbot, page, change=None) -> np.ndarray:
    """Apply ``change`` and wait for the preview it makes; the frame as an H×W×3 array."""
    before = page.previews
    if change is not None:
        change()
    qtbot.waitUntil(lambda: page.previews > before and page._preview_task is None, timeout=WAIT)
    assert page.preview_error == "", page.preview_error
    img = page.preview_image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())
    return rows[:, :3 * w].reshape(h, w, 3).copy()  # the QImage goes away with this function


def test_the_page_is_in_the_navigation_with_its_shortcut(cart, qtbot, shoot):
    win = cart.window()
    action = next(a for a in win.findChildren(type(win.action_offload)) if a.text() == "&Dailies")
    assert action.shortcut() == QKeySequence("Ctrl+8")
    action.trigger()
    assert win.current_page() == "dailies"
    page = win.dailies_page
    qtbot.waitUntil(lambda: page.preset_list.count() >= 5 and page.scope_value.count() == 1, timeout=WAIT)
    assert page.scope_value.currentText() == DAY.isoformat()
    page.scope_kind.setCurrentIndex(1)  # Card
    assert page.scope_value.currentText().startswith("A001")
    assert page.preset_name() == "h264-review-mp4"  # the default: a review copy


def test_preview_follows_the_cdl_the_ocio_look_and_the_burn_ins(cart, qtbot, shoot, tmp_path, monkeypatch):
    preset = _small_preset(tmp_path, monkeypatch)
    win, page = _open(cart, qtbot, preset)
    plain = _next_preview(qtbot, page, page.request_preview)
    assert plain.shape == (180, 320, 3) and plain.mean() > 20

    cdl = tmp_path / "dark.cc"
    cdl.write_text('<ColorCorrection id="x"><SOPNode><Slope>0.5 0.5 0.5</Slope><Offset>0 0 0</Offset>'
                   "<Power>1 1 1</Power></SOPNode></ColorCorrection>")
    darker = _next_preview(qtbot, page, lambda: (page.cdl_path.setText(str(cdl)), page.changed()))
    bright = plain > 100
    assert bright.sum() > 1000
    assert abs(np.median(darker[bright] / plain[bright]) - 0.5) < 0.03  # slope 0.5 (video levels, ASC clamp)

    page.cdl_path.clear()
    looked = _next_preview(qtbot, page, lambda: page.set_ocio_config("ocio://studio-config-latest"))
    assert page.colour_space.count() > 20 and page.look_name.findText("ACES 2.0 - SDR 100 nits (Rec.709)") > 0
    assert np.abs(looked.astype(int) - plain).mean() > 2  # LogC3 (the ARRI card) → ACES SDR view
    page.set_ocio_config("")

    base = _next_preview(qtbot, page, page.request_preview)
    burnt = _next_preview(qtbot, page, lambda: page.field_boxes["tc"].setChecked(True))
    corner = (slice(140, 180), slice(160, 320))  # the timecode sits bottom-right
    assert np.abs(burnt[corner].astype(int) - base[corner]).max() > 100
    with shoot.session() as s:  # the middle frame (12 of 24) and its own timecode, as burnt in
        start = s.get(Clip, page.preview_clip.currentData()).start_tc
    tc = frames_to_tc(tc_to_frames(start, FPS) + 12, FPS)
    assert page.preview_status.text().split(" · ")[1:3] == ["frame 13", tc]
    moved = _next_preview(qtbot, page, lambda: page.field_places["tc"].setCurrentText("top-left"))
    assert np.abs(moved[corner].astype(int) - base[corner]).max() < 40  # gone from the corner
    assert np.abs(moved[:40, :160].astype(int) - base[:40, :160]).max() > 100
    assert json.loads(page.options().burn_in_layout)["positions"] == {"tc": "top-left"}


def test_render_queues_a_job_whose_clips_reach_done(cart, qtbot, shoot, tmp_path, monkeypatch):
    preset = _small_preset(tmp_path, monkeypatch)
    win, page = _open(cart, qtbot, preset)
    out = tmp_path / "dailies"
    page.folder.setText(str(out))
    page.field_boxes["tc"].setChecked(True)
    assert set(page.clip_states().values()) == {"pending"} and len(page.clip_states()) == 4
    with qtbot.waitSignal(page.rendered, timeout=RENDER_WAIT) as blocker:
        page.render_button.click()
        assert page.running and not page.render_button.isEnabled()
    result = blocker.args[0]
    assert not isinstance(result, BaseException), result
    assert len(result.rendered) == 4 and not result.failed
    assert set(page.clip_states().values()) == {"done"}
    assert len(list((out / preset).glob("*.mp4"))) == 4
    with shoot.session() as s:
        assert s.query(Job).filter_by(kind=JobKind.DAILIES.value).count() == 1  # through the job layer

    with qtbot.waitSignal(page.rendered, timeout=RENDER_WAIT):  # again: nothing changed
        page.render_button.click()
    assert set(page.clip_states().values()) == {"current already"}
    assert any("Dailies rendered" in title for title, _t, _k in win.notifications)
