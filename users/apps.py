from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from users import change_stamps
        from users.models import WeightEntry

        change_stamps.track(WeightEntry)
        # After every migrate, once all apps' tables exist (see change_stamps for why).
        post_migrate.connect(change_stamps.install_triggers, sender=self)
