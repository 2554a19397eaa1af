"""Progress arithmetic (services.progress): a card's figures come from its destinations'."""

from __future__ import annotations

import pytest

from pixm_desktop.services.progress import (
    DestinationFigures,
    average_rate,
    card_figures,
    destination_eta,
    destination_fraction,
    files_text,
)


def test_destination_fraction_counts_copy_then_reread():
    assert destination_fraction(0, 0, 1000) == 0.0
    assert destination_fraction(1000, 0, 1000) == 0.5
    assert destination_fraction(1000, 500, 1000) == 0.75
    assert destination_fraction(1000, 1000, 1000) == 1.0
    assert destination_fraction(200, 600, 1000) == pytest.approx(0.6)  # a re-read implies the copy
    assert destination_fraction(0, 0, 0) == 1.0


def test_card_is_its_slowest_destination_never_below_all_of_them():
    dests = [DestinationFigures(0.88, rate=100e6, eta=49), DestinationFigures(0.90, rate=120e6, eta=39)]
    card = card_figures(dests)
    assert card.fraction == 0.88  # not 86 % while both destinations are at 88-90 %
    assert min(d.fraction for d in dests) <= card.fraction <= max(d.fraction for d in dests)
    assert card.eta == 49  # the slowest destination's, not 1 min 08 s
    assert card.rate == 100e6


def test_card_eta_unknown_while_a_destination_has_no_rate_and_counts_agree():
    card = card_figures([DestinationFigures(0.2, eta=None, verified=0), DestinationFigures(0.3, eta=10.0,
                                                                                         verified=2, failed=1)])
    assert card.eta is None
    assert (card.verified, card.failed) == (0, 1)
    assert card_figures([]).fraction == 0.0


def test_destination_eta():
    assert destination_eta(0.5, 1000, 100.0) == 10.0  # 1000 bytes of work left at 100 B/s
    assert destination_eta(1.0, 1000, 0.0) == 0.0
    assert destination_eta(0.5, 1000, 0.0) is None


def test_files_text_never_says_zero_verified_before_anything_is_verified():
    assert files_text(0, 6) == "6 files"
    assert "✓" not in files_text(0, 6)
    assert files_text(4, 6) == "4/6 ✓"
    assert files_text(0, 6, failed=2) == "6 files, 2 failed"
    assert files_text(0, 0) == ""


def test_average_rate_after_the_end():
    assert average_rate(1_000_000_000, 4.0) == 250_000_000
    assert average_rate(1000, 0.0) == 0.0
