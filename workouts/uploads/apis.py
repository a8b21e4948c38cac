"""tus 1.0 endpoints for resumable uploads, plus an explicit completion step.

POST   /api/v1/uploads/                  Upload-Length, Upload-Metadata -> 201 Location
HEAD   /api/v1/uploads/{id}/             -> Upload-Offset (where to resume)
PATCH  /api/v1/uploads/{id}/             Upload-Offset + application/offset+octet-stream
DELETE /api/v1/uploads/{id}/             abandon the upload
POST   /api/v1/uploads/{id}/complete/    -> 201 the workout session (checked by decoding)
"""

from django.conf import settings
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse429Serializer
from drf_standardized_errors.openapi_utils import get_validation_error_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from coach.api.errors import Conflict
from coach.api.mixins import NonAtomicRequestsMixin, OwnedByUserMixin
from coach.api.openapi import client_error_response, file_too_large_response, location_header
from coach.api.responses import created
from coach.chunked import is_chunked_without_length
from workouts.models import ChunkedUpload
from workouts.serializers import FILE_TOO_LARGE_413, SessionDetailSerializer
from workouts.services import UPLOAD_ERROR_CODES
from workouts.uploads import services

TAG = "resumable uploads"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
TUS_HEADERS = {"Tus-Resumable": services.TUS_VERSION}


