"""Vocabulary shared by every layer: hash algorithms, states, errors, progress and its rate meter, timecode and
rates (SMPTE ST 12-1), UTC timestamps, natural order and camera letters. Imports nothing of ours."""
