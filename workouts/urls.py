from django.urls import path

from workouts import stats_api, upload_views, views

urlpatterns = [
    path("sessions/", views.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<int:pk>/", views.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:pk>/video/", views.SessionVideoApi.as_view(), name="session-video"),
    path(
        "sessions/<int:pk>/reanalyse/",
        views.SessionReanalyseApi.as_view(),
        name="session-reanalyse",
    ),
    path("uploads/", upload_views.UploadCreateApi.as_view(), name="upload-create"),
    path(
        "uploads/<uuid:pk>/",
        upload_views.UploadDetailApi.as_view(),
        name="upload-detail",
    ),
    path(
        "uploads/<uuid:pk>/complete/",
        upload_views.UploadCompleteApi.as_view(),
        name="upload-complete",
    ),
    path("stats/timeline/", stats_api.TimelineApi.as_view(), name="stats-timeline"),
    path("stats/records/", stats_api.RecordsApi.as_view(), name="stats-records"),
    path("stats/streaks/", stats_api.StreaksApi.as_view(), name="stats-streaks"),
]
