from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class StrictFilterSet(django_filters.FilterSet):
    """An empty filter value (`?measured_before=`) is an error rather than "no filter"."""

    def is_valid(self):
        for name in self.filters:
            if self.data.get(name) == "":
                error = ValidationError("Give a value, or leave the parameter out.", code="invalid")
                self.form.add_error(name, error)
        return super().is_valid()


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-time, converted to UTC before it reaches the database.

    Python accepts offsets up to ±23:59 but PostgreSQL only ±15:59, so an exotic offset
    would otherwise fail inside the query instead of being answered here.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("This date-time is out of range.", code="invalid")


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
