"""State changes for accounts and body metrics. Views call these; they never touch models."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from users.managers import normalize_email_address
from users.models import User, WeightEntry

EMAIL_TAKEN_MESSAGE = "An account with this e-mail address already exists."
PASSWORD_ERROR_CODES = [
    "password_too_short",
    "password_too_common",
    "password_entirely_numeric",
    "password_too_similar",
]


def user_email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email_address(email)).exists()


def _validate_password(password: str, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({field: error.error_list})


def user_create(*, email: str, password: str, **profile) -> User:
    """Sign-up. Validates the password with Django's validators against the new user."""
    _validate_password(password, User(email=normalize_email_address(email), **profile), "password")
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, **profile)
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        raise ValidationError({"email": [EMAIL_TAKEN_MESSAGE]}, code="unique")


def user_update_profile(*, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields))
    return user


def user_change_password(*, user: User, new_password: str) -> User:
    """Also revokes every refresh token issued so far: a password is changed after a leak."""
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    _validate_password(new_password, user, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(BlacklistedToken(token=t) for t in outstanding)
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Removes the account and, through cascades, everything it owns."""
    user.delete()


def weight_entry_create(*, user: User, weight_kg: float, measured_at=None) -> WeightEntry:
    entry = WeightEntry(user=user, weight_kg=weight_kg)
    if measured_at is not None:
        entry.measured_at = measured_at
    entry.full_clean()
    entry.save()
    return entry


def weight_entry_update(*, entry: WeightEntry, **fields) -> WeightEntry:
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.full_clean()
    entry.save(update_fields=list(fields))
    return entry


def weight_entry_delete(*, entry: WeightEntry) -> None:
    entry.delete()
