"""The shipped resources (top-level resources/) are found from a checkout, an editable install and a bundle."""

from __future__ import annotations

from pixm_desktop.core import resources as core_resources
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


def test_a_bundle_finds_them_inside_the_package(tmp_path, monkeypatch) -> None:
    # a frozen bundle carries resources/ as pixm_desktop/resources (pixm.spec): that copy wins over a checkout's
    package = tmp_path / "pixm_desktop"
    (package / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr(core_resources.resources, "files", lambda name: package)
    assert resource_path("fonts") == package / "resources" / "fonts"
    (package / "resources" / "fonts").rmdir()
    (package / "resources").rmdir()
    assert resource_path("fonts") == tmp_path / "resources" / "fonts"  # a checkout: beside the package
