"""The schema describes what the server does, so generated clients (openapi-python-client,
openapi-typescript) work: documented conflicts, binary video with ranges, response headers,
required response fields and public operations without a security requirement."""

import pytest
from drf_spectacular.settings import spectacular_settings


@pytest.fixture(scope="module")
def schema():
    """The schema /api/schema/ serves (its generator keeps HEAD operations)."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    return generator.get_schema(request=None, public=True)


def operation(schema, path, method):
    return schema["paths"][f"/api/v1/{path}"][method]


def test_reanalyse_documents_its_409(schema):
    responses = operation(schema, "sessions/{id}/reanalyse/", "post")["responses"]
    assert "409" in responses
    assert "application/json" in responses["409"]["content"]


def test_video_is_binary_with_ranges(schema):
    video = operation(schema, "sessions/{id}/video/", "get")
    responses = video["responses"]
    for code in ("200", "206"):
        content = responses[code]["content"]
        assert "video/*" in content
        assert content["video/*"]["schema"] == {"type": "string", "format": "binary"}
        assert "Accept-Ranges" in responses[code]["headers"]
    assert "Content-Range" in responses["206"]["headers"]
    assert "416" in responses
    assert "Content-Range" in responses["416"]["headers"]
    headers = {p["name"] for p in video["parameters"] if p["in"] == "header"}
    assert "Range" in headers


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("auth/signup/", "post"),
        ("me/weights/", "post"),
        ("sessions/", "post"),
        ("uploads/", "post"),
        ("uploads/{id}/complete/", "post"),
    ],
)
def test_created_responses_carry_location(schema, path, method):
    created = operation(schema, path, method)["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True


def test_tus_responses_carry_upload_offset(schema):
    assert "Upload-Offset" in operation(schema, "uploads/", "post")["responses"]["201"]["headers"]
    chunk = operation(schema, "uploads/{id}/", "patch")["responses"]["204"]
    assert "Upload-Offset" in chunk["headers"]


def test_where_to_resume_an_upload_is_documented_with_headers_only(schema):
    """HEAD, which drf-spectacular leaves out of a schema, so generated clients can resume."""
    where = operation(schema, "uploads/{id}/", "head")
    assert where["operationId"] == "v1_uploads_offset"
    assert {"Upload-Offset", "Upload-Length"} <= set(where["responses"]["200"]["headers"])
    assert {"401", "404", "412"} <= set(where["responses"])
    assert not [code for code, answer in where["responses"].items() if "content" in answer]


def test_every_429_documents_retry_after(schema):
    throttled = [
        op["responses"]["429"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "429" in op.get("responses", {})
    ]
    assert throttled
    for response in throttled:
        assert "Retry-After" in response["headers"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("auth/signup/", "post"),
        ("auth/login/", "post"),
        ("auth/token/", "post"),
        ("auth/token/refresh/", "post"),
        ("auth/password-reset/", "post"),
        ("auth/password-reset/confirm/", "post"),
        ("auth/csrf/", "get"),
        ("exercises/", "get"),
    ],
)
def test_public_operations_have_no_security_requirement(schema, path, method):
    assert "security" not in schema
    security = operation(schema, path, method).get("security")
    # {}: anonymous requests are allowed (a signed-in one may see more, as the catalogue does).
    assert not security or {} in security


@pytest.mark.parametrize("component", ["Session", "SessionDetail"])
def test_session_responses_require_the_editable_fields(schema, component):
    required = schema["components"]["schemas"][component]["required"]
    assert {"title", "notes", "started_at"} <= set(required)


def test_descriptions_are_api_documentation_not_implementation_notes(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            description = op.get("description", "")
            for note in ("atomic", "family", "Public:", "For views", "OwnedByUserMixin"):
                assert note not in description, (method, path, note)


NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


@pytest.mark.parametrize(
    ("component", "field", "ref"),
    [("Records", "longest_plank", "HoldRecord"), ("SessionDetail", "body_metrics", "BodyMetrics")],
)
def test_nullable_nested_objects_are_the_object_or_null(schema, component, field, ref):
    """Valid OpenAPI 3.0.3 for the null the server sends (`nullable` beside a `type`, in a
    branch of its own), and read by openapi-python-client as `Object | None`: beside one
    `allOf` reference it generated a client that fails on null (tests/clients)."""
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert prop["oneOf"] == [{"$ref": f"#/components/schemas/{ref}"}, NULL_ONLY]
    assert not {"allOf", "nullable", "type"} & set(prop)


def test_body_metrics_are_typed_and_session_detail_describes_itself(schema):
    components = schema["components"]["schemas"]
    metrics = components["SessionDetail"]["properties"]["body_metrics"]
    assert metrics["oneOf"][0] == {"$ref": "#/components/schemas/BodyMetrics"}
    assert set(components["BodyMetrics"]["properties"]) == {"weight_kg", "height_cm", "age", "sex"}
    assert components["SessionDetail"]["description"] != components["Session"]["description"]


def test_sessions_list_documents_its_cursor(schema):
    listing = operation(schema, "sessions/", "get")
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert {"cursor", "page", "page_size"} <= set(parameters)
    assert parameters["cursor"]["schema"] == {"type": "string"}
    page = schema["components"]["schemas"]["PaginatedSessionList"]
    assert "cursor=" in page["properties"]["next"]["example"]
    assert set(page["required"]) == {"count", "results"}  # the same shape either way


@pytest.mark.parametrize(
    "path",
    ["sessions/", "sessions/{id}/", "stats/timeline/", "stats/records/", "stats/streaks/", "me/"],
)
def test_json_reads_document_etag_and_304(schema, path):
    read = operation(schema, path, "get")
    assert "ETag" in read["responses"]["200"]["headers"]
    assert "ETag" in read["responses"]["304"]["headers"]
    assert "content" not in read["responses"]["304"]
    assert "If-None-Match" in {p["name"] for p in read["parameters"] if p["in"] == "header"}


def test_the_video_download_is_not_conditional(schema):
    assert "304" not in operation(schema, "sessions/{id}/video/", "get")["responses"]


def test_authenticated_operations_keep_the_jwt_scheme(schema):
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    assert {"jwtAuth": []} in operation(schema, "sessions/", "get")["security"]
