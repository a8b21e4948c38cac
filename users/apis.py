"""Thin API views: parse, call a service or selector, render."""

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from coach.api.mixins import NonAtomicRequestsMixin, OwnedByUserMixin
from coach.api.openapi import ErrorResponse401Serializer, location_header
from coach.api.responses import created
from users import exports, services, throttling
from users.filters import WeightEntryFilter
from users.models import WeightEntry
from users.serializers import (
    CredentialsSerializer,
    CsrfTokenSerializer,
    DetailSerializer,
    ExportSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    ProfileSerializer,
    SignupResponseSerializer,
    SignupSerializer,
    TokenPairSerializer,
    WeightEntrySerializer,
)
from users.tokens import token_pair_for

AUTH_TAG = "auth"
PROFILE_TAG = "profile"
WEIGHTS_TAG = "body weight"


class AuthThrottleMixin:
    # Sign-up and log-in attempts are rate limited per client address (the one the
    # deployment trusts, `NUM_PROXIES`); log-ins also per account (`users.throttling`).

    throttle_scope = "auth"
    throttle_classes = [ScopedRateThrottle]


@extend_validation_errors(["unique"], field_name="email")
@extend_validation_errors(services.PASSWORD_ERROR_CODES, field_name="password")
class SignupApi(AuthThrottleMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        request=SignupSerializer,
        responses={201: SignupResponseSerializer},
        parameters=[location_header("The URL of the new account's profile (`/api/v1/me/`).")],
        summary="Create an account",
        description="Creates an account and returns the profile with a JWT pair. "
        "Browser clients then log in with `POST /api/v1/auth/login/`.",
    )
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        body = {"user": ProfileSerializer(user).data, "tokens": token_pair_for(user)}
        return created(request, body, "me")


class CsrfApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        responses=CsrfTokenSerializer,
        summary="Get a CSRF token (browser clients, before logging in)",
    )
    @method_decorator(ensure_csrf_cookie)
    def get(self, request):
        return Response({"csrf_token": get_token(request)})


@extend_validation_errors(["invalid_credentials"], field_name="non_field_errors")
class LoginApi(AuthThrottleMixin, APIView):
    # Session login for browser clients. CSRF-protected even though the caller is anonymous,
    # so another site cannot log a visitor into an account of its choosing.

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        request=CredentialsSerializer,
        responses={200: ProfileSerializer, 403: ErrorResponse403Serializer},
        summary="Log in with a session cookie (browser clients)",
        description="Send the CSRF token from `GET /api/v1/auth/csrf/` in the "
        "`X-CSRFToken` header; a request without it answers 403.",
    )
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        throttling.account_check_not_locked(email)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            throttling.account_record_failure(email)
            raise serializers.ValidationError(
                {"non_field_errors": ["E-mail address or password is wrong."]},
                code="invalid_credentials",
            )
        throttling.account_record_success(email)
        login(request, user)
        return Response(ProfileSerializer(user).data)


class LogoutApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[AUTH_TAG],
        request=LogoutSerializer,
        responses={204: None},
        summary="Log out: end the session and/or revoke a refresh token",
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if refresh := serializer.validated_data.get("refresh"):
            try:
                RefreshToken(refresh).blacklist()
            except TokenError as error:
                raise serializers.ValidationError({"refresh": [str(error)]}, code="invalid")
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenObtainApi(AuthThrottleMixin, TokenObtainPairView):
    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        summary="Obtain a JWT access/refresh pair (mobile clients)",
        description="Send `email` and `password`; send the access token as "
        "`Authorization: Bearer <access>` and renew it with the refresh token. Attempts are "
        "rate limited per client address and per account (429).",
        responses={200: TokenPairSerializer, 401: ErrorResponse401Serializer},
    )
    def post(self, request, *args, **kwargs):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str):  # the serializer answers 400 for it
            return super().post(request, *args, **kwargs)
        throttling.account_check_not_locked(email)
        try:
            response = super().post(request, *args, **kwargs)
        except exceptions.AuthenticationFailed:
            throttling.account_record_failure(email)
            raise
        throttling.account_record_success(email)
        return response


