from django.apps import AppConfig


class WorkoutsConfig(AppConfig):
    name = "workouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from users import change_stamps
        from workouts import signals  # noqa: F401  (connects the file clean-up receivers)
        from workouts.models import Bout, WorkoutSession

        # Sessions and bouts are what the sessions and statistics answers show.
        change_stamps.track(WorkoutSession, Bout)
