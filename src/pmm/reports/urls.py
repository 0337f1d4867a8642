from django.urls import path

from pmm.reports import views

app_name = "reports"
urlpatterns = [
    path("cycles/<int:cycle_id>/members/<str:iso3>/report/", views.country_page, name="country_page"),
    path("cycles/<int:cycle_id>/members/<str:iso3>/report.pdf", views.country_pdf, name="country_pdf"),
    path(
        "cycles/<int:cycle_id>/members/<str:iso3>/report/preparing/",
        views.country_preparing,
        name="country_preparing",
    ),
    path(
        "cycles/<int:cycle_id>/members/<str:iso3>/report/status/", views.country_status, name="country_status"
    ),
    path("cycles/<int:cycle_id>/report/", views.global_page, name="global_page"),
    path("cycles/<int:cycle_id>/report.pdf", views.global_pdf, name="global_pdf"),
    path("cycles/<int:cycle_id>/report.xlsx", views.global_xlsx, name="global_xlsx"),
    path("cycles/<int:cycle_id>/report/preparing/", views.global_preparing, name="global_preparing"),
    path("cycles/<int:cycle_id>/report/status/", views.global_status, name="global_status"),
]
