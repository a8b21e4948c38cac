from coach.api.filters import StrictFilterSet, UtcIsoDateTimeFilter
from users.models import WeightEntry


class WeightEntryFilter(StrictFilterSet):
    measured_after = UtcIsoDateTimeFilter(
        field_name="measured_at",
        lookup_expr="gte",
        label="Only entries measured at or after this time (ISO 8601).",
    )
    measured_before = UtcIsoDateTimeFilter(
        field_name="measured_at",
        lookup_expr="lte",
        label="Only entries measured at or before this time (ISO 8601).",
    )

    class Meta:
        model = WeightEntry
        fields = ["measured_after", "measured_before"]
