from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "pmm.reports"
    label = "reports"
    verbose_name = "Reports"
