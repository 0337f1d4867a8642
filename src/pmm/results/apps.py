from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "pmm.results"
    label = "results"

    def ready(self) -> None:
        from pmm.results import signals  # noqa: F401  (connects the recomputation to submissions)
