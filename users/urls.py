from django.urls import path

from users import views

urlpatterns = [
    path("auth/signup/", views.SignupApi.as_view(), name="auth-signup"),
    path("auth/csrf/", views.CsrfApi.as_view(), name="auth-csrf"),
    path("auth/login/", views.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/token/", views.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("me/password/", views.PasswordChangeApi.as_view(), name="me-password"),
    path("me/export/", views.ExportApi.as_view(), name="me-export"),
    path("me/weights/", views.WeightEntryListCreateApi.as_view(), name="weight-list"),
    path("me/weights/<int:pk>/", views.WeightEntryDetailApi.as_view(), name="weight-detail"),
]
