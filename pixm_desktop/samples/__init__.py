"""Sample cards: writers of realistic camera cards and BWF takes, for the demo, the tests and the benchmarks.
Never used by an offload. No Qt, no database."""
