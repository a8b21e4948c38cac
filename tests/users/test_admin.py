import pytest

from tests.factories import UserFactory, WeightEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_can_browse_users_and_weights(staff_client):
    entry = WeightEntryFactory()
    for url in [
        "/admin/users/user/",
        f"/admin/users/user/{entry.user_id}/change/",
        "/admin/users/weightentry/",
        "/admin/users/user/add/",
    ]:
        assert staff_client.get(url).status_code == 200, url


def test_non_staff_is_sent_to_login(client, user):
    client.force_login(user)
    response = client.get("/admin/users/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
