"""Pages of the catalogue: products, groups, price lists, discounts, units, VAT."""

from django.urls import path

from crm.sales.views import catalogue as views
from crm.sales.views.product_image import product_image

urlpatterns = [
    path("catalogue/", views.product_list, name="product-list"),
    path("catalogue/new/", views.product_create, name="product-create"),
    path("catalogue/lookup/", views.product_lookup, name="product-lookup"),
    path("catalogue/<int:pk>/", views.product_detail, name="product-detail"),
    path("catalogue/<int:pk>/edit/", views.product_update, name="product-update"),
    path("catalogue/<int:pk>/delete/", views.product_delete, name="product-delete"),
    path("catalogue/<int:pk>/prices/", views.product_prices, name="product-prices"),
    path("catalogue/<int:pk>/image/", product_image, name="product-image"),
    path("catalogue/groups/", views.product_group_list, name="product-group-list"),
    path(
        "catalogue/groups/<int:pk>/",
        views.product_group_update,
        name="product-group-update",
    ),
    path("price-lists/", views.price_list_list, name="price-list-list"),
    path("price-lists/new/", views.price_list_create, name="price-list-create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price-list-detail"),
    path(
        "price-lists/<int:pk>/edit/",
        views.price_list_update,
        name="price-list-update",
    ),
    path(
        "price-lists/<int:pk>/prices/<int:product_pk>/",
        views.price_list_price,
        name="price-list-price",
    ),
    path("discounts/", views.discount_list, name="discount-list"),
    path("discounts/new/", views.discount_create, name="discount-create"),
    path("discounts/<int:pk>/", views.discount_update, name="discount-update"),
    path("discounts/<int:pk>/delete/", views.discount_delete, name="discount-delete"),
    path("settings/units/", views.unit_list, name="unit-list"),
    path("settings/units/<int:pk>/", views.unit_update, name="unit-update"),
    path("settings/vat-rates/", views.vat_rate_list, name="vat-rate-list"),
    path("settings/vat-rates/<int:pk>/", views.vat_rate_update, name="vat-rate-update"),
]
