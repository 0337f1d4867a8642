from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pmm.audit"
    label = "audit"
