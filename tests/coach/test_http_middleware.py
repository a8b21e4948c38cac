"""What web and mobile clients get from every API answer: CORS, ETag/304, gzip."""

import gzip

import pytest

from tests.factories import WeightEntryFactory

pytestmark = pytest.mark.django_db

WEIGHTS = "/api/v1/me/weights/"
ORIGIN = "https://app.example.com"


class TestCors:
    def test_no_origin_is_allowed_by_default(self, api):
        response = api.get(WEIGHTS, HTTP_ORIGIN=ORIGIN)
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response

    def test_a_configured_origin_may_call_and_read_the_headers(self, api, settings):
        settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
        preflight = api.options(
            WEIGHTS,
            HTTP_ORIGIN=ORIGIN,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
        )
        assert preflight.status_code == 200
        assert preflight["Access-Control-Allow-Origin"] == ORIGIN
        assert "authorization" in preflight["Access-Control-Allow-Headers"]
        response = api.get(WEIGHTS, HTTP_ORIGIN=ORIGIN)
        assert response["Access-Control-Allow-Origin"] == ORIGIN
        exposed = response["Access-Control-Expose-Headers"].lower()
        assert {"etag", "location", "retry-after", "upload-offset"} <= set(exposed.split(", "))
        assert "Access-Control-Allow-Credentials" not in response

    def test_another_origin_is_still_refused(self, api, settings):
        settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
        response = api.get(WEIGHTS, HTTP_ORIGIN="https://evil.example.com")
        assert "Access-Control-Allow-Origin" not in response


class TestConditionalGet:
    def test_unchanged_list_answers_304_without_a_body(self, api, user):
        WeightEntryFactory(user=user, weight_kg=80)
        first = api.get(WEIGHTS)
        etag = first["ETag"]
        again = api.get(WEIGHTS, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""

    def test_a_change_gives_a_new_etag(self, api, user):
        WeightEntryFactory(user=user, weight_kg=80)
        etag = api.get(WEIGHTS)["ETag"]
        WeightEntryFactory(user=user, weight_kg=79)
        changed = api.get(WEIGHTS, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag


class TestGzip:
    def test_json_is_compressed_when_the_client_accepts_it(self, api, user):
        for kg in range(60, 90):
            WeightEntryFactory(user=user, weight_kg=kg)
        response = api.get(WEIGHTS, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        assert b'"weight_kg"' in gzip.decompress(response.content)
        plain = api.get(WEIGHTS)
        assert "Content-Encoding" not in plain

    def test_video_is_never_compressed(self, rf):
        from django.http import HttpResponse

        from coach.compression import ApiGZipMiddleware

        body = b"\x00" * 4096
        video = HttpResponse(body, content_type="video/mp4")
        response = ApiGZipMiddleware(lambda request: video)(
            rf.get("/api/v1/sessions/1/video/", HTTP_ACCEPT_ENCODING="gzip")
        )
        assert "Content-Encoding" not in response
        assert response.content == body
