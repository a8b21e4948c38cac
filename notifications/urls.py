from django.urls import path

from notifications import apis

urlpatterns = [
    path("webhooks/", apis.WebhookListCreateApi.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", apis.WebhookDetailApi.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/",
        apis.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
]
