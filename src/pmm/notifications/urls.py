from django.urls import path

from pmm.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
]
