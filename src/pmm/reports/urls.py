from django.urls import path

from pmm.reports import views

app_name = "reports"
urlpatterns = [
    path("cycles/<int:cycle_id>/members/<str:iso3>/report/", views.country_page, name="country_page"),
    path("cycles/<int:cycle_id>/members/<str:iso3>/report.pdf", views.country_pdf, name="country_pdf"),
]
