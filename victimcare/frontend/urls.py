from django.urls import path

from . import views

app_name = "frontend"

urlpatterns = [
    path("", views.start, name="start"),
    path("privacy/", views.privacy, name="privacy"),
    path("cookies/", views.cookies, name="cookies"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
