"""OpenAPI helpers for error responses whose codes drf-standardized-errors cannot infer, the
schema's postprocessing hooks, and a generator that keeps views' own HEAD operations."""

from django.db import models
from drf_spectacular import generators
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from drf_standardized_errors.openapi_utils import get_validation_error_serializer
from rest_framework import serializers


def client_error_response(name: str, codes: list[str]):
    """Documents a `{type: "client_error", errors: [{code, detail, attr}]}` response."""
    error = inline_serializer(
        name=f"{name}Item",
        fields={
            "code": serializers.ChoiceField(choices=codes),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
        many=True,
    )
    return inline_serializer(
        name=name,
        fields={"type": serializers.ChoiceField(choices=ClientErrorEnum.choices), "errors": error},
    )


class AuthenticationErrorCode(models.TextChoices):
    """Every code a 401 carries: DRF's, and simplejwt's for tokens (coach.api.errors)."""

    AUTHENTICATION_FAILED = "authentication_failed"
    NOT_AUTHENTICATED = "not_authenticated"
    TOKEN_NOT_VALID = "token_not_valid"
    PASSWORD_CHANGED = "password_changed"
    USER_NOT_FOUND = "user_not_found"
    USER_INACTIVE = "user_inactive"
    NO_ACTIVE_ACCOUNT = "no_active_account"
    BAD_AUTHORIZATION_HEADER = "bad_authorization_header"


class Error401Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=AuthenticationErrorCode.choices)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse401Serializer(serializers.Serializer):
    """The 401 of every authenticated operation (DRF_STANDARDIZED_ERRORS' ERROR_SCHEMAS)."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error401Serializer(many=True)


def file_too_large_response(name: str, field: str):
    """Documents the 413 answered when a file is over WORKOUTS_MAX_UPLOAD_BYTES."""
    return get_validation_error_serializer(name, {field: {"file_too_large"}})


def location_header(description: str) -> OpenApiParameter:
    """The `Location` header every 201 carries: the absolute URL of what was created."""
    return OpenApiParameter(
        "Location",
        OpenApiTypes.URI,
        OpenApiParameter.HEADER,
        required=True,
        description=description,
        response=[201],
    )


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}


def add_retry_after_to_429(result, generator, request, public):
    """Postprocessing hook: every 429 may carry `Retry-After` (the error handler sends it
    whenever the throttle knows the wait), including the 429s drf-standardized-errors adds
    for throttled views."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            response = operation.get("responses", {}).get("429")
            if isinstance(response, dict):
                response.setdefault("headers", {}).setdefault("Retry-After", RETRY_AFTER_HEADER)
    return result


def nullable_refs_as_one_of(result, generator, request, public):
    """Postprocessing hook: a nullable nested serializer as `oneOf: [its $ref, null]`.

    drf-spectacular writes `allOf: [$ref]` with `nullable: true` beside it. In OpenAPI 3.0.3
    `nullable` counts only beside a `type`, and even then the referenced object refuses the
    `null` the server sends; openapi-python-client reads `type` + one `$ref` as the object
    alone and its generated client fails on the `null`. With a schema that is null only (a
    `type`, `nullable`, `enum: [null]`) as the second branch it is valid 3.0.3, and
    openapi-python-client generates `Object | None`."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            if prop.get("nullable") and len(prop.get("allOf", [])) == 1:
                del prop["nullable"]
                prop.pop("type", None)
                null_only = {"type": "object", "nullable": True, "enum": [None]}
                prop["oneOf"] = [*prop.pop("allOf"), null_only]
    return result


class EndpointEnumerator(generators.EndpointEnumerator):
    """drf-spectacular leaves every HEAD out; a view that defines `head` itself (where a
    resumable upload goes on) keeps its operation."""

    def get_allowed_methods(self, callback):
        methods = super().get_allowed_methods(callback)
        if not hasattr(callback, "actions") and hasattr(callback.cls, "head"):
            methods.append("HEAD")
        return methods


class SchemaGenerator(generators.SchemaGenerator):
    endpoint_inspector_cls = EndpointEnumerator


def head_answers_have_no_body(result, generator, request, public):
    """Postprocessing hook: an answer to HEAD has headers only, errors included (the error
    responses drf-standardized-errors adds describe JSON a client would then try to read)."""
    for path_item in result.get("paths", {}).values():
        for response in path_item.get("head", {}).get("responses", {}).values():
            response.pop("content", None)
    return result


ETAG_HEADER = {
    "description": "Names this version of the answer: send it back in `If-None-Match`.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "The `ETag` of an answer already held: 304 with no body while it is "
    "still current.",
    "schema": {"type": "string"},
}


def add_conditional_get(result, generator, request, public):
    """Postprocessing hook: every JSON GET answer carries an `ETag` and answers 304 to an
    `If-None-Match` that names the current one (ConditionalGetMiddleware, or the data's
    version: coach.api.conditional)."""
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("get")
        ok = operation and operation.get("responses", {}).get("200", {})
        if not ok or "application/json" not in ok.get("content", {}):
            continue
        ok.setdefault("headers", {})["ETag"] = ETAG_HEADER
        operation.setdefault("parameters", []).append(IF_NONE_MATCH_PARAMETER)
        operation["responses"]["304"] = {
            "description": "Not modified: the answer named in `If-None-Match` is current.",
            "headers": {"ETag": ETAG_HEADER},
        }
    return result
