from django.apps import AppConfig


class WorkoutsConfig(AppConfig):
    name = "workouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workouts import signals  # noqa: F401  (connects the file clean-up receivers)
