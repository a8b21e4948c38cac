from django.contrib import admin

from exercises.models import CustomExercise, ExerciseExample, ExerciseModel


class ExampleInline(admin.TabularInline):
    model = ExerciseExample
    extra = 0
    fields = ["source", "session", "start_s", "end_s", "status", "error_message", "created_at"]
    readonly_fields = fields


@admin.register(CustomExercise)
class CustomExerciseAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "user", "kind", "met", "created_at"]
    list_filter = ["kind"]
    search_fields = ["slug", "name", "user__email"]
    raw_id_fields = ["user"]
    inlines = [ExampleInline]


@admin.register(ExerciseModel)
class ExerciseModelAdmin(admin.ModelAdmin):
    # Read-only: a model changes by training, which a change to examples schedules.
    list_display = ["user", "status", "accuracy", "examples_used", "trained_at"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    exclude = ["model"]
    readonly_fields = [
        "user",
        "status",
        "failure_reason",
        "requested_version",
        "trained_version",
        "slugs",
        "accuracy",
        "examples_used",
        "trained_at",
    ]
