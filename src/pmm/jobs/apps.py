from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "pmm.jobs"
    label = "jobs"