class OffsetStreamParser(BaseParser):
    media_type = OFFSET_CONTENT_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class TusVersionUnsupported(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "tus_version"
    default_detail = f"Send the header Tus-Resumable: {services.TUS_VERSION}."


class WrongContentType(APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = f"Chunks must be sent as {OFFSET_CONTENT_TYPE}."


TUS_RESUMABLE = OpenApiParameter(
    "Tus-Resumable",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    enum=[services.TUS_VERSION],
)
ERROR_409 = client_error_response("UploadConflictResponse", ["conflict"])
ERROR_412 = client_error_response("TusVersionResponse", ["tus_version"])


def upload_offset_header(codes: list[int], description: str) -> OpenApiParameter:
    """The `Upload-Offset` response header: how many bytes of the upload arrived."""
    return OpenApiParameter(
        "Upload-Offset",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        required=True,
        description=description,
        response=codes,
    )


# The chunk body is raw bytes, not a serializer, so its 400 shape is spelled out here.
CHUNK_ERROR_400 = get_validation_error_serializer(
    "UploadChunk", {"Upload-Offset": {"invalid"}, "Content-Length": {"invalid"}}
)


def _chunk_length(request) -> int | None:
    """Content-Length, or None for a chunked body (read to its end)."""
    if is_chunked_without_length(request.META):
        return None
    return _header_int(request, "Content-Length")


def _header_int(request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        message = f"The {name} header must be a whole number of bytes."
        raise ValidationError({name: [message]}, code="invalid")
    return int(raw)


class TusMetadata(SimpleMetadata):
    """OPTIONS describes the view without form actions: the tus views take headers and raw
    bytes, not a serializer."""

    def determine_actions(self, request, view):
        return {}


class TusMixin(OwnedByUserMixin):
    """tus headers on every answer; uploads are the requesting user's (OwnedByUserMixin):
    someone else's upload id answers 404. A POST with `X-HTTP-Method-Override` is handled as
    the method it names (tus 1.0: clients behind proxies that allow only GET and POST, such
    as tus-java-client's, send PATCH and DELETE that way)."""

    queryset = ChunkedUpload.objects.all()
    metadata_class = TusMetadata

    def initialize_request(self, request, *args, **kwargs):
        override = request.headers.get("X-HTTP-Method-Override", "").upper()
        if request.method == "POST" and override in {"PATCH", "DELETE", "HEAD"}:
            request.method = override
        return super().initialize_request(request, *args, **kwargs)

    def get_permissions(self):
        if self.request.method == "OPTIONS":  # tus discovery needs no account
            return [AllowAny()]
        return super().get_permissions()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and (
            request.headers.get("Tus-Resumable") != services.TUS_VERSION
        ):
            raise TusVersionUnsupported()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in TUS_HEADERS.items():
            response[name] = value
        if response.status_code == status.HTTP_412_PRECONDITION_FAILED:
            response["Tus-Version"] = services.TUS_VERSION  # what the client may speak
        return response


def _expires(response, upload: ChunkedUpload) -> None:
    """tus `expiration` extension: when an unfinished upload is removed."""
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())


@extend_schema(tags=[TAG])
@extend_validation_errors(["invalid", "empty_file"], field_name="Upload-Length")
@extend_validation_errors(["invalid"], field_name="Upload-Metadata")
class UploadCreateApi(TusMixin, GenericAPIView):
    @extend_schema(
        summary="Start a resumable upload",
        description="tus 1.0 creation. Headers: `Upload-Length` (bytes) and optionally "
        "`Upload-Metadata` with base64 values for `filename`, `title`, `notes`, `started_at`. "
        "Answers 201 with the upload's URL in `Location`.",
        parameters=[
            TUS_RESUMABLE,
            OpenApiParameter(
                "Upload-Length", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True
            ),
            OpenApiParameter("Upload-Metadata", OpenApiTypes.STR, OpenApiParameter.HEADER),
            location_header("The upload's URL: send its chunks there."),
            upload_offset_header([201], "Always 0: no bytes arrived yet."),
        ],
        request=None,
        responses={
            201: OpenApiResponse(description="Created; see Location."),
            412: ERROR_412,
            413: file_too_large_response("UploadTooLarge", "Upload-Length"),
            429: ErrorResponse429Serializer,
        },
    )
    def post(self, request):
        upload = services.upload_create(
            user=request.user,
            length=_header_int(request, "Upload-Length"),
            metadata=services.parse_metadata(request.headers.get("Upload-Metadata", "")),
        )
        response = Response(status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{upload.id}/")
        response["Upload-Offset"] = "0"
        _expires(response, upload)
        return response

    def options(self, request, *args, **kwargs):
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Tus-Version"] = services.TUS_VERSION
        response["Tus-Extension"] = "creation,termination,expiration"
        response["Tus-Max-Size"] = str(settings.WORKOUTS_MAX_UPLOAD_BYTES)
        return response


@extend_schema(tags=[TAG])
class UploadDetailApi(NonAtomicRequestsMixin, TusMixin, GenericAPIView):
    parser_classes = [OffsetStreamParser]  # documents the chunk media type; body is streamed

    @extend_schema(
        operation_id="v1_uploads_offset",
        summary="How many bytes arrived (where to resume)",
        description="Answers with `Upload-Offset` (bytes received: send the next chunk from "
        "there) and `Upload-Length`, and no body.",
        parameters=[
            TUS_RESUMABLE,
            upload_offset_header([200], "Bytes received so far."),
            OpenApiParameter(
                "Upload-Length",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                required=True,
                description="The upload's total size in bytes.",
                response=[200],
            ),
        ],
        responses={
            200: OpenApiResponse(description="Upload-Offset and Upload-Length headers."),
            412: ERROR_412,
        },
    )
    def head(self, request, pk):
        upload = self.get_object()
        response = Response(status=status.HTTP_200_OK)
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        _expires(response, upload)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Send a chunk",
        description=f"Body: raw bytes, `Content-Type: {OFFSET_CONTENT_TYPE}`. "
        "`Upload-Offset` must equal the current offset (else 409).",
        parameters=[
            TUS_RESUMABLE,
            OpenApiParameter(
                "Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True
            ),
            upload_offset_header([204], "The new offset: bytes received so far."),
        ],
        request=OpenApiTypes.BINARY,
        responses={
            204: OpenApiResponse(description="New offset in Upload-Offset."),
            400: CHUNK_ERROR_400,
            409: ERROR_409,
            412: ERROR_412,
        },
    )
    def patch(self, request, pk):
        if request.content_type != OFFSET_CONTENT_TYPE:
            raise WrongContentType()
        try:
            upload = services.upload_append(
                upload=self.get_object(),
                offset=_header_int(request, "Upload-Offset"),
                stream=request._request,
                length=_chunk_length(request),
            )
        except services.OffsetMismatch as mismatch:
            raise Conflict(str(mismatch))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Upload-Offset"] = str(upload.offset)
        _expires(response, upload)
        return response

    @extend_schema(
        summary="Abandon an upload",
        description="Deletes the upload and the bytes received so far.",
        parameters=[TUS_RESUMABLE],
        responses={204: None, 412: ERROR_412},
    )
    def delete(self, request, pk):
        services.upload_delete(upload=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[TAG])
@extend_validation_errors(UPLOAD_ERROR_CODES, field_name="video")
class UploadCompleteApi(NonAtomicRequestsMixin, TusMixin, GenericAPIView):
    @extend_schema(
        summary="Turn a finished upload into a workout session",
        description="Checks the video by decoding it (same rules as a direct upload) and "
        "queues its analysis. Sent again (its answer lost), it answers the same session.",
        parameters=[TUS_RESUMABLE, location_header("The URL of the new session.")],
        request=None,
        responses={
            201: SessionDetailSerializer,
            409: ERROR_409,
            412: ERROR_412,
            413: FILE_TOO_LARGE_413,
            429: ErrorResponse429Serializer,
        },
    )
    def post(self, request, pk):
        try:
            session = services.upload_complete(upload=self.get_object())
        except services.UploadIncomplete as incomplete:
            raise Conflict(str(incomplete))
        return created(request, SessionDetailSerializer(session).data, "session-detail", session.id)
