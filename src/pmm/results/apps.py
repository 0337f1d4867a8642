from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "pmm.results"
    label = "results"

    def ready(self) -> None:
        from pmm.assessments.services.disclosure import published_levels
        from pmm.results import signals  # noqa: F401  (connects the recomputation to submissions)
        from pmm.results.levels import latest_published_levels

        published_levels.provide(latest_published_levels)
