from __future__ import annotations

from django.urls import path

from tautoko.responses import views

app_name = "responses"
urlpatterns = [
    # Public: one page per decision maker (mounted at /decision-makers/).
    path("decision-makers/<slug:slug>", views.decision_maker, name="decision-maker"),
    # Staff (moderation permission and two-factor), mounted at /staff/responses/.
    path("staff/responses/", views.staff_list, name="staff-list"),
    path("staff/responses/<slug:slug>/", views.staff_petition, name="staff-petition"),
    path("staff/responses/<slug:slug>/respond", views.respond, name="respond"),
    path("staff/responses/<slug:slug>/debate", views.debate_schedule, name="debate-schedule"),
    path("staff/responses/<slug:slug>/outcome", views.debate_outcome, name="debate-outcome"),
]
