from django.urls import path

from pmm.targets import views

app_name = "targets"
urlpatterns = [
    path("members/<str:iso3>/targets/", views.member_targets, name="member_targets"),
    path("members/<str:iso3>/targets/remove/", views.target_remove_view, name="target_remove"),
]
