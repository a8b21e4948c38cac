"""Reads. Every query here is scoped to one user."""

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from users.models import User, WeightEntry


def weight_entry_list(*, user: User) -> QuerySet[WeightEntry]:
    return WeightEntry.objects.filter(user=user)


def weight_at(*, user: User, at: datetime | None = None) -> WeightEntry | None:
    """The weight in effect at `at` (now by default): the latest entry at or before it."""
    at = at or timezone.now()
    return weight_entry_list(user=user).filter(measured_at__lte=at).first()


def user_export_data(*, user: User) -> dict:
    """Everything the user owns, as plain JSON-ready data (GDPR-style export). Other apps
    add their sections through settings.USER_EXPORT_SECTIONS (name -> "module.function")."""
    from users.serializers import ProfileSerializer, WeightEntrySerializer

    data = {
        "exported_at": timezone.now().isoformat(),
        "profile": ProfileSerializer(user).data,
        "weights": WeightEntrySerializer(weight_entry_list(user=user), many=True).data,
    }
    for name, path in settings.USER_EXPORT_SECTIONS.items():
        data[name] = import_string(path)(user=user)
    return data
