"""API routes of the webhooks part of issue 10 (included by urls.py under /api/v1/webhooks/)."""

from django.urls import path

from . import views_webhooks as views

urlpatterns = [
    path("", views.SubscriptionListApi.as_view(), name="webhook-list"),
    path("<int:pk>/deliveries/", views.DeliveryLogApi.as_view(), name="webhook-deliveries"),
    path(
        "<int:pk>/deliveries/<uuid:delivery_id>/replay/",
        views.DeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
