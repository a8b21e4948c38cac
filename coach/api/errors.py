"""One error shape everywhere: drf-standardized-errors' `{type, errors: [{code, detail, attr}]}`.

Token errors from simplejwt become one error with a documented code. A database that dropped
the connection answers 503 with Retry-After (coach.db_retry runs a read once more first).
Services raise Django's ValidationError (they know nothing of DRF); it is turned into a 400
here (or the `status_code` the error carries) so views stay thin. Plain-Django 404/500
pages under /api/ answer in the same JSON shape instead of HTML.
"""

from django import db
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, serializers, status
from rest_framework_simplejwt import exceptions as jwt_exceptions


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."


class DatabaseUnavailable(exceptions.APIException):
    """The database dropped the connection or cannot be reached (a restart, a failover)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = "The database cannot be reached right now. Try again in a few seconds."
    wait = 5  # Retry-After


class CoachExceptionHandler(ExceptionHandler):
    def set_rollback(self):
        # A non-atomic view has no request transaction of its own to roll back.
        if not getattr(self.context.get("view"), "non_atomic_requests", False):
            super().set_rollback()

    def convert_known_exceptions(self, exc):
        if isinstance(exc, DjangoValidationError):
            converted = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
            # A service may ask for another 4xx (e.g. 413 for a file over the size limit).
            converted.status_code = getattr(exc, "status_code", converted.status_code)
            return converted
        if isinstance(exc, db.OperationalError | db.InterfaceError):
            return DatabaseUnavailable()
        if isinstance(exc, jwt_exceptions.AuthenticationFailed) and isinstance(exc.detail, dict):
            return _one_authentication_error(exc)
        return super().convert_known_exceptions(exc)


def _one_authentication_error(exc) -> exceptions.AuthenticationFailed:
    """simplejwt's 401 detail is a dict (detail, code, messages[]) that would flatten into
    several errors; clients get one, with the code the schema lists."""
    messages = exc.detail.get("messages") or []
    text = messages[-1]["message"] if messages else exc.detail.get("detail", exc.default_detail)
    converted = exceptions.AuthenticationFailed(
        detail=str(text), code=str(exc.detail.get("code", exc.default_code))
    )
    converted.auth_header = getattr(exc, "auth_header", None)  # keeps WWW-Authenticate
    return converted


def _error_body(error_type, code, detail):
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(_error_body("client_error", "not_found", "Not found."), status=404)
    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        body = _error_body("server_error", "error", "A server error occurred.")
        return JsonResponse(body, status=500)
    return server_error(request)
