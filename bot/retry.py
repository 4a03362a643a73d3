"""The one back-off formula, shared by the GitLab client's retries and the worker's job retries."""

from __future__ import annotations

import random


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after failed attempt *attempt* (1-based): exponential, capped, 'equal jitter'.

    Half the ceiling is certain and half is random, so retries spread out but never come back
    at once (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
