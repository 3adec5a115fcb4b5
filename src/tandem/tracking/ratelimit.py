"""The tracking API's rate limit: requests per second per source, counted in Django's cache.

With the default in-process cache each server process counts its own requests; with a shared
cache (`REDIS_URL`) the limit holds for all processes together.
"""

import time

from django.conf import settings
from django.core.cache import cache

TOO_MANY = "More than {limit:,} requests a second from this source; retry in {seconds} s."
WINDOW_SECONDS = 1


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def check_rate(source_id: int) -> None:
    """Count one request of the source; raise RateLimited once it is over the limit."""
    limit = settings.TRACKING_RATE_LIMIT
    if not limit:
        return
    window = int(time.time()) // WINDOW_SECONDS
    key = f"tracking-rate:{source_id}:{window}"
    # add() is atomic: only the first request of a window creates the counter.
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            # The counter expired between add() and incr(): this request opens a new window.
            cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
    if count > limit:
        raise RateLimited(TOO_MANY.format(limit=limit, seconds=WINDOW_SECONDS), WINDOW_SECONDS)
