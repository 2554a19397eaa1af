"""The production tokens of the folder template ({production} {unit} {dit} {shootday}): expanded by
engine.plan.render_template, filled from the production settings (services.settings), and a typed value that
would make a hostile path is refused, never quietly changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pixm_desktop.core.errors import UsageError
from pixm_desktop.engine.plan import TEMPLATE_TOKENS, render_template
from pixm_desktop.services import show
from pixm_desktop.services.settings import (
    DestinationSetting,
    OffloadSettings,
    build_request,
    preview_path,
    production_defaults,
    production_tokens,
    shoot_day_number,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "show-profile.json"

DAY = dt.date(2026, 12, 1)


def test_the_new_tokens_expand():
    assert {"production", "unit", "dit", "shootday"} <= set(TEMPLATE_TOKENS)
    rel = render_template("{production}/{unit}/Day{shootday}/{dit}/{card}",
                          {"production": "Big Film", "unit": "Main", "shootday": "07", "dit": "Ana", "card": "A001"})
    assert rel == Path("Big Film/Main/Day07/Ana/A001")


@pytest.mark.parametrize("value", ["../x", "..", ".", "a/b", "a\\b", "evil\x00", "tab\there", "new\nline", "\x7f"])
@pytest.mark.parametrize("token", ["production", "unit", "dit", "shootday"])
def test_a_hostile_value_is_refused(token, value):
    with pytest.raises(UsageError, match=f"{{{token}}} cannot be"):
        render_template(f"{{{token}}}/{{card}}", {token: value, "card": "A001"})


def test_a_hostile_value_of_a_token_the_template_does_not_use_is_not_in_the_way():
    assert render_template("{card}", {"production": "../x", "card": "A001"}) == Path("A001")


def test_odd_but_harmless_values_are_kept_or_made_safe():
    assert render_template("{production}", {"production": "Part..2: the return"}) == Path("Part..2_ the return")


def test_shoot_day_counted_from_day_one_or_set():
    s = OffloadSettings(day_one="2026-11-24")
    assert shoot_day_number(s, DAY) == 8 and shoot_day_number(s, dt.date(2026, 11, 24)) == 1
    assert shoot_day_number(s, dt.date(2026, 11, 1)) is None  # before day one
    assert shoot_day_number(OffloadSettings(day_one="24/11"), DAY) is None
    assert shoot_day_number(OffloadSettings(day_one="2026-11-24", shoot_day=3), DAY) == 3
    assert shoot_day_number(OffloadSettings(), DAY) is None


def test_tokens_and_request_from_the_settings(tmp_path):
    s = OffloadSettings(production="Big Film", unit="Splinter", dit="Ana Lopez", day_one="2026-11-30",
                        destinations=[])
    cat = tmp_path / "catalog.sqlite"
    assert production_tokens(s, DAY, cat) == {"production": "Big Film", "unit": "Splinter", "dit": "Ana Lopez",
                                              "shootday": "02"}
    path, problem = preview_path("{production}/Day{shootday}/{card}", "/media/SHUTTLE1", project="P", day=DAY,
                                 tokens=production_tokens(s, DAY, cat))
    assert problem is None and path == "/media/SHUTTLE1/Big Film/Day02/A001R1AB"
    s.destinations = [DestinationSetting(str(tmp_path))]
    req = build_request(s, tmp_path / "A001", DAY, cat)
    assert req.author == "Ana Lopez" and req.tokens["production"] == "Big Film"
    s.production = "../../etc"
    with pytest.raises(UsageError, match="{production} cannot be"):
        build_request(s, tmp_path / "A001", DAY, cat)
    _, problem = preview_path("{production}/{card}", "/media/X", project="P", day=DAY,
                              tokens={"production": "../../etc"})
    assert "cannot be" in problem


def test_defaults_come_from_the_installed_show_profile(tmp_path):
    cat = tmp_path / "catalog.sqlite"
    assert production_defaults(OffloadSettings(), cat).production == ""
    show.import_profile(EXAMPLE, cat)
    p = show.current_profile(cat).production
    got = production_defaults(OffloadSettings(dit="Ana"), cat)
    assert got.production == p.name and got.company == (p.company or "") and got.dit == "Ana"
    assert got.unit == p.units[0].name and got.production
    typed = production_defaults(OffloadSettings(production="Other", unit="2nd"), cat)
    assert (typed.production, typed.unit) == ("Other", "2nd")


def test_pixm_offload_fills_the_production_tokens(tmp_path, monkeypatch):
    from support.cards import make_card
    from support.cli import cli

    monkeypatch.setenv("PIXM_CATALOG", str(tmp_path / "catalog.sqlite"))
    dest = tmp_path / "RAID-A"
    dest.mkdir()
    card = make_card(tmp_path / "cards", "arri", clips=1)
    run = cli("offload", card.root, "--dest", dest, "--day", "2026-11-23", "--no-clips", "--no-report",
              "--template", "{production}/{unit}/{shootday}/{card}", "--production", "Big Film",
              "--unit", "Splinter", "--shoot-day", "7")
    assert run.code == 0, run.text
    assert (dest / "Big Film" / "Splinter" / "07" / card.root.name / "ascmhl").is_dir()
    hostile = cli("offload", card.root, "--dest", dest, "--no-clips", "--no-report",
                  "--template", "{production}/{card}", "--production", "../../etc")
    assert hostile.code == 2 and "production" in hostile.text  # refused, never a path out of the destination


def test_the_automatic_offload_report_carries_the_production(tmp_path, monkeypatch):
    # what follows a verified offload (window and CLI alike) writes the report with the production's header
    from pypdf import PdfReader

    from support.cards import make_card
    from support.cli import cli

    monkeypatch.setenv("PIXM_CATALOG", str(tmp_path / "catalog.sqlite"))
    dest = tmp_path / "RAID-A"
    dest.mkdir()
    card = make_card(tmp_path / "cards", "arri", clips=1)
    run = cli("offload", card.root, "--dest", dest, "--day", "2026-11-23", "--no-clips",
              "--production", "Big Film", "--unit", "Splinter", "--author", "Dana DIT")
    assert run.code == 0, run.text
    [report] = (tmp_path / "reports").glob("*.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(report).pages)
    assert "Big Film" in text and "Splinter" in text and "Dana DIT" in text
