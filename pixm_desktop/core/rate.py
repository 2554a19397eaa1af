"""A smoothed rate of a growing counter (bytes/second for progress bars and ETAs)."""

from __future__ import annotations

import time


class RateMeter:
    """Units/second of a growing counter, smoothed exponentially (``alpha`` weight of each new sample).

    ``update(value, now)`` takes the counter and a :func:`time.monotonic` time in seconds; samples closer than
    ``min_dt`` seconds to the last one are skipped (a 100 ms poll would make the rate jitter). ``start`` is an
    optional first sample ``(time, value)``; without it the first update only records its sample. A counter
    that goes back (a restart) counts as 0/s, never negative.
    """

    def __init__(self, alpha: float = 0.25, min_dt: float = 0.5, start: tuple[float, int] | None = None):
        self.alpha, self.min_dt = alpha, min_dt
        self.rate = 0.0
        self._t, self._v = start if start is not None else (None, 0)

    def update(self, value: int, now: float | None = None) -> float:
        """Feed the counter's current value; returns the smoothed rate (0.0 until two samples)."""
        now = time.monotonic() if now is None else now
        if self._t is None:
            self._t, self._v = now, value
            return self.rate
        dt = now - self._t
        if dt < self.min_dt:
            return self.rate
        inst = max(0.0, (value - self._v) / dt)
        self.rate = inst if self.rate == 0 else self.alpha * inst + (1 - self.alpha) * self.rate
        self._t, self._v = now, value
        return self.rate

    def reset(self) -> None:
        """Forget every sample (a job that starts again)."""
        self.rate, self._t, self._v = 0.0, None, 0


__all__ = ["RateMeter"]
