from django.contrib import admin

from workouts.models import Bout, WorkoutSession


class BoutInline(admin.TabularInline):
    model = Bout
    extra = 0
    fields = [
        "position",
        "exercise",
        "start_s",
        "end_s",
        "reps",
        "hold_s",
        "kcal",
        "confidence",
        "count_confidence",
    ]
    readonly_fields = fields
    can_delete = False


@admin.register(WorkoutSession)
class WorkoutSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "title", "started_at", "status", "total_kcal", "total_reps"]
    list_filter = ["status", "source"]
    search_fields = ["user__email", "title"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "result",
        "body_metrics",
        "model_version",
        "analysed_at",
        "analysis_attempts",
    ]
    inlines = [BoutInline]
