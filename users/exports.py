"""The user's data export (GDPR-style): presentation, so it lives beside the serializers.

Other apps add their sections through settings.USER_EXPORT_SECTIONS (name -> "module.function"
taking `user=`), so users never imports them.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from users import selectors
from users.models import User
from users.serializers import ProfileSerializer, WeightEntrySerializer


def user_export_data(*, user: User) -> dict:
    """Everything the user owns, as plain JSON-ready data."""
    data = {
        "exported_at": timezone.now().isoformat(),
        "profile": ProfileSerializer(user).data,
        "weights": WeightEntrySerializer(selectors.weight_entry_list(user=user), many=True).data,
    }
    for name, path in settings.USER_EXPORT_SECTIONS.items():
        data[name] = import_string(path)(user=user)
    return data
