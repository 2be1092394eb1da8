"""Provider callbacks (GOV.UK Notify delivery receipts and inbound SMS)."""

from django.urls import path

from . import views_callbacks

app_name = "callbacks"

urlpatterns = [
    path(
        "notify/delivery-status/",
        views_callbacks.notify_delivery_status,
        name="notify_delivery_status",
    ),
    path("notify/inbound-sms/", views_callbacks.notify_inbound_sms, name="notify_inbound_sms"),
]
