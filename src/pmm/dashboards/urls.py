from django.urls import path

from pmm.dashboards import status_board, views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.dashboard_home, name="home"),
    path("cycles/<int:cycle_id>/members/<str:iso3>/dashboard/", views.member_dashboard_page, name="member"),
    path("cycles/<int:cycle_id>/board/", status_board.status_board_page, name="status_board"),
    path("cycles/<int:cycle_id>/board.csv", status_board.status_board_csv, name="status_board_csv"),
]
