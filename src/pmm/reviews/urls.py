from django.urls import path

from pmm.reviews.views import matrix as matrix_views
from pmm.reviews.views import review as views
from pmm.reviews.views import work as work_views

app_name = "reviews"
_one = "cycles/<int:cycle_id>/assessments/<str:iso3>/review/"
urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/reviewers/", views.reviewer_list, name="reviewer_list"),
    path("reviews/reviewers/<str:username>/", views.reviewer_edit, name="reviewer_edit"),
    path(_one, views.review_detail, name="review_detail"),
    path(_one + "request/", views.review_request, name="review_request"),
    path(_one + "decision/", views.review_decide, name="review_decide"),
    path(_one + "start/", views.review_start, name="review_start"),
    path(_one + "withdraw/", views.review_withdraw, name="review_withdraw"),
    path(_one + "reviewers/", views.review_assign, name="review_assign"),
    path(_one + "reviewers/<str:username>/remove/", views.review_unassign, name="review_unassign"),
    path(_one + "queries/", work_views.query_raise_view, name="query_raise"),
    path(_one + "queries/<int:number>/correct/", work_views.query_correct_view, name="query_correct"),
    path(_one + "queries/<int:number>/evidence/", work_views.query_evidence_view, name="query_evidence"),
    path(_one + "queries/<int:number>/<str:step>/", work_views.query_step_view, name="query_step"),
    path(_one + "verdicts/", work_views.verdicts_view, name="verdicts"),
    path(_one + "moves/<str:action>/", work_views.review_step_view, name="review_step"),
    path(_one + "matrix/", matrix_views.review_matrix, name="review_matrix"),
    path(_one + "matrix.xlsx", matrix_views.review_matrix_xlsx, name="review_matrix_xlsx"),
]