class TokenRefreshApi(NonAtomicRequestsMixin, AuthThrottleMixin, TokenRefreshView):
    # Non-atomic: revoking a reused token's family must stick though the answer is 401.

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        summary="Exchange a refresh token for a new pair",
        description="Refresh tokens rotate: the one sent is revoked. Sent again within "
        "`JWT_REFRESH_GRACE_S` (a retry, two screens at once), it gets the same new pair; "
        "sent again later, it revokes every token descended from the same log-in.",
        responses={200: TokenPairSerializer, 401: ErrorResponse401Serializer},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class PasswordResetRequestApi(AuthThrottleMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        request=PasswordResetRequestSerializer,
        responses={202: DetailSerializer},
        summary="Ask for a password-reset e-mail",
        description="Answers 202 whether or not an account has this address; if one has, "
        "a one-time code (`uid`, `token`) is e-mailed to it, valid for "
        "`PASSWORD_RESET_TIMEOUT_S`.",
    )
    def post(self, request):
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        detail = "If an account has this address, an e-mail with a reset code is on its way."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


@extend_validation_errors(["invalid"], field_name="token")
@extend_validation_errors(services.PASSWORD_ERROR_CODES, field_name="new_password")
class PasswordResetConfirmApi(AuthThrottleMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=[AUTH_TAG],
        auth=[],
        request=PasswordResetConfirmSerializer,
        responses={204: None},
        summary="Set a new password with the e-mailed reset code",
        description="The code works once. Every token issued before is revoked: log in again.",
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return self.request.user

    @extend_schema(tags=[PROFILE_TAG], summary="Read my profile")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=[PROFILE_TAG], summary="Update my profile")
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    @extend_schema(tags=[PROFILE_TAG], summary="Delete my account and everything I own")
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, user):
        services.user_delete(user=user)
        logout(self.request)


@extend_validation_errors(services.PASSWORD_ERROR_CODES, field_name="new_password")
class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[PROFILE_TAG],
        request=PasswordChangeSerializer,
        responses={204: None},
        summary="Change my password",
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_change_password(
            user=request.user, new_password=serializer.validated_data["new_password"]
        )
        update_session_auth_hash(request, request.user)  # keep this browser logged in
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[PROFILE_TAG], responses=ExportSerializer, summary="Export everything I own as JSON"
    )
    def get(self, request):
        response = Response(exports.user_export_data(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="coach-export.json"'
        return response


@extend_schema(tags=[WEIGHTS_TAG])
@extend_schema_view(
    get=extend_schema(
        summary="List my weight entries",
        description="Body-weight history, newest first.",
    ),
    post=extend_schema(
        summary="Record my weight",
        description="Adds a weight entry; `measured_at` is now by default.",
        parameters=[location_header("The URL of the new weight entry.")],
    ),
)
@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
class WeightEntryListCreateApi(OwnedByUserMixin, generics.ListCreateAPIView):
    # Body-weight history, newest first.

    queryset = WeightEntry.objects.all()
    serializer_class = WeightEntrySerializer
    filterset_class = WeightEntryFilter

    def perform_create(self, serializer):
        serializer.instance = services.weight_entry_create(
            user=self.request.user, **serializer.validated_data
        )

    def get_success_headers(self, data):
        return {"Location": self.request.build_absolute_uri(reverse("weight-detail", [data["id"]]))}


@extend_schema(tags=[WEIGHTS_TAG])
@extend_schema_view(
    get=extend_schema(summary="Read a weight entry", description="One of my weight entries."),
    put=extend_schema(summary="Replace a weight entry", description="Sets weight and time."),
    patch=extend_schema(
        summary="Edit a weight entry", description="Changes the weight, the time or both."
    ),
    delete=extend_schema(summary="Delete a weight entry", description="Deletes it for good."),
)
class WeightEntryDetailApi(OwnedByUserMixin, generics.RetrieveUpdateDestroyAPIView):
    queryset = WeightEntry.objects.all()
    serializer_class = WeightEntrySerializer

    def perform_update(self, serializer):
        services.weight_entry_update(entry=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, entry):
        services.weight_entry_delete(entry=entry)
