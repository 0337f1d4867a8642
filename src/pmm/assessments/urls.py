from django.urls import path

from pmm.assessments import views

app_name = "assessments"
_one = "cycles/<int:cycle_id>/assessments/<str:iso3>/"
urlpatterns = [
    path("due/", views.due_list, name="due_list"),
    path(_one, views.assessment_detail, name="assessment_detail"),
    path(_one + "start/", views.assessment_start, name="assessment_start"),
    path(_one + "submit/", views.assessment_submit, name="assessment_submit"),
    path(_one + "reopen/", views.assessment_reopen, name="assessment_reopen"),
    path(_one + "history/", views.history_list, name="history_list"),
    path(_one + "workbook.xlsx", views.workbook_download, name="workbook_download"),
    path(_one + "workbook/", views.workbook_upload, name="workbook_upload"),
    path(_one + "<str:dimension>/", views.dimension_edit, name="dimension_edit"),
    path(_one + "<str:dimension>/rows/<str:element>/", views.row_save, name="row_save"),
    path(_one + "<str:dimension>/kpis/<str:kpi>/", views.kpi_save, name="kpi_save"),
]
