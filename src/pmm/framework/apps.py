from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "pmm.framework"
    label = "framework"
