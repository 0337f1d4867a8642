from django.urls import path

from pmm.results import views

app_name = "results"
urlpatterns = [
    path("cycles/<int:cycle_id>/results/", views.results_page, name="results"),
    path("cycles/<int:cycle_id>/publications/", views.publications_page, name="publications"),
    path("cycles/<int:cycle_id>/publications/publish/", views.publish, name="publish"),
    path("cycles/<int:cycle_id>/assessments/<str:iso3>/results/", views.preview_page, name="preview"),
]
