from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from django_filters.filters import BaseCSVFilter
from django_filters.rest_framework import DjangoFilterBackend

from coach.api.fields import NAIVE_DATETIME_MESSAGE, is_naive_datetime_text

BLANK_FILTER_MESSAGE = "Give a value, or leave the parameter out."


class StrictFilterSet(django_filters.FilterSet):
    """An empty filter value (`?measured_before=`) is an error rather than "no filter". A
    list parameter (`ordering`) takes repeated keys (`?ordering=a&ordering=b`, what generated
    clients send for the schema's array) as well as commas (`?ordering=a,b`)."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            data = data.copy()
            for name, f in self.base_filters.items():
                if isinstance(f, BaseCSVFilter) and len(data.getlist(name)) > 1:
                    data.setlist(name, [",".join(data.getlist(name))])
        super().__init__(data, *args, **kwargs)
        # Declared on each form field so the OpenAPI schema lists the "blank" error code.
        for f in self.filters.values():
            f.extra.setdefault("error_messages", {})["blank"] = BLANK_FILTER_MESSAGE

    def is_valid(self):
        for name in self.filters:
            if self.data.get(name) == "":
                self.form.add_error(name, ValidationError(BLANK_FILTER_MESSAGE, code="blank"))
        return super().is_valid()


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-time with its offset (a naive one is refused), converted to UTC before
    it reaches the database.

    Python accepts offsets up to ±23:59 but PostgreSQL only ±15:59, so an exotic offset
    would otherwise fail inside the query instead of being answered here.
    """

    default_error_messages = {"naive": NAIVE_DATETIME_MESSAGE}

    def to_python(self, value):
        if is_naive_datetime_text(value):
            raise ValidationError(NAIVE_DATETIME_MESSAGE, code="naive")
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("This date-time is out of range.", code="invalid")


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, left out when the request names none of the view's filters.

    Building a filterset and its form deep-copies every filter and form field: a fifth of the
    CPU of a sessions page, for a request that filters nothing (the usual one). With none of
    the parameters there is nothing to check either: every check is of a value sent."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            param == name or param.startswith(f"{name}_")  # widgets with several parts
            for param in request.query_params
            for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
