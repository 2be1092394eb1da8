"""Feedback pages: the public rating page (/f/<token>/), officers' QR cards, and the
staff pages (own feedback, scores, recognition, review). Paths hold numeric ids,
tokens and fixed words only."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("f/<str:token>/", views.feedback, name="respond"),
    path("feedback/qr/<int:event_id>/", views.qr, name="qr"),
    path("feedback/qr/<int:event_id>/card/", views.qr_card, name="qr-card"),
    # --- personal cards ---
    # --- scores, recognition, own feedback ---
    # --- review lists, urgent queue ---
]
