"""Statistics cached per user, keyed on the user's change stamp (users.change_stamps).

A change to the user's sessions or bouts renews the stamp in the same transaction, so the
next read looks under a new key and never sees the old entry, which simply expires: no
invalidation to forget, and a worker in another process (or machine) needs no cache access
to make it happen. The key also holds every parameter of the answer and the local date it
was computed on, as "today" moves the default range and the current streak.
"""

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache

log = logging.getLogger(__name__)

CACHE_S = 24 * 60 * 60  # entries of older stamps linger until then; they are small
# In every key: change it when an answer changes shape or meaning, so a deploy never
# serves what the code before it cached.
FORMAT = 1


def cached_stats(*, user, version: str | None, name: str, params: tuple, compute: Callable):
    """`compute()`'s answer for this user at this version of their data, computed once."""
    if version is None:  # no stamp, nothing to key on
        return compute()
    described = "|".join(map(str, params))
    digest = hashlib.blake2b(described.encode(), digest_size=12).hexdigest()
    key = f"stats:{FORMAT}:{name}:{user.pk}:{version}:{digest}"
    try:
        found = cache.get(key)
    except Exception as error:  # a cache outage slows statistics down, it does not fail them
        log.warning("statistics cache unreachable: %s", error)
        return compute()
    if found is not None:
        return found
    answer = compute()
    try:
        cache.set(key, answer, CACHE_S)
    except Exception as error:
        log.warning("statistics cache unreachable: %s", error)
    return answer
