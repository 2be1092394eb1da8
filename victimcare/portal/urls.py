"""The portal's pages. Paths hold fixed words only (and a staff page's id);
filters and the language are query parameters, a complaint's reference is in
the session."""

from django.urls import path

from . import views, views_complaints

app_name = "portal"

urlpatterns = [
    path("support/", views.support, name="support"),
    path("complain/", views_complaints.complain, name="complain"),
    path("complain/received/", views_complaints.complain_received, name="complain-received"),
    path("complaints/", views_complaints.complaints, name="complaints"),
    path("complaints/<int:complaint_id>/", views_complaints.complaint, name="complaint"),
]
