from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "pmm.evidence"
    label = "evidence"
