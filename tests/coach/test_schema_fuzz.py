"""Schema-driven fuzzing: schemathesis generates requests from /api/schema/ for every
operation; none may answer 5xx, and answers must match the documented shapes."""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from coach.wsgi import application
from tests.factories import UserFactory, WeightEntryFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# 412 is how the tus protocol refuses a request without its version header.
FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "412",
                    "413",
                    "415",
                    "422",
                    "428",
                    "429",
                ]
            }
        }
    }
)

# Resumable-upload chunks are raw bytes, sent the way any binary body is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


def load_schema():
    """The schema /api/schema/ serves, generated without a request: at collection time the
    database is off limits, and every request through the app opens a transaction."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=FUZZ_CONFIG
    )
    loaded.app = application  # calls go in-process through the WSGI app, like from_wsgi
    return loaded


schema = load_schema()


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    """Requests go through the raw WSGI app, which closes the database connection when a
    request ends; that would drop the test's transaction (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer():
    user = UserFactory()
    WeightEntryFactory.create_batch(2, user=user)
    return {
        "Authorization": f"Bearer {RefreshToken.for_user(user).access_token}",
        # The in-process transport does not undo gzip (tests/coach/test_http_middleware.py does).
        "Accept-Encoding": "identity",
    }


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_documented_responses(case, bearer):
    case.call_and_validate(
        headers=bearer,
        checks=[
            not_a_server_error,
            status_code_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
