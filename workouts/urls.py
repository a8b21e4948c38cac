from django.urls import path

from workouts import apis
from workouts.stats import apis as stats_apis
from workouts.uploads import apis as upload_apis

urlpatterns = [
    path("sessions/", apis.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<int:pk>/", apis.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:pk>/video/", apis.SessionVideoApi.as_view(), name="session-video"),
    path(
        "sessions/<int:pk>/thumbnail/",
        apis.SessionThumbnailApi.as_view(),
        name="session-thumbnail",
    ),
    path(
        "sessions/<int:pk>/reanalyse/",
        apis.SessionReanalyseApi.as_view(),
        name="session-reanalyse",
    ),
    path("uploads/", upload_apis.UploadCreateApi.as_view(), name="upload-create"),
    path(
        "uploads/<uuid:pk>/",
        upload_apis.UploadDetailApi.as_view(),
        name="upload-detail",
    ),
    path(
        "uploads/<uuid:pk>/complete/",
        upload_apis.UploadCompleteApi.as_view(),
        name="upload-complete",
    ),
    path("stats/timeline/", stats_apis.StatsTimelineApi.as_view(), name="stats-timeline"),
    path("stats/records/", stats_apis.StatsRecordsApi.as_view(), name="stats-records"),
    path("stats/streaks/", stats_apis.StatsStreaksApi.as_view(), name="stats-streaks"),
]
