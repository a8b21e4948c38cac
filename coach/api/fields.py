from django.db import models
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

NAIVE_DATETIME_MESSAGE = (
    "Give the date-time with its UTC offset, e.g. 2026-12-06T08:30:00+01:00 or ...Z."
)


def is_naive_datetime_text(value) -> bool:
    """An ISO 8601 date-time string without an offset (whose meaning would be a guess). A
    date alone (`2026-12-06`, where a filter takes one) is a UTC day, not a date-time."""
    if not isinstance(value, str) or len(value.strip()) <= len("2026-12-06"):
        return False
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return False
    return parsed is not None and parsed.tzinfo is None


class AwareDateTimeField(serializers.DateTimeField):
    """A date-time must say its offset: a naive one is refused (the REST API and the live
    WebSocket apply the same rule) instead of being read as UTC."""

    default_error_messages = {"naive": NAIVE_DATETIME_MESSAGE}

    def to_internal_value(self, value):
        if is_naive_datetime_text(value):
            self.fail("naive")
        return super().to_internal_value(value)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of quietly turning them into
    text: `{"display_name": 0}` is a client bug worth reporting."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.DateTimeField: AwareDateTimeField,
    }
