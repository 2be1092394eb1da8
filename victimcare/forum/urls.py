"""The forum's pages. Paths hold fixed words, a staff page's id, and the
withdrawal link's token (a random secret that only the volunteer has)."""

from django.urls import path

from . import views

app_name = "forum"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("joined/", views.joined, name="joined"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<int:volunteer_id>/", views.volunteer, name="volunteer"),
]
