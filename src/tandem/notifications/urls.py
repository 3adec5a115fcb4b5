from django.urls import path

from tandem.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/read", views.mark_notification_read, name="notification-read"),
    path("read", views.mark_all_notifications_read, name="read-all"),
    path("bell", views.bell, name="bell"),
]
