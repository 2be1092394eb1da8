from django.urls import path

from . import views, views_stepup

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-authenticator/", views.sign_in_set_up, name="sign-in-set-up"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("staff/", views.home, name="home"),
    path("staff/team/", views.team, name="team"),
    path("account/confirm/", views_stepup.confirm, name="confirm"),
]
