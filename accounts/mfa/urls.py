"""Two-factor pages, under accounts/mfa/ (clinic/urls.py)."""

from django.urls import path

from accounts.mfa import views

urlpatterns = [
    path("", views.manage, name="mfa_manage"),
    path("setup/", views.setup, name="mfa_setup"),
    path("verify/", views.verify, name="mfa_verify"),
    path("recovery-codes/", views.regenerate, name="mfa_regenerate"),
    path("disable/", views.disable, name="mfa_disable"),
]
