from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "pmm.targets"
    label = "targets"
