from django.urls import path

from workouts import views

urlpatterns = [
    path("sessions/", views.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<int:pk>/", views.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:pk>/video/", views.SessionVideoApi.as_view(), name="session-video"),
    path(
        "sessions/<int:pk>/reanalyse/",
        views.SessionReanalyseApi.as_view(),
        name="session-reanalyse",
    ),
]
