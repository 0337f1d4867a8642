from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "pmm.charts"
    label = "charts"
    verbose_name = "Charts"
