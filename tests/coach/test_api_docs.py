import pytest

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_and_lists_the_mobile_contract(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/auth/signup/",
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/me/",
        "/api/v1/me/weights/",
        "/api/v1/me/weights/{id}/",
        "/api/v1/me/export/",
    ]:
        assert path in schema["paths"], path
    weight = schema["components"]["schemas"]["WeightEntry"]["properties"]
    assert {"id", "weight_kg", "measured_at"} <= set(weight)
    assert "400" in schema["paths"]["/api/v1/me/weights/"]["post"]["responses"]
    assert "404" in schema["paths"]["/api/v1/me/weights/{id}/"]["get"]["responses"]


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_unknown_api_path_answers_json_404(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
