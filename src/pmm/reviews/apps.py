from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "pmm.reviews"
    label = "reviews"

    def ready(self) -> None:
        from pmm.authz import register_review_grants
        from pmm.reviews.grants import reviewer_grants

        register_review_grants(reviewer_grants)
        _provide_to_lower_layers()


def _provide_to_lower_layers() -> None:
    """Reviews build on assessments, results and the job worker: answer what those ask of reviews."""
    from pmm.assessments import peer_reviews as assessment_pages
    from pmm.jobs.worker import on_worker_start
    from pmm.results import peer_reviews
    from pmm.reviews.due import member_review_work
    from pmm.reviews.selectors import reviewed_kpis, signed_off_certificate
    from pmm.reviews.tasks import schedule_reminders
    from pmm.reviews.views.review import assessment_review

    peer_reviews.reviewed_kpis.provide(reviewed_kpis)
    peer_reviews.signed_off_certificate.provide(signed_off_certificate)
    assessment_pages.assessment_review.provide(assessment_review)
    assessment_pages.member_review_work.provide(member_review_work)
    on_worker_start.add(schedule_reminders)
