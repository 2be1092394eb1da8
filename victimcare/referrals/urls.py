"""Referral pages. Paths hold numeric ids and fixed words only (never a name,
a phone number or a crime reference); filters are query parameters."""

from django.urls import path  # noqa: F401 - the parts add their paths below

from . import views_directory, views_inbox, views_measures, views_referral

app_name = "referrals"

urlpatterns: list = []  # type: ignore[type-arg]

# The support organisation's side (inbox) and the officer's data-problem page.
urlpatterns += [
    path("inbox/", views_inbox.inbox_list, name="inbox"),
    path("inbox/<int:referral_id>/", views_inbox.inbox_referral, name="inbox-referral"),
    path("inbox/<int:referral_id>/status/", views_inbox.inbox_move, name="inbox-move"),
    path("inbox/<int:referral_id>/decline/", views_inbox.inbox_decline, name="inbox-decline"),
    path(
        "inbox/<int:referral_id>/problems/new/",
        views_inbox.inbox_problem_new,
        name="inbox-problem-new",
    ),
    path("problems/<int:task_id>/", views_inbox.problem, name="problem"),
    path("problems/<int:task_id>/correct/", views_inbox.problem_correct, name="problem-correct"),
]

# The directory of support services.
urlpatterns += [
    path("services/", views_directory.directory_list, name="directory"),
    path(
        "services/<int:service_id>/edit/",
        views_directory.directory_edit,
        name="directory-edit",
    ),
]

# Making a referral: the officer's page for one person on one crime.
urlpatterns += [
    path(
        "crimes/<int:crime_id>/victims/<int:victim_id>/",
        views_referral.referral_page,
        name="referral",
    ),
    path(
        "crimes/<int:crime_id>/victims/<int:victim_id>/decline/",
        views_referral.referral_decline,
        name="referral-decline",
    ),
]

# Measures and advocate capacity against demand (analysts, police supervisors).
urlpatterns += [
    path("measures/", views_measures.measures_page, name="measures"),
    path("capacity/", views_measures.capacity_page, name="capacity"),
    path("capacity.csv", views_measures.capacity_csv_download, name="capacity-csv"),
]
