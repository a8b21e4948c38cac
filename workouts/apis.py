"""Thin API views over workout sessions."""

from pathlib import PurePosixPath

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse429Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from coach.api.conditional import conditional_on_version, not_modified
from coach.api.errors import Conflict
from coach.api.mixins import NonAtomicRequestsMixin, OwnedByUserMixin
from coach.api.openapi import client_error_response, location_header
from coach.api.pagination import KeysetOrPageNumberPagination
from coach.api.ranges import ranged_file_response
from users.selectors import change_stamp
from workouts import representations, selectors, services
from workouts.filters import SessionFilter
from workouts.models import IN_FLIGHT_STATUSES, SessionSource, WorkoutSession
from workouts.serializers import (
    FILE_TOO_LARGE_413,
    SessionDetailSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
    SessionUploadSerializer,
)
from workouts.stats.cache import cached_stats
from workouts.uploads import direct

TAG = "workout sessions"
SESSION_LOCATION = location_header("The URL of the new session.")
REANALYSE_CONFLICT_409 = client_error_response("ReanalyseConflictResponse", ["conflict"])
LENGTH_REQUIRED_411 = client_error_response("LengthRequiredResponse", ["length_required"])


class OwnedSessionMixin(OwnedByUserMixin):
    # Every session view sees only the requesting user's sessions (scoped by
    # OwnedByUserMixin).

    queryset = WorkoutSession.objects.all()


