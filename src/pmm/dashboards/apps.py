from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "pmm.dashboards"
    verbose_name = "Dashboards"
