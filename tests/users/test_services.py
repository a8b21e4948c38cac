import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from users import services
from users.models import User

pytestmark = pytest.mark.django_db


def test_user_create_stores_lowercase_email_and_hashes_password():
    user = services.user_create(email="  Mixed.Case@Example.COM ", password="a-Long-pass-phrase-9")
    assert user.email == "mixed.case@example.com"
    assert user.password != "a-Long-pass-phrase-9"
    assert user.check_password("a-Long-pass-phrase-9")


def test_database_rejects_case_variants_of_an_email():
    UserFactory(email="dup@example.com")
    with pytest.raises(ValidationError):
        services.user_create(email="DUP@example.com", password="a-Long-pass-phrase-9")
    assert User.objects.count() == 1


def test_update_profile_validates_and_saves_nothing_on_error(user):
    with pytest.raises(ValidationError):
        services.user_update_profile(user=user, height_cm=300, display_name="Changed")
    user.refresh_from_db()
    assert user.height_cm == 170.0 and user.display_name != "Changed"


def test_weight_entry_create_validates(user):
    with pytest.raises(ValidationError):
        services.weight_entry_create(user=user, weight_kg=float("nan"))
    assert not user.weight_entries.exists()
