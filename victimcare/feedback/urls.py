"""Feedback pages: the public rating page (/f/<token>/) and officers' QR cards."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("f/<str:token>/", views.feedback, name="respond"),
    path("feedback/qr/<int:event_id>/", views.qr, name="qr"),
    path("feedback/qr/<int:event_id>/card/", views.qr_card, name="qr-card"),
]
