from django.urls import path

from pmm.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.dashboard_home, name="home"),
    path("cycles/<int:cycle_id>/members/<str:iso3>/dashboard/", views.member_dashboard_page, name="member"),
]
