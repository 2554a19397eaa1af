"""Settings → Production: production, company, DIT, camera unit and shoot-day numbering, saved in the
settings, defaulting from the installed show profile, refused when a value cannot be a folder name, and used
by the reports (DIT instead of the OS login) and the folder template tokens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate

from pixm_desktop.gui.pages.reports import Selection, write_pdf
from pixm_desktop.services import show
from pixm_desktop.services.settings import build_request, production_defaults

pytest_plugins = ["support.gui"]
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "show-profile.json"


def type_field(qtbot, box, key: str, text: str) -> None:
    e = box.edits[key]
    e.clear()
    qtbot.keyClicks(e, text)
    e.editingFinished.emit()


def test_production_fields_are_saved_and_used(cart, qtbot, tmp_path):
    win = cart.window(start=False)
    win.show_page("settings")
    box = win.settings_page.production
    type_field(qtbot, box, "production", "Big Film")
    type_field(qtbot, box, "dit", "Ana Lopez")
    type_field(qtbot, box, "unit", "Splinter")
    s = win.state.settings
    assert (s.production, s.dit, s.unit) == ("Big Film", "Ana Lopez", "Splinter")
    # shoot day counted from day 1
    box.numbering.setCurrentIndex(0)
    box.day_one.setDate(QDate.currentDate().addDays(-6))
    assert s.day_one == (dt.date.today() - dt.timedelta(days=6)).isoformat() and s.shoot_day == 0
    assert "Today is shoot day 7" in box.day_hint.text() and box.day_one.isVisible()
    box.numbering.setCurrentIndex(1)
    box.day_number.setValue(12)
    assert s.shoot_day == 12 and "shoot day 12" in box.day_hint.text() and not box.day_one.isVisible()
    # a hostile value is refused, shown, and not saved
    type_field(qtbot, box, "production", "../../etc")
    assert s.production == "Big Film" and box.problem.isVisible() and "Not saved" in box.problem.text()
    type_field(qtbot, box, "production", "Big Film 2")
    assert s.production == "Big Film 2" and not box.problem.isVisible()
    # used by an offload request: the template tokens and the MHL author
    req = build_request(s, tmp_path / "A001", dt.date.today(), win.state.catalog.path)
    assert req.author == "Ana Lopez"
    assert req.tokens == {"production": "Big Film 2", "unit": "Splinter", "dit": "Ana Lopez", "shootday": "12"}
    # kept for the next start
    win.state.flush()
    cart.close(win)
    again = cart.window(start=False)
    assert again.settings_page.production.edits["dit"].text() == "Ana Lopez"
    assert again.settings_page.production.numbering.currentData() == "set"


def test_empty_fields_show_the_show_profiles_values(cart, qtbot):
    show.import_profile(EXAMPLE, cart.catalog_path)
    p = show.current_profile(cart.catalog_path).production
    win = cart.window(start=False)
    box = win.settings_page.production
    assert box.edits["production"].placeholderText() == f"{p.name} (show profile)"
    assert box.edits["unit"].placeholderText() == f"{p.units[0].name} (show profile)"
    assert box.edits["dit"].placeholderText() == "your name"


def test_the_reports_page_passes_the_production_to_the_report(cart, qtbot, monkeypatch):
    win = cart.window(start=False, production="Big Film", company="Acme", dit="Ana Lopez", unit="Main")
    seen = {}

    def fake_daily(catalog, day, path, *, project=None, options=None):
        seen["options"] = options
    monkeypatch.setattr("pixm_desktop.services.reports.write_daily_report", fake_daily)
    sel = Selection("daily", dt.date.today(), "P",
                    production=production_defaults(win.state.settings, win.state.catalog.path))
    write_pdf(win.state.catalog, sel, Path("/nonexistent.pdf"))
    o = seen["options"]
    assert (o.dit, o.production, o.company, o.unit) == ("Ana Lopez", "Big Film", "Acme", "Main")
