from django.urls import path

from pmm.public import views

app_name = "public"
urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/<int:cycle_id>/members/", views.member_list, name="member_list"),
    path("cycles/<int:cycle_id>/members/<str:iso3>/", views.member_detail, name="member_detail"),
    path("cycles/<int:cycle_id>/kpis/", views.kpi_list, name="kpi_list"),
    path("cycles/<int:cycle_id>/kpis/<str:code>/", views.kpi_detail, name="kpi_detail"),
]
