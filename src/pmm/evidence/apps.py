from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "pmm.evidence"
    label = "evidence"

    def ready(self) -> None:
        from pmm.evidence import checks  # noqa: F401  (registers the system check)
