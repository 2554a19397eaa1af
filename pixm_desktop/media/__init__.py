"""Media: sample camera cards, probing and thumbnails (PyAV, sidecars, BWF). No Qt, no database."""
