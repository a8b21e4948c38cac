"""State changes for accounts and body metrics. Views call these; they never touch models."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

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
    """Also revokes every token issued so far: a password is changed after a leak (refresh
    tokens are blacklisted; access tokens carry a hash of the old password and fail)."""
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


RESET_INVALID_MESSAGE = "This reset code is invalid, used or expired. Ask for a new one."


def password_reset_request(*, email: str) -> None:
    """E-mails a one-time reset code if an active account has this address. The caller
    answers the same either way, so nobody learns which addresses have accounts."""
    user = User.objects.filter(email__iexact=normalize_email_address(email), is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    link = settings.PASSWORD_RESET_URL.format(uid=uid, token=token)
    lines = [
        "Someone asked to reset the password of your coach account.",
        f"If it was you, set a new password within {minutes} minutes"
        + (f" here:\n\n    {link}\n" if link else " with this code:\n"),
        f"    uid: {uid}",
        f"    token: {token}",
        "",
        "If it was not you, ignore this e-mail: your password stays as it is.",
    ]
    send_mail("Reset your coach password", "\n".join(lines), None, [user.email])


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Sets the new password. The code works once (it hashes the current password) and
    expires after PASSWORD_RESET_TIMEOUT; every token issued before is revoked."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationError({"token": [RESET_INVALID_MESSAGE]}, code="invalid")
    return user_change_password(user=user, new_password=new_password)
