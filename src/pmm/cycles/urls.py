from django.urls import path

from pmm.cycles import views

app_name = "cycles"
urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/<int:cycle_id>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/status/", views.cycle_status, name="cycle_status"),
    path("cycles/<int:cycle_id>/extensions/", views.extension_grant_view, name="extension_grant"),
]
