"""/integrations/webhooks/: subscriptions, their delivery logs, replay, disable and enable."""

from django.urls import path

from . import views_webhooks as views

urlpatterns = [
    path("", views.webhook_list, name="webhooks"),
    path("new/", views.webhook_new, name="webhook-new"),
    path("<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("<int:pk>/disable/", views.webhook_disable, name="webhook-disable"),
    path("<int:pk>/enable/", views.webhook_enable, name="webhook-enable"),
    path(
        "<int:pk>/deliveries/<uuid:delivery_id>/replay/",
        views.webhook_replay,
        name="webhook-replay",
    ),
]
