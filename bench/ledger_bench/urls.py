"""The product's URLs plus the raw-SQL floor of the item list (bench.settings' ROOT_URLCONF)."""

from django.urls import path

from config.urls import urlpatterns as product_urlpatterns

from .floor import item_floor

urlpatterns = [*product_urlpatterns, path("bench/floor/items/", item_floor)]
