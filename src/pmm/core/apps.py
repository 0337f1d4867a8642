from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pmm.core"
    label = "core"
