from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from coach.dashboard import dashboard
from coach.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("users.urls")),
    path("api/v1/", include("workouts.urls")),
    path("api/v1/", include("notifications.urls")),
    path("api/v1/", include("exercises.urls")),
    # The web dashboard: a single-page app that owns every URL under /app/.
    path("", RedirectView.as_view(url="/app/", permanent=False)),
    re_path(r"^app/(?P<path>.*)$", dashboard, name="dashboard"),
]

handler404 = "coach.api.errors.handler404"
handler500 = "coach.api.errors.handler500"
