"""Statistics endpoints: thin views over workouts.stats.selectors."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coach.api.conditional import conditional_on_version
from coach.api.mixins import NonAtomicRequestsMixin
from users.selectors import change_stamp
from workouts.stats import selectors
from workouts.stats.cache import cached_stats

TAG = "statistics"
MAX_RANGE_DAYS = 3660
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)
DEFAULT_RANGE = {
    "day": timedelta(days=29),
    "week": timedelta(weeks=12),
    "month": timedelta(days=365),
}


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


class TimeZoneField(serializers.CharField):
    default_error_messages = {
        "invalid_tz": "Unknown time zone; use an IANA name such as Europe/Berlin."
    }

    def to_internal_value(self, data):
        name = super().to_internal_value(data)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("invalid_tz")


class TimeZoneQuerySerializer(serializers.Serializer):
    tz = TimeZoneField(
        required=False,
        help_text="IANA time zone that days, weeks and months are counted in (default UTC).",
    )

    def validate(self, attrs):
        return {**attrs, "tz": attrs.get("tz") or ZoneInfo("UTC")}


class TimelineQuerySerializer(TimeZoneQuerySerializer):
    period = serializers.ChoiceField(choices=list(selectors.TRUNCATE), default="week")
    start = serializers.DateField(required=False, help_text="First local date (included).")
    end = serializers.DateField(
        required=False, help_text="Last local date (included); today by default."
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name in ("start", "end"):
            if name in attrs and not EARLIEST <= attrs[name] <= LATEST:
                raise serializers.ValidationError(
                    {name: [f"Give a date between {EARLIEST} and {LATEST}."]}, code="invalid"
                )
        end = attrs.get("end") or timezone.localtime(timezone.now(), attrs["tz"]).date()
        # Whole periods only: a bucket labelled with a Monday or a 1st covers all of it.
        start = period_start(
            attrs.get("start") or end - DEFAULT_RANGE[attrs["period"]], attrs["period"]
        )
        if start > end:
            raise serializers.ValidationError(
                {"start": ["start must not be after end."]}, code="invalid"
            )
        if (end - start).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"start": [f"The range may span at most {MAX_RANGE_DAYS} days."]}, code="invalid"
            )
        return {**attrs, "start": start, "end": end}


class BucketSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First local day of the period.")
    sessions = serializers.IntegerField()
    active_minutes = serializers.FloatField()
    kcal = serializers.FloatField()
    reps = serializers.DictField(
        child=serializers.IntegerField(), help_text="Repetitions per exercise."
    )


class TimelineSerializer(serializers.Serializer):
    period = serializers.CharField()
    tz = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    buckets = BucketSerializer(many=True, help_text="Only periods with workouts are listed.")


class RepRecordSerializer(serializers.Serializer):
    exercise = serializers.CharField()
    reps = serializers.IntegerField()
    session_id = serializers.IntegerField()


class HoldRecordSerializer(serializers.Serializer):
    exercise = serializers.CharField()
    hold_s = serializers.FloatField()
    session_id = serializers.IntegerField()
    achieved_at = serializers.DateTimeField()


class RecordsSerializer(serializers.Serializer):
    most_reps = RepRecordSerializer(many=True, help_text="Most reps in one bout, per exercise.")
    longest_plank = HoldRecordSerializer(allow_null=True)


class StreaksSerializer(serializers.Serializer):
    tz = serializers.CharField()
    current_days = serializers.IntegerField(
        help_text="Consecutive workout days up to today (or yesterday)."
    )
    longest_days = serializers.IntegerField()
    longest_start = serializers.DateField(allow_null=True)
    longest_end = serializers.DateField(allow_null=True)
    last_workout_day = serializers.DateField(allow_null=True)


def _query(serializer_class, request):
    # A plain dict, not the QueryDict: with HTML-form semantics `?tz=` would read as absent.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _stats_answer(request, name: str, params: tuple, compute) -> Response:
    """304 while the user's data is unchanged; else the answer, computed once per change
    of their data (workouts.stats.cache). `params`: everything the answer depends on."""
    user = request.user
    version = change_stamp(user=user)

    def answer():
        return Response(
            cached_stats(user=user, version=version, name=name, params=params, compute=compute)
        )

    return conditional_on_version(request, version, answer, *params)


TZ_ERRORS = extend_validation_errors(["invalid_tz", "blank", "invalid"], field_name="tz")


@extend_schema(tags=[TAG])
@TZ_ERRORS
@extend_validation_errors(["invalid_choice", "blank"], field_name="period")
@extend_validation_errors(["invalid", "blank"], field_name="start")
@extend_validation_errors(["invalid", "blank"], field_name="end")
class StatsTimelineApi(NonAtomicRequestsMixin, APIView):
    @extend_schema(
        summary="Sessions, active minutes, kcal and reps per day, week or month",
        parameters=[TimelineQuerySerializer],
        responses=TimelineSerializer,
    )
    def get(self, request):
        query = _query(TimelineQuerySerializer, request)
        period, tz, start, end = query["period"], query["tz"], query["start"], query["end"]

        def timeline():
            buckets = selectors.timeline(
                user=request.user, period=period, tz=tz, start=start, end=end
            )
            return {"period": period, "tz": str(tz), "start": start, "end": end, "buckets": buckets}

        # The dates as resolved: a range left open ends today.
        return _stats_answer(request, "timeline", (period, tz, start, end), timeline)


@extend_schema(tags=[TAG])
class StatsRecordsApi(NonAtomicRequestsMixin, APIView):
    @extend_schema(summary="Personal records", responses=RecordsSerializer)
    def get(self, request):
        def records():
            return dict(RecordsSerializer(selectors.personal_records(user=request.user)).data)

        return _stats_answer(request, "records", (), records)


@extend_schema(tags=[TAG])
@TZ_ERRORS
class StatsStreaksApi(NonAtomicRequestsMixin, APIView):
    @extend_schema(
        summary="Current and longest streak of workout days",
        parameters=[TimeZoneQuerySerializer],
        responses=StreaksSerializer,
    )
    def get(self, request):
        tz = _query(TimeZoneQuerySerializer, request)["tz"]
        today = timezone.localtime(timezone.now(), tz).date()  # the current streak ends here

        def streaks():
            result = selectors.streaks(user=request.user, tz=tz, today=today)
            return dict(StreaksSerializer({"tz": str(tz), **result.__dict__}).data)

        return _stats_answer(request, "streaks", (tz, today), streaks)
