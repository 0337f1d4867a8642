from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "pmm.reviews"
    label = "reviews"

    def ready(self) -> None:
        from pmm.authz import register_review_grants
        from pmm.reviews.grants import reviewer_grants

        register_review_grants(reviewer_grants)
