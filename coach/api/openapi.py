"""OpenAPI helpers for error responses whose codes drf-standardized-errors cannot infer."""

from drf_spectacular.utils import inline_serializer
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


# simplejwt answers 401 with its own codes as well as DRF's.
JWT_401 = client_error_response(
    "JwtErrorResponse401",
    [
        "authentication_failed",
        "not_authenticated",
        "no_active_account",
        "token_not_valid",
        "user_not_found",
        "user_inactive",
    ],
)


def file_too_large_response(name: str, field: str):
    """Documents the 413 answered when a file is over WORKOUTS_MAX_UPLOAD_BYTES."""
    return get_validation_error_serializer(name, {field: {"file_too_large"}})
