"""Thin API views over a user's webhooks and their delivery log."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics

from coach.api.mixins import OwnedByUserMixin
from coach.api.openapi import location_header
from coach.api.responses import created
from notifications import selectors, services
from notifications.models import WebhookEndpoint
from notifications.serializers import (
    URL_ERROR_CODES,
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)

TAG = "webhooks"


class OwnedWebhookMixin(OwnedByUserMixin):
    queryset = WebhookEndpoint.objects.all()


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(summary="List my webhooks", description="Newest first; no secrets."),
)
@extend_validation_errors(URL_ERROR_CODES, field_name="url", methods=["post"])
@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
class WebhookListCreateApi(OwnedWebhookMixin, generics.ListCreateAPIView):
    serializer_class = WebhookSerializer

    @extend_schema(
        summary="Register a webhook",
        description="From now on, `session.done` and `session.failed` events are POSTed to "
        "`url`, signed with the `secret` of this answer, which is shown only here "
        "(docs/webhooks.md). Only http(s) URLs on public addresses are taken.",
        responses={201: WebhookCreatedSerializer},
        parameters=[location_header("The URL of the new webhook.")],
    )
    def post(self, request, *args, **kwargs):
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_create(user=request.user, **serializer.validated_data)
        body = WebhookCreatedSerializer(endpoint).data
        return created(request, body, "webhook-detail", endpoint.pk)


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(summary="Read a webhook", description="One of my webhooks (no secret)."),
    delete=extend_schema(
        summary="Delete a webhook",
        description="Nothing more is sent to it; deliveries still waiting are dropped.",
    ),
)
class WebhookDetailApi(OwnedWebhookMixin, generics.RetrieveDestroyAPIView):
    serializer_class = WebhookSerializer

    def perform_destroy(self, endpoint):
        services.webhook_delete(endpoint=endpoint)


@extend_schema(tags=[TAG])
@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
class WebhookDeliveryListApi(OwnedWebhookMixin, generics.GenericAPIView):
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        summary="The delivery log of a webhook",
        description="Every event sent or to be sent to this webhook, newest first: its "
        "`status` (`pending` while attempts remain, `succeeded`, `failed`), the number of "
        "`attempts`, the receiver's last status code and the last error.",
        responses=WebhookDeliverySerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        endpoint = self.get_object()
        page = self.paginate_queryset(selectors.webhook_deliveries(endpoint))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
