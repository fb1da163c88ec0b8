from django.urls import path

from . import tasksheet_views, views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("import/", views.report_import_start, name="import"),
    path("import/preview/", views.report_import_preview, name="import_preview"),
    path("import/correct/", views.report_import_correct, name="import_correct"),
    path("import/confirm/", views.report_import_confirm, name="import_confirm"),
    path("import/cancel/", views.report_import_cancel, name="import_cancel"),
    path("<int:year>/", views.report_detail, name="detail"),
    path("<int:year>/rollover/", views.report_rollover, name="rollover"),
    path("<int:year>/close/", views.report_close, name="close"),
    path("<int:year>/export/<str:fmt>/", views.report_export, name="export"),
    path("<int:year>/export/<str:fmt>/job/", views.report_export_job, name="export_job"),
    path("<int:year>/circular/", views.report_circular, name="circular"),
    path("<int:year>/tasks/import/", tasksheet_views.task_sheet_import_start, name="tasks_import"),
    path(
        "<int:year>/tasks/import/preview/",
        tasksheet_views.task_sheet_import_preview,
        name="tasks_import_preview",
    ),
    path(
        "<int:year>/tasks/import/confirm/",
        tasksheet_views.task_sheet_import_confirm,
        name="tasks_import_confirm",
    ),
    path(
        "<int:year>/tasks/import/cancel/",
        tasksheet_views.task_sheet_import_cancel,
        name="tasks_import_cancel",
    ),
]
