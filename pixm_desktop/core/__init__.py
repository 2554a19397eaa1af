"""Vocabulary shared by every layer: hash algorithms, states, errors, progress. Imports nothing of ours."""
