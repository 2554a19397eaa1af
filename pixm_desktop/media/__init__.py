"""Media: probing and thumbnails (PyAV, sidecars, BWF bext/iXML). No Qt, no database."""
