from django.urls import path

from tandem.handoff import views

app_name = "handoff"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("leads/<int:lead_id>/accept", views.accept, name="accept"),
    path("leads/<int:lead_id>/reject", views.reject, name="reject"),
    path("leads/<int:lead_id>/touch", views.touch, name="touch"),
    path("leads/<int:lead_id>/qualify", views.qualify, name="qualify"),
    path("leads/<int:lead_id>/reassign", views.reassign, name="reassign"),
]
