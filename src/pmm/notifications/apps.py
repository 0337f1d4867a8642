from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pmm.notifications"
    label = "notifications"
