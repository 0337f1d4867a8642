from django.urls import path

from pmm.framework import views

app_name = "framework"
urlpatterns = [
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/upload/", views.framework_upload, name="framework_upload"),
    path("frameworks/<slug:code>/", views.framework_detail, name="framework_detail"),
    path("frameworks/<slug:code>/status/", views.framework_status, name="framework_status"),
    path("frameworks/<slug:code>/export/", views.framework_export, name="framework_export"),
    path("frameworks/<slug:code>/elements/", views.element_list, name="element_list"),
    path("frameworks/<slug:code>/kpis/<str:kpi>/", views.kpi_detail, name="kpi_detail"),
]
