from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from users import authentication, change_stamps
        from users.models import User, WeightEntry

        change_stamps.track(WeightEntry)
        # After every migrate, once all apps' tables exist (see change_stamps for why).
        post_migrate.connect(change_stamps.install_triggers, sender=self)
        # A saved or deleted user leaves the authentication cache (password, activity).
        for signal in (post_save, post_delete):
            signal.connect(authentication.forget_saved_user, sender=User)
