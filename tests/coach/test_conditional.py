"""ETags from a version of the data: who asks, what URL and media type, and the version."""

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from rest_framework.test import APIRequestFactory

from coach.api.conditional import conditional_on_version, not_modified, version_etag


def request(path="/api/v1/sessions/", user_id=1, **headers):
    made = APIRequestFactory().get(path, **headers)
    made.user = SimpleNamespace(pk=user_id)
    made.accepted_media_type = "application/json"
    return made


def test_the_tag_changes_with_each_thing_the_answer_depends_on():
    tag = version_etag(request(), "v1")
    assert tag == version_etag(request(), "v1")
    assert tag.startswith('"') and tag.endswith('"')
    others = {
        version_etag(request(), "v2"),
        version_etag(request(user_id=2), "v1"),
        version_etag(request("/api/v1/sessions/?page=2"), "v1"),
        version_etag(request(HTTP_HOST="localhost"), "v1"),
        version_etag(request(), "v1", "2026-12-06"),
    }
    assert tag not in others and len(others) == 5


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),  # the tag as gzip weakened it
        ('"old", W/"abc"', True),
        ('"old"', False),
        ("*", False),  # left to the full answer, which must exist first
        ("", False),
    ],
)
def test_not_modified_compares_weakly(header, matches):
    answer = not_modified(request(HTTP_IF_NONE_MATCH=header), '"abc"')
    assert (answer is not None) == matches
    if matches:
        assert answer.status_code == 304 and answer["ETag"] == '"abc"'


def test_an_unchanged_version_answers_without_building_the_answer():
    built = []

    def answer():
        built.append(1)
        return HttpResponse("{}")

    first = conditional_on_version(request(), "v1", answer)
    assert first["ETag"] and built == [1]
    again = conditional_on_version(request(HTTP_IF_NONE_MATCH=first["ETag"]), "v1", answer)
    assert again.status_code == 304 and built == [1]
    changed = conditional_on_version(request(HTTP_IF_NONE_MATCH=first["ETag"]), "v2", answer)
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_without_a_version_or_for_an_error_no_tag_is_set():
    assert "ETag" not in conditional_on_version(request(), None, lambda: HttpResponse("{}"))
    missing = conditional_on_version(request(), "v1", lambda: HttpResponse(status=404))
    assert "ETag" not in missing
