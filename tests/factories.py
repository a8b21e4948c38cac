from datetime import date, timedelta

import factory
from django.utils import timezone

from users.models import User, WeightEntry

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"athlete{n}@example.com")
    display_name = factory.Faker("first_name")
    sex = "female"
    birth_date = date(1990, 5, 17)
    height_cm = 170.0
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WeightEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeightEntry

    user = factory.SubFactory(UserFactory)
    weight_kg = 70.0
    measured_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=n + 1))
