"""Failed log-ins counted per account, whatever address they come from.

The per-address limit (DRF's ScopedRateThrottle, keyed by the address the deployment
trusts: see `NUM_PROXIES` in settings) stops one client; this stops an attacker who
spreads guesses over many addresses (django-axes' idea).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled

from users.managers import normalize_email_address


def _account_keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(normalize_email_address(email).encode()).hexdigest()
    return f"auth-failures:{digest}:count", f"auth-failures:{digest}:since"


def account_check_not_locked(email: str) -> None:
    """Raises 429 (with `Retry-After`) while the account has too many recent failures.

    Checked before the password, so a locked account gives nothing away even to a right guess.
    """
    count_key, since_key = _account_keys(email)
    if (cache.get(count_key) or 0) < settings.AUTH_ACCOUNT_FAILURE_LIMIT:
        return
    since = cache.get(since_key) or time.time()
    wait = max(1, round(since + settings.AUTH_ACCOUNT_LOCKOUT_S - time.time()))
    raise Throttled(wait=wait, detail="Too many failed log-ins for this account. Try again later.")


def account_record_failure(email: str) -> None:
    count_key, since_key = _account_keys(email)
    window = settings.AUTH_ACCOUNT_LOCKOUT_S
    cache.add(since_key, time.time(), timeout=window)
    cache.add(count_key, 0, timeout=window)
    try:
        cache.incr(count_key)
    except ValueError:  # the window expired between add and incr
        cache.set(count_key, 1, timeout=window)


def account_record_success(email: str) -> None:
    cache.delete_many(_account_keys(email))
