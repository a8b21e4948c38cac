"""Thin API views: the exercise catalogue with the user's own exercises, their examples,
and the correction of a bout's exercise."""

from pathlib import PurePosixPath

from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from coach.api.errors import Conflict
from coach.api.mixins import OwnedByUserMixin
from coach.api.openapi import client_error_response, location_header
from coach.api.ranges import ranged_file_response
from coach.api.responses import created
from exercises import selectors, services
from exercises.models import CustomExercise, ExerciseExample
from exercises.serializers import (
    BoutCorrectionSerializer,
    CustomExerciseCreateSerializer,
    CustomExerciseSerializer,
    CustomExerciseUpdateSerializer,
    ExampleCreateSerializer,
    ExampleSerializer,
    ExerciseSerializer,
    custom_exercise_row,
)
from workouts.apis import VIDEO_CONTENT_TYPES
from workouts.models import Bout
from workouts.serializers import BoutSerializer
from workouts.services import AnalysisConflict

TAG = "exercises"
CORRECTION_CONFLICT_409 = client_error_response("BoutCorrectionConflictResponse", ["conflict"])


def _with_validation_errors(codes: dict[str, list[str]], methods: list[str]):
    """Documents each field's error codes of a service (they come from no serializer)."""

    def decorate(view):
        for field, field_codes in codes.items():
            view = extend_validation_errors(field_codes, field_name=field, methods=methods)(view)
        return view

    return decorate


@extend_schema(tags=[TAG])
@_with_validation_errors(services.EXERCISE_ERROR_CODES, methods=["post"])
class ExerciseListCreateApi(APIView):
    # GET is public (what an app needs before its first log-in); signed in, it lists the
    # user's own exercises too. POST needs an account.

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        summary="List the exercises coach recognises",
        description="Every exercise slug that bouts can carry, with its display name, whether "
        "it is counted in repetitions or held (`measure`), and the MET value and Compendium of "
        "Physical Activities entry its calories use. Signed in, your own exercises follow the "
        "built-in ones (`custom`: true); nobody else sees them. `unknown`, last, is an "
        "exercise coach was not taught: its repetitions are still counted.",
        responses=ExerciseSerializer(many=True),
    )
    def get(self, request):
        builtins = [{**row, "custom": False} for row in selectors.builtin_catalogue()]
        own = []
        if request.user.is_authenticated:
            own = [
                custom_exercise_row(e) for e in selectors.custom_exercise_list(user=request.user)
            ]
        return Response(ExerciseSerializer([*builtins[:-1], *own, builtins[-1]], many=True).data)

    @extend_schema(
        summary="Create an exercise of my own",
        description="A custom exercise, private to you: its slug is made from `name` (400 "
        "`name_taken` when that is a built-in exercise's or another of yours). Give it "
        "examples (or correct bouts to it) and coach learns to recognise it.",
        request=CustomExerciseCreateSerializer,
        responses={201: CustomExerciseSerializer},
        parameters=[location_header("The URL of the new exercise.")],
    )
    def post(self, request):
        serializer = CustomExerciseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        exercise = services.custom_exercise_create(
            user=request.user,
            name=data["name"],
            kind=data["measure"],
            met=data.get("met"),
            compendium_code=data.get("compendium_code", ""),
        )
        return created(request, _exercise_data(exercise), "exercise-detail", exercise.slug)


def _exercise_data(exercise: CustomExercise) -> dict:
    model = selectors.exercise_model(user=exercise.user)
    return CustomExerciseSerializer(exercise, context={"model": model}).data


class OwnedExerciseMixin(OwnedByUserMixin):
    queryset = CustomExercise.objects.all()
    lookup_field = "slug"
    lookup_url_kwarg = "slug"


