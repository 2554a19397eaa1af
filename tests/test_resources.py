"""The shipped resources are found through importlib.resources (a checkout, a wheel or a frozen bundle)."""

from __future__ import annotations

from pixm_desktop.core.resources import resource_path
from pixm_desktop.reports.fonts import bundled_font_dirs


def test_shipped_fonts_and_icon_are_found() -> None:
    fonts = resource_path("fonts")
    assert (fonts / "DejaVuSans.ttf").is_file()
    assert (fonts / "LICENSE-DejaVu.txt").is_file()
    assert resource_path("icons", "pixm.svg").is_file()
    assert fonts in bundled_font_dirs()


def test_a_missing_resource_is_a_path_that_does_not_exist() -> None:
    assert not resource_path("fonts", "no-such-font.ttf").exists()
