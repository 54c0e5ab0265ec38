from __future__ import annotations

from django.urls import path

from tautoko.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<slug:slug>/", views.review, name="review"),
    path("<slug:slug>/checkout", views.checkout, name="checkout"),
    path("<slug:slug>/release", views.release, name="release"),
    path("<slug:slug>/approve", views.approve, name="approve"),
    path("<slug:slug>/reject", views.reject, name="reject"),
    path("<slug:slug>/second-opinion", views.second_opinion_ask, name="second-opinion-ask"),
    path("<slug:slug>/second-opinion/give", views.second_opinion_give, name="second-opinion-give"),
    path("<slug:slug>/hide", views.hide, name="hide"),
    path("<slug:slug>/restore", views.restore, name="restore"),
]
