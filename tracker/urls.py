from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
