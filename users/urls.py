from django.urls import path

from users import apis

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="auth-signup"),
    path("auth/csrf/", apis.CsrfApi.as_view(), name="auth-csrf"),
    path("auth/login/", apis.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path(
        "auth/password-reset/",
        apis.PasswordResetRequestApi.as_view(),
        name="auth-password-reset",
    ),
    path(
        "auth/password-reset/confirm/",
        apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("me/password/", apis.PasswordChangeApi.as_view(), name="me-password"),
    path("me/export/", apis.ExportApi.as_view(), name="me-export"),
    path("me/weights/", apis.WeightEntryListCreateApi.as_view(), name="weight-list"),
    path("me/weights/<int:pk>/", apis.WeightEntryDetailApi.as_view(), name="weight-detail"),
]
