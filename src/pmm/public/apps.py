from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "pmm.public"
    label = "public"
    verbose_name = "Public site"