@extend_schema(tags=[TAG])
@_with_validation_errors({"compendium_code": ["unknown_compendium_code"]}, methods=["patch"])
class ExerciseDetailApi(OwnedExerciseMixin, generics.GenericAPIView):
    serializer_class = CustomExerciseSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(
        summary="One of my exercises",
        description="With how many examples it has and the training state of your model. "
        "Built-in exercises and other users' answer 404.",
    )
    def get(self, request, *args, **kwargs):
        return Response(_exercise_data(self.get_object()))

    @extend_schema(
        summary="Rename an exercise of mine or change its measure or MET",
        description="The slug stays (bouts carry it). A new `measure` or `met` trains the "
        "model again; bouts analysed before keep their count and calories until re-analysed "
        "or corrected.",
        request=CustomExerciseUpdateSerializer,
    )
    def patch(self, request, *args, **kwargs):
        exercise = self.get_object()
        serializer = CustomExerciseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "measure" in fields:
            fields["kind"] = fields.pop("measure")
        exercise = services.custom_exercise_update(exercise=exercise, **fields)
        return Response(_exercise_data(exercise))

    @extend_schema(
        summary="Delete an exercise of mine",
        description="Deletes it with its examples and trains the model again. Its bouts "
        "become `unknown`: their repetitions stay, their calories follow `unknown`'s MET.",
        responses={204: None},
    )
    def delete(self, request, *args, **kwargs):
        services.custom_exercise_delete(exercise=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OwnedExampleMixin(OwnedByUserMixin):
    queryset = ExerciseExample.objects.select_related("exercise", "session")

    def safely_get_queryset(self, queryset):
        return queryset.filter(exercise__slug=self.kwargs["slug"])

    def owned_exercise(self) -> CustomExercise:
        exercise = selectors.custom_exercise_by_slug(
            user=self.request.user, slug=self.kwargs["slug"]
        )
        if exercise is None:
            raise NotFound()
        return exercise


@extend_schema(tags=[TAG])
@_with_validation_errors(services.EXAMPLE_ERROR_CODES, methods=["post"])
class ExampleListCreateApi(OwnedExampleMixin, generics.ListAPIView):
    serializer_class = ExampleSerializer
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="The examples of an exercise of mine",
        description="Oldest first, each with its stretch, whether a worker has prepared it "
        "(`status`) and where to play it (`video_url`).",
    )
    def get(self, request, *args, **kwargs):
        self.owned_exercise()  # another user's exercise: 404, not an empty list
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add an example",
        description="One of: a stretch of one of your analysed sessions (`session`, "
        "`start_s`, `end_s`; JSON), a whole bout (`bout`), or a short video of the exercise "
        "(multipart `video`, optionally with `start_s`/`end_s`). The model trains again a "
        "few seconds later on a worker. Refused (400): a stretch that is empty or outside "
        "the video, a session that is not analysed or another user's (`does_not_exist`).",
        request=ExampleCreateSerializer,
        responses={201: ExampleSerializer},
        parameters=[location_header("The URL of the new example.")],
    )
    def post(self, request, *args, **kwargs):
        exercise = self.owned_exercise()
        serializer = ExampleCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "video" in data:
            example = services.example_create_from_video(
                exercise=exercise,
                video=data["video"],
                start_s=data.get("start_s"),
                end_s=data.get("end_s"),
            )
        elif "bout" in data:
            example = services.example_create_from_bout(exercise=exercise, bout=data["bout"])
        else:
            example = services.example_create_from_session(
                exercise=exercise,
                session=data["session"],
                start_s=data["start_s"],
                end_s=data["end_s"],
            )
        body = ExampleSerializer(example).data
        return created(request, body, "exercise-example-detail", exercise.slug, example.pk)


@extend_schema(tags=[TAG])
class ExampleDetailApi(OwnedExampleMixin, generics.RetrieveDestroyAPIView):
    serializer_class = ExampleSerializer

    @extend_schema(
        summary="One example of an exercise of mine",
        description="With its stretch, whether a worker has prepared it and where to play it.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Remove an example",
        description="Removes it (and its video, if it had one of its own); the model trains "
        "again without it.",
    )
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, example):
        services.example_delete(example=example)


@extend_schema(tags=[TAG])
class ExampleVideoApi(OwnedExampleMixin, generics.GenericAPIView):
    serializer_class = ExampleSerializer

    @extend_schema(
        summary="The video of an example given as a video",
        description="As the session video endpoint: one `Range` per request answers 206. "
        "404 for an example taken from a session (play the session's video).",
        responses={
            (200, "video/*"): OpenApiResponse(description="The example's video."),
            (206, "video/*"): OpenApiResponse(description="The byte range asked for."),
        },
    )
    def get(self, request, *args, **kwargs):
        example = self.get_object()
        if not example.video:
            raise NotFound("This example was taken from a session; play the session's video.")
        suffix = PurePosixPath(example.video.name).suffix
        return ranged_file_response(
            request,
            example.video.open("rb"),
            example.video.size,
            content_type=VIDEO_CONTENT_TYPES.get(suffix, "application/octet-stream"),
            as_attachment=False,
            filename=f"example-{example.pk}{suffix}",
        )


@extend_schema(tags=["workout sessions"])
@_with_validation_errors(services.CORRECTION_ERROR_CODES, methods=["patch"])
class BoutDetailApi(OwnedByUserMixin, generics.GenericAPIView):
    queryset = Bout.objects.select_related("session", "session__user")
    serializer_class = BoutSerializer
    lookup_url_kwarg = "bout_id"

    def safely_get_queryset(self, queryset):
        return queryset.filter(session_id=self.kwargs["pk"])

    @extend_schema(
        summary="One bout of a session of mine",
        description="As in the session's `bouts`; its `id` is what a correction names.",
    )
    def get(self, request, *args, **kwargs):
        return Response(BoutSerializer(self.get_object()).data)

    @extend_schema(
        summary="Correct a bout's exercise",
        description="Relabels the bout as `exercise` (built-in or your own), counts it again "
        "with that exercise's counting, recomputes its calories and the session's totals, "
        "and, for one of your own exercises, keeps it as an example unless "
        "`keep_as_example` is false. 409 while the session is being analysed, or for a "
        "session analysed before coach kept its movements (re-analyse it first).",
        request=BoutCorrectionSerializer,
        responses={200: BoutSerializer, 409: CORRECTION_CONFLICT_409},
    )
    def patch(self, request, *args, **kwargs):
        bout = self.get_object()
        serializer = BoutCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            bout = services.bout_correct(bout=bout, **serializer.validated_data)
        except AnalysisConflict as conflict:
            raise Conflict(str(conflict))
        return Response(BoutSerializer(bout).data)
