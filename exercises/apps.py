from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from exercises import signals  # noqa: F401  (connects the file clean-up receivers)
