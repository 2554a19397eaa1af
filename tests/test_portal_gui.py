"""The window's Portal page (issue 18): Start serves the portal on the cart, Invite shows the link and its QR
code, a browser that opens the link is listed as connected, and a take circled and commented in the browser
reaches the Logger page with the viewer's name (the page polls, the clip pages reload)."""

from __future__ import annotations

import re

import httpx
from PySide6.QtCore import Qt

from pixm_desktop.gui.pages.logger import LOG_COLUMNS
from support.clips_shoot import WAIT

pytest_plugins = ["support.gui", "support.clips_shoot"]


def test_the_portal_page_serves_invites_lists_viewers_and_the_logger_shows_their_calls(cart, qtbot, shoot):
    win = cart.window()
    win.show_page("portal")
    page = win.portal_page
    page.host.setCurrentIndex(page.host.findData("127.0.0.1"))
    page.port.setValue(0)  # any free port
    page.timer.setInterval(100)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.server is not None, timeout=WAIT)
    assert page.address.text().startswith(f"Serving on http://127.0.0.1:{page.server.port}")
    page.name.setText("Ana Director")
    page.role.setCurrentIndex(page.role.findData("director"))
    qtbot.mouseClick(page.invite_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.link.text().startswith(page.server.url + "/r/"), timeout=WAIT)
    assert not page.qr.pixmap().isNull() and page.qr.toolTip() == page.link.text()

    with httpx.Client(follow_redirects=True) as browser:
        assert browser.get(page.link.text()).status_code == 200
        qtbot.waitUntil(lambda: page.connected.count() == 1, timeout=WAIT)
        assert page.connected.item(0).text().startswith("Ana Director (director) — 127.0.0.1")
        win.show_page("log")
        logger = win.logger_page
        qtbot.waitUntil(lambda: logger.model.total > 0 and logger.model.row(0) is not None, timeout=WAIT)
        clip = logger.model.row(0)
        html = browser.get(f"{page.server.url}/clip/{clip.id}").text
        csrf = {"X-CSRF-Token": re.search(r'name="csrf" content="(\w+)"', html).group(1)}
        assert browser.post(f"{page.server.url}/api/clip/{clip.id}/circle", json={"on": True}, headers=csrf).is_success
        assert browser.post(f"{page.server.url}/api/clip/{clip.id}/comment", json={"text": "lovely", "frame_in": 2},
                            headers=csrf).is_success
    col = LOG_COLUMNS.index("circled")
    qtbot.waitUntil(lambda: logger.model.index(0, col).data() == "◯ circled", timeout=WAIT)
    logger.table.setCurrentIndex(logger.model.index(0, LOG_COLUMNS.index("notes")))
    qtbot.waitUntil(lambda: "Ana Director (director)" in logger.review.text(), timeout=WAIT)
    assert "circle" in logger.review.text() and "lovely" in logger.review.text()

    win.show_page("portal")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)  # Stop
    assert page.server is None and page.address.text() == "Stopped"
