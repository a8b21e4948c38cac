import django_filters

from coach.api.filters import StrictFilterSet, UtcIsoDateTimeFilter
from workouts.models import SessionStatus, WorkoutSession


class SessionFilter(StrictFilterSet):
    started_after = UtcIsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Sessions started at or after this time."
    )
    started_before = UtcIsoDateTimeFilter(
        field_name="started_at", lookup_expr="lte", label="Sessions started at or before this time."
    )
    exercise = django_filters.CharFilter(
        method="filter_exercise", label="Sessions with at least one bout of this exercise."
    )
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    ordering = django_filters.OrderingFilter(
        fields=["started_at", "total_kcal", "active_s", "duration_s", "total_reps"],
        label="Sort by started_at (default: newest first), total_kcal, active_s, duration_s "
        "or total_reps; prefix with - for descending.",
    )

    class Meta:
        model = WorkoutSession
        fields = ["started_after", "started_before", "exercise", "status"]

    def filter_exercise(self, queryset, name, value):
        return queryset.filter(bouts__exercise=value).distinct()
