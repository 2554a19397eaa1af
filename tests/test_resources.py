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


def test_page_icons_ship_with_their_licence() -> None:
    from pixm_desktop.gui.theme import PAGE_ICONS

    folder = resource_path("icons", "lucide")
    assert "ISC License" in (folder / "LICENSE").read_text(encoding="utf-8")
    shipped = {p.stem for p in folder.glob("*.svg")}
    assert set(PAGE_ICONS.values()) == shipped  # every icon used is shipped, and only those
    assert all("@license lucide-static" in (folder / f"{n}.svg").read_text(encoding="utf-8") for n in shipped)


def test_every_page_has_its_own_icon(qapp) -> None:
    from pixm_desktop.gui.theme import page_icon
    from pixm_desktop.gui.window import PAGES

    keys = [page_icon(icon).pixmap(20, 20).toImage() for _k, _t, icon in PAGES]
    assert all(not img.isNull() for img in keys)
    assert len({bytes(img.constBits()) for img in keys}) == len(PAGES)  # no two pages share a picture
