"""The portal's pages. Paths hold fixed words only (and a staff page's id);
filters and the language are query parameters, a complaint's reference is in
the session."""

from django.urls import path

from . import views, views_complaints, views_track, views_track_start

app_name = "portal"

urlpatterns = [
    path("support/", views.support, name="support"),
    path("complain/", views_complaints.complain, name="complain"),
    path("complain/received/", views_complaints.complain_received, name="complain-received"),
    path("complaints/", views_complaints.complaints, name="complaints"),
    path("complaints/<int:complaint_id>/", views_complaints.complaint, name="complaint"),
    # Track your case: fixed paths first; a link's only variable part is its random token.
    path(
        "track/send/<int:victim_id>/<int:crime_id>/",
        views_track.track_send,
        name="track-send",
    ),
    path("track/", views_track_start.track_begin, name="track-begin"),
    path("track/code/", views_track_start.track_begin_code, name="track-begin-code"),
    path("track/case/", views_track.track_case, name="track-case"),
    path("track/case/call-back/", views_track.track_call_back, name="track-call-back"),
    path("track/case/message/", views_track.track_message, name="track-message"),
    path("track/sign-out/", views_track.track_sign_out, name="track-sign-out"),
    path("track/<slug:token>/", views_track.track, name="track"),
    path("track/<slug:token>/code/", views_track.track_code, name="track-code"),
]
