from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pmm.web"
    label = "web"
