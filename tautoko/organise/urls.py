from __future__ import annotations

from django.urls import path

from tautoko.organise import views

app_name = "organise"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new", views.petition_new, name="new"),
    path("new/preview", views.petition_new_preview, name="new-preview"),
    path("<slug:slug>/", views.petition_preview, name="preview"),
    path("<slug:slug>/edit", views.petition_edit, name="edit"),
    path("<slug:slug>/edit/preview", views.petition_edit_preview, name="edit-preview"),
    path("<slug:slug>/revise", views.petition_revise, name="revise"),
    path("<slug:slug>/submit", views.petition_submit, name="submit"),
    path("<slug:slug>/sponsor-link", views.sponsor_link_renew, name="sponsor-link-renew"),
    path("<slug:slug>/dashboard", views.petition_dashboard, name="petition"),
    path("<slug:slug>/goal", views.petition_goal, name="goal"),
    path("<slug:slug>/updates", views.update_post, name="update-post"),
    path("<slug:slug>/close", views.petition_close, name="close"),
    path("<slug:slug>/victory", views.victory_declare, name="victory"),
    path("<slug:slug>/delivery.pdf", views.delivery_pdf, name="delivery-pdf"),
    path("<slug:slug>/signatures.csv", views.signatures_csv, name="signatures-csv"),
]
