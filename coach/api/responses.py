"""Answers the APIs share."""

from django.urls import reverse
from rest_framework import status
from rest_framework.response import Response


def created(request, body, view_name: str, *args) -> Response:
    """201 with the absolute URL of what was created (view `view_name` with `args`) in
    `Location`, as `openapi.location_header` documents it."""
    location = request.build_absolute_uri(reverse(view_name, args=args))
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
