"""Shared fixtures. DRF is imported inside them so that tests/inference, which has no
Django, also runs on its own (`pytest -p no:django tests/inference`)."""

import pytest


@pytest.fixture
def anon_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from tests.factories import UserFactory

    return UserFactory()


def jwt_client_for(user):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client authenticated as that user with a JWT."""
    return jwt_client_for


@pytest.fixture
def api(user):
    return jwt_client_for(user)
