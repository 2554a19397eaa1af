"""The installation self-check (``pixm --smoke-test``, ``pixm-desktop --smoke-test``): every check passes on
a working installation, and a broken part is named with a non-zero exit. The frozen bundle runs the same
checks in CI (``.ci/run`` after ``scripts/build.sh``)."""

from __future__ import annotations

from pixm_desktop.gui import app
from pixm_desktop.services import selfcheck
from support.cli import cli


def test_pixm_smoke_test_passes_every_check():
    run = cli("--smoke-test")
    out = run.out
    assert run.code == 0, run.text
    for name, _ in selfcheck.CHECKS:
        assert f"ok     {name} (" in out
    assert out.rstrip().endswith("self-check passed")


def test_a_broken_part_is_named_and_fails_the_check(monkeypatch):
    def no_fonts(_work):
        raise FileNotFoundError("resources incomplete: 0 fonts")

    checks = tuple((n, no_fonts if n == "resources" else f) for n, f in selfcheck.CHECKS)
    monkeypatch.setattr(selfcheck, "CHECKS", checks)
    run = cli("--smoke-test")
    assert run.code == 1, run.text
    out = run.out
    assert "FAILED resources" in out and "0 fonts" in out
    assert "ok     PDF report" in out  # the others still ran
    assert out.rstrip().endswith("self-check FAILED: resources")


def test_reports_without_reportlabs_c_helpers_fail_the_check(monkeypatch):
    """The project requires ``reportlab[accel]`` and the bundle lists ``_rl_accel``: installed here, and an
    installation that lost it is named (its reports would still be right, only seconds slower)."""
    from pixm_desktop.reports import pdf

    assert pdf.accelerated()
    monkeypatch.setattr(pdf, "accelerated", lambda: False)
    run = cli("--smoke-test")
    assert run.code == 1, run.text
    assert "FAILED PDF report" in run.out and "reportlab[accel]" in run.out


def test_a_client_without_its_package_versions_fails_the_render_nodes_check(monkeypatch):
    """Dask's client reads its versions from package metadata; a bundle that lost it would call every render node
    mismatched. Found here; an installation without tornado's metadata is named."""
    import importlib.metadata as metadata

    real = metadata.version
    assert real("tornado")

    def version(name):
        if name == "tornado":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    run = cli("--smoke-test")
    assert run.code == 1, run.text
    assert "FAILED render nodes" in run.out and "no package metadata for tornado" in run.out
    failed = [line for line in run.out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, run.out  # the other steps do not depend on it


def test_window_smoke_test_opens_every_page(qapp, capsys, monkeypatch):
    from pixm_desktop.gui import window

    touched = []
    monkeypatch.setattr(window, "default_qsettings", lambda: touched.append(1))
    assert app.smoke_test(["pixm-desktop"]) == 0
    assert not touched  # the DIT's own settings are never read or written by a self-check
    out = capsys.readouterr().out
    assert "ok     window" in out and "pages visited" in out
