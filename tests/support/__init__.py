"""Helpers shared by the test modules (card builders, ``pixm`` runners, catalog and ASC MHL readers, fault
hooks, the GUI and shoot fixtures plugins). ``tests/`` is on ``sys.path`` (pytest puts the rootdir conftest's
folder there), so test modules import ``support.<module>``; no test module imports another. conftest registers
the package for pytest's assertion rewriting."""
