from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "pmm.cycles"
    label = "cycles"
