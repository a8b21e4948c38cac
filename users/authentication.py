"""JWT authentication that finds the token's user in the cache instead of the database.

simplejwt loads the token's user on every request, because revocation needs it: a token of
a deleted or deactivated account, or one issued before the password changed (the token
carries a hash of the password hash, CHECK_REVOKE_TOKEN), is refused. Here the user row is
kept in the cache for AUTH_USER_CACHE_S and dropped whenever it is saved or deleted (a
password change or reset, a deactivation, a profile edit, a log-in), so the same checks run
on a current copy: revocation still takes effect at the next request.

Only with a cache that every web process shares (Redis): with per-process memory, a change
made in one process could not drop the copy another holds, so AUTH_USER_CACHE_S is 0 (read
the database) without REDIS_URL. A bulk `User.objects...update()` bypasses the signals: call
`forget_cached_user` for each user it changes.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from users.models import User

log = logging.getLogger(__name__)

# Left in place of a changed user for a while: a request that read the row before the
# change and caches it after (a read racing the change) finds this and caches nothing.
_CHANGED = "changed"
_CHANGED_HOLD_S = 60


def _key(user_id) -> str:
    return f"auth-user:{user_id}"


class _UsersThroughCache:
    """The part of the user model JWTAuthentication.get_user uses (`objects.get(id=...)`,
    `DoesNotExist`), read through the cache, so simplejwt's own checks run unchanged."""

    DoesNotExist = User.DoesNotExist

    def __init__(self):
        self.objects = self

    def get(self, **lookup):
        [user_id] = lookup.values()
        key = _key(user_id)
        try:
            cached = cache.get(key)
        except Exception as error:  # a cache outage costs a query, never a log-in
            log.warning("user cache unreachable: %s", error)
            return User.objects.get(**lookup)
        if isinstance(cached, User):
            return cached
        user = User.objects.get(**lookup)
        if cached is None:  # not while a change's mark is there: this copy may predate it
            try:
                cache.add(key, user, settings.AUTH_USER_CACHE_S)
            except Exception as error:
                log.warning("user cache unreachable: %s", error)
        return user


class CachedUserJWTAuthentication(JWTAuthentication):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.AUTH_USER_CACHE_S:
            self.user_model = _UsersThroughCache()


class CachedUserJWTScheme(SimpleJWTScheme):
    # The OpenAPI security scheme of simplejwt's class (jwtAuth), for this one.
    target_class = CachedUserJWTAuthentication


def forget_cached_user(user_id) -> None:
    """Drops the cached copy now and again once the transaction commits, leaving a mark that
    keeps a copy read before the commit out of the cache."""

    def mark_changed():
        try:
            cache.set(_key(user_id), _CHANGED, _CHANGED_HOLD_S)
        except Exception as error:
            log.warning("user cache unreachable, user %s not dropped: %s", user_id, error)

    mark_changed()
    transaction.on_commit(mark_changed)


def forget_saved_user(sender, instance: User, **kwargs) -> None:
    if settings.AUTH_USER_CACHE_S:
        forget_cached_user(instance.pk)
