from django.urls import path

from pmm.members import views

app_name = "members"
urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/<str:iso3>/", views.member_detail, name="member_detail"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_edit, name="group_create"),
    path("groups/<slug:code>/", views.group_detail, name="group_detail"),
    path("groups/<slug:code>/edit/", views.group_edit, name="group_edit"),
]