@extend_schema(tags=[TAG])
@extend_validation_errors(services.UPLOAD_ERROR_CODES, field_name="video", methods=["post"])
@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
@extend_validation_errors(["invalid"], field_name="cursor", methods=["get"])
@extend_validation_errors(["blank"], field_name="ordering", methods=["get"])
@extend_validation_errors(["blank"], field_name="status", methods=["get"])
class SessionListCreateApi(NonAtomicRequestsMixin, OwnedSessionMixin, generics.ListAPIView):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    parser_classes = [MultiPartParser]
    pagination_class = KeysetOrPageNumberPagination

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST":
            direct.stream_video_to_storage(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        summary="List my workout sessions",
        description="My sessions, newest first, without their bouts (read one session for "
        "those). Filter by `status`, order with `ordering`. Follow `next` from the first "
        "page: its cursor links keep their place while new sessions arrive. `page` numbers "
        "still work, and are what a list ordered by another field than `started_at` links.",
    )
    def get(self, request, *args, **kwargs):
        self.version = change_stamp(user=request.user)
        return conditional_on_version(request, self.version, lambda: self.list(request))

    def count_rows(self, sessions) -> int:
        # The number changes only with the user's sessions, which renews their stamp: it is
        # counted once per stamp and filter, not on every page (parameters that are not the
        # filter set's, a client's cache-buster say, stay out of the key).
        names = set(self.filterset_class.base_filters)
        filters = sorted((k, v) for k, v in self.request.query_params.items() if k in names)
        return cached_stats(
            user=self.request.user,
            version=getattr(self, "version", None),
            name="sessions-count",
            params=tuple(filters),
            compute=sessions.count,
        )

    def list(self, request, *args, **kwargs):
        sessions = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(selectors.session_rows(sessions))
        return self.get_paginated_response(representations.sessions(page))

    @extend_schema(
        summary="Upload a workout video",
        request=SessionUploadSerializer,
        responses={
            201: SessionDetailSerializer,
            411: LENGTH_REQUIRED_411,
            413: FILE_TOO_LARGE_413,
            429: ErrorResponse429Serializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Any unique string per upload: the same key sent again within a "
                "day (a retry after a lost answer) returns the first upload's session instead "
                "of making a second one.",
            ),
            SESSION_LOCATION,
        ],
        description="Stores the video and queues its analysis; poll the session until "
        "`status` is `done` or `failed`. The file is checked by decoding it. Limits: "
        "size (WORKOUTS_MAX_UPLOAD_BYTES, answered with 413), duration "
        "(WORKOUTS_MAX_DURATION_S) and videos in analysis at once per user "
        "(WORKOUTS_MAX_IN_FLIGHT, answered with 429). A body over the size limit is "
        "refused before it is read when its Content-Length says so; send the body with a "
        "Content-Length (411 without one).",
    )
    def post(self, request):
        direct.ensure_length_is_declared(request)
        serializer = SessionUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.session_create_from_upload(
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:255],
            **serializer.validated_data,
        )
        response = Response(SessionDetailSerializer(session).data, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{session.id}/")
        return response


@extend_schema(tags=[TAG])
class SessionDetailApi(
    NonAtomicRequestsMixin, OwnedSessionMixin, generics.RetrieveUpdateDestroyAPIView
):
    serializer_class = SessionDetailSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(
        summary="A session with its bouts and repetitions",
        description="One of my sessions, with its bouts, repetition times and calories. "
        "Another user's session answers 404.",
    )
    def get(self, request, *args, **kwargs):
        version = change_stamp(user=request.user)
        return conditional_on_version(request, version, lambda: self.retrieve(request, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        rows = selectors.session_detail_rows(self.get_queryset(), kwargs["pk"])
        if rows is None:
            raise NotFound()
        return Response(representations.session_detail(*rows))

    @extend_schema(
        summary="Edit title, notes or start time",
        description="Any of the three; the calories keep the body metrics they were computed "
        "with until the session is analysed again.",
        request=SessionUpdateSerializer,
    )
    def patch(self, request, *args, **kwargs):
        session = self.get_object()
        serializer = SessionUpdateSerializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.session_update(session=session, **serializer.validated_data)
        return Response(SessionDetailSerializer(session).data)

    @extend_schema(
        summary="Delete a session, its results and its video",
        description="Deletes the session for good, with its bouts and its stored video.",
    )
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, session):
        services.session_delete(session=session)


# Known video types are sent as such; any other file as application/octet-stream.
VIDEO_MEDIA_TYPES = ["video/*", "application/octet-stream"]


@extend_schema(tags=[TAG])
class SessionVideoApi(OwnedSessionMixin, generics.GenericAPIView):
    serializer_class = SessionSerializer

    @extend_schema(
        summary="Download the original video",
        description="The stored video, as `video/*` for known video types (shown inline by "
        "players) and as an `application/octet-stream` attachment otherwise. One byte range "
        "per request (`Range: bytes=first-last`) answers 206; several ranges or a malformed "
        "header get the whole file. 404 when the video is no longer stored.",
        parameters=[
            OpenApiParameter(
                "Range",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or "
                "`bytes=-1024` (the last 1024 bytes).",
            ),
            OpenApiParameter(
                "Accept-Ranges",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                enum=["bytes"],
                required=True,
                description="Byte ranges are accepted.",
                response=[200, 206],
            ),
            OpenApiParameter(
                "Content-Range",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`bytes first-last/size` on a 206; `bytes */size` on a 416.",
                response=[206, 416],
            ),
        ],
        responses={
            **{
                (200, media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The video file as uploaded."
                )
                for media_type in VIDEO_MEDIA_TYPES
            },
            **{
                (206, media_type): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The byte range asked for with a `Range` header (seeking players).",
                )
                for media_type in VIDEO_MEDIA_TYPES
            },
            416: OpenApiResponse(
                description="The `Range` lies outside the file (no body; see `Content-Range`)."
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        session = self.get_object()
        if not session.has_video:
            raise NotFound(_missing_video_reason(session))
        suffix = PurePosixPath(session.video.name).suffix
        # Inline only as a known video type (for <video> players); anything else downloads.
        content_type = VIDEO_CONTENT_TYPES.get(suffix)
        return ranged_file_response(
            request,
            session.video.open("rb"),
            session.video.size,
            content_type=content_type or "application/octet-stream",
            as_attachment=content_type is None,
            filename=f"session-{session.id}{suffix}",
        )


THUMBNAIL_CACHE_S = 7 * 24 * 3600  # its URL changes with the poster (`?v=`)


@extend_schema(tags=[TAG])
class SessionThumbnailApi(OwnedSessionMixin, generics.GenericAPIView):
    serializer_class = SessionSerializer

    @extend_schema(
        summary="The session's poster frame",
        description="A JPEG frame from the video (its long side at most 480 px), for history "
        "lists: the middle of the first bout, or 1 s in. Use the session's `thumbnail_url`, "
        "which changes whenever the poster does; the answer carries an `ETag` (304 to "
        "`If-None-Match`) and may be cached privately. 404 while there is none: before the "
        "analysis, for a live session that sent landmarks only, after the video is deleted.",
        parameters=[
            OpenApiParameter(
                "v",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="The poster's version, as `thumbnail_url` gives it; ignored here.",
            ),
        ],
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The JPEG."),
            304: OpenApiResponse(description="Unchanged since the `ETag` sent (no body)."),
        },
    )
    def get(self, request, *args, **kwargs):
        session = self.get_object()
        if not session.thumbnail:
            raise NotFound("This session has no poster frame.")
        etag = f'"{PurePosixPath(session.thumbnail.name).stem}"'
        headers = {
            "ETag": etag,
            "Cache-Control": f"private, max-age={THUMBNAIL_CACHE_S}",
        }
        response = not_modified(request, etag)
        if response is None:
            response = FileResponse(session.thumbnail.open("rb"), content_type="image/jpeg")
        for name, value in headers.items():
            response[name] = value
        return response


def _missing_video_reason(session) -> str:
    if session.video_deleted_at is not None or session.source != SessionSource.LIVE:
        return "The video of this session is no longer stored."
    if session.status in IN_FLIGHT_STATUSES:
        return "The video of a live session is made from its frames when it is analysed."
    return "This live session sent pose landmarks, not camera frames, so it has no video."


VIDEO_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}


@extend_schema(tags=[TAG])
@extend_validation_errors(["video_deleted"], field_name="non_field_errors", methods=["post"])
class SessionReanalyseApi(OwnedSessionMixin, generics.GenericAPIView):
    serializer_class = SessionDetailSerializer

    @extend_schema(
        summary="Analyse the session again (after a model update or a failure)",
        description="Queues a new analysis of the stored video; poll the session as after "
        "an upload. 409 while the session is still live or already waiting for or in "
        "analysis; 400 `video_deleted` when its video is no longer stored.",
        request=None,
        responses={
            202: SessionDetailSerializer,
            409: REANALYSE_CONFLICT_409,
            429: ErrorResponse429Serializer,
        },
    )
    def post(self, request, *args, **kwargs):
        session = self.get_object()
        try:
            session = services.session_request_reanalysis(session=session)
        except services.AnalysisConflict as conflict:
            raise Conflict(str(conflict))
        return Response(SessionDetailSerializer(session).data, status=status.HTTP_202_ACCEPTED)
