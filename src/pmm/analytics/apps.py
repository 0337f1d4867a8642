from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "pmm.analytics"
    label = "analytics"
    verbose_name = "Analytics"
