from django.urls import path

from . import inbox_views, views

app_name = "tracker"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/assign/", views.items_bulk_assign_view, name="bulk_assign"),
    path("items/chase/", views.items_bulk_chase_view, name="bulk_chase"),
    path("items/<int:pk>/submit/", views.item_submit_view, name="item_submit"),
    path("items/<int:pk>/review/", views.item_review_view, name="item_review"),
    path("items/<int:pk>/links/", views.item_links_view, name="item_links"),
    path("items/<int:pk>/extension/", views.item_extension_view, name="item_extension"),
    path("items/<int:pk>/assign/", views.item_assign_view, name="item_assign"),
    path("items/<int:pk>/instruction/", views.item_instruction_view, name="item_instruction"),
    path("items/<int:pk>/follow/", views.item_follow_view, name="item_follow"),
    path("items/<int:pk>/chase/", views.item_chase_view, name="item_chase"),
    path("instructions/<int:pk>/reply/", views.instruction_reply_view, name="instruction_reply"),
    path("instructions/<int:pk>/handle/", views.instruction_handle_view, name="instruction_handle"),
    path("extensions/<int:pk>/decide/", views.extension_decide_view, name="extension_decide"),
    path("review/", views.review_queue, name="review"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox_views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("evidence/<int:pk>/view/", views.evidence_view, name="evidence_view"),
    path("autocomplete/units/", views.autocomplete_units, name="autocomplete_units"),
    path("autocomplete/people/", views.autocomplete_people, name="autocomplete_people"),
    path("autocomplete/areas/", views.autocomplete_areas, name="autocomplete_areas"),
]
