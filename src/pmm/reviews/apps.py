from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "pmm.reviews"
    label = "reviews"
