"""JWT refresh-token families: rotation that survives a retry, and reuse that revokes.

Every log-in starts a family (a claim carried through each rotation). Refresh tokens
rotate: the one sent is blacklisted and a new pair returned. A phone that sends the same
refresh token twice (two screens at once, a retry after a lost response) gets the same
new pair again within `JWT_REFRESH_GRACE_S`. A rotated token presented later is the sign
of a stolen token: the whole family is revoked, so neither thief nor victim can go on
with it and the user logs in again. A password change revokes every token (the
`CHECK_REVOKE_TOKEN` claim for access tokens, the blacklist for refresh tokens).
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from users.models import User

FAMILY_CLAIM = "fam"


def refresh_token_for(user: User) -> RefreshToken:
    """A refresh token that starts a new family (one per log-in, so one per device)."""
    token = RefreshToken.for_user(user)
    token[FAMILY_CLAIM] = uuid.uuid4().hex
    # The outstanding-token row keeps the token as issued, family claim included.
    OutstandingToken.objects.filter(jti=token["jti"]).update(token=str(token))
    return token


def token_pair_for(user: User) -> dict:
    refresh = refresh_token_for(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _replay_key(jti: str) -> str:
    return f"refresh-rotated:{jti}"


def _verified_payload(raw: str) -> dict:
    """Signature and expiry checked, blacklist not (the caller decides what reuse means)."""
    try:
        return token_backend.decode(raw, verify=True)
    except TokenBackendError as error:
        raise InvalidToken(str(error))


def _is_blacklisted(jti: str) -> bool:
    return BlacklistedToken.objects.filter(token__jti=jti).exists()


def _family_of(raw: str) -> str | None:
    return token_backend.decode(raw, verify=False).get(FAMILY_CLAIM)  # a row we issued


def token_family_revoke(*, user_id, family: str) -> int:
    """Blacklists the family's live refresh tokens; returns how many."""
    live = OutstandingToken.objects.filter(user_id=user_id, blacklistedtoken__isnull=True)
    doomed = [t for t in live if _family_of(t.token) == family]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in doomed], ignore_conflicts=True
    )
    return len(doomed)


class FamilyTokenObtainPairSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user):
        return refresh_token_for(user)


class FamilyTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        payload = _verified_payload(attrs["refresh"])
        jti = payload["jti"]
        with transaction.atomic():
            # Two refreshes of one token take turns (PostgreSQL), so the second sees the first's.
            OutstandingToken.objects.select_for_update().filter(jti=jti).first()
            if not _is_blacklisted(jti):
                data = super().validate(attrs)
                cache.set(_replay_key(jti), data, timeout=settings.JWT_REFRESH_GRACE_S)
                return data
        if replay := cache.get(_replay_key(jti)):
            return replay  # the same refresh again, within the grace window
        if family := payload.get(FAMILY_CLAIM):
            token_family_revoke(user_id=payload.get(api_settings.USER_ID_CLAIM), family=family)
        raise InvalidToken("Token is blacklisted")
