"""API routes of the referrals part of issue 10 (included by urls.py before the crime routes)."""

from django.urls import URLPattern, path

from . import views_referrals

urlpatterns: list[URLPattern] = [
    path("referrals/", views_referrals.ReferralsApi.as_view(), name="referrals"),
    path(
        "referrals/<int:pk>/", views_referrals.ReferralDetailApi.as_view(), name="referral-detail"
    ),
    path(
        "referrals/<int:pk>/problems/",
        views_referrals.ReferralProblemsApi.as_view(),
        name="referral-problems",
    ),
    # The police side: refer a victim on a crime, and read the referrals made for them.
    path(
        "crimes/<api_crn:crn>/victims/<int:victim_id>/referrals/",
        views_referrals.VictimReferralsApi.as_view(),
        name="victim-referrals",
    ),
]
