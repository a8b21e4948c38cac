from django.urls import path

from exercises import apis

urlpatterns = [
    path("exercises/", apis.ExerciseListCreateApi.as_view(), name="exercise-list"),
    path("exercises/<str:slug>/", apis.ExerciseDetailApi.as_view(), name="exercise-detail"),
    path(
        "exercises/<str:slug>/examples/",
        apis.ExampleListCreateApi.as_view(),
        name="exercise-example-list",
    ),
    path(
        "exercises/<str:slug>/examples/<int:pk>/",
        apis.ExampleDetailApi.as_view(),
        name="exercise-example-detail",
    ),
    path(
        "exercises/<str:slug>/examples/<int:pk>/video/",
        apis.ExampleVideoApi.as_view(),
        name="exercise-example-video",
    ),
    path(
        "sessions/<int:pk>/bouts/<int:bout_id>/",
        apis.BoutDetailApi.as_view(),
        name="session-bout-detail",
    ),
]
