from django.urls import path

from pmm.analytics import views

app_name = "analytics"
urlpatterns = [
    path("cycles/<int:cycle_id>/instruments/", views.instruments_page, name="instruments"),
    path("cycles/<int:cycle_id>/sdgs/", views.sdgs_page, name="sdgs"),
    path("cycles/<int:cycle_id>/analytics/", views.analytics_page, name="analytics"),
]
