"""Pages of the catalogue: products and services, their groups, price lists with a
table of prices edited in place, discounts, and the settings of units and VAT rates.

Everyone reads the catalogue; administrators and heads of department change it
(`can_edit_catalogue`); units and VAT rates are an administrator's settings.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import registry, visibility
from crm.core.errors import Conflict, DomainError
from crm.core.exports import register_export
from crm.core.forms import apply_domain_error
from crm.core.listing import (
    Column,
    ListSpec,
    choice_label,
    link,
    list_context,
    list_template,
    plain,
    related,
    text_column,
)
from crm.core.money import format_money as money
from crm.customers.views import domain_errors
from crm.sales.forms.catalogue import (
    ERROR_FIELDS,
    PRICE_PREFIX,
    DiscountFilterForm,
    DiscountForm,
    PriceCellForm,
    PriceListForm,
    PriceListTableFilterForm,
    ProductFilterForm,
    ProductForm,
    ProductGroupForm,
    ProductPricesForm,
    UnitForm,
    VatRateForm,
    money_input,
    price_error_fields,
)
from crm.sales.models import PriceList, Product, ProductKind
from crm.sales.selectors import catalogue as selectors
from crm.sales.services import catalogue as services
from crm.sales.services import catalogue_discounts as discount_services
from crm.sales.services import catalogue_settings

PRICE_TABLE_PAGE_SIZE = 50


def register() -> None:
    """Register the catalogue's navigation item, its search provider and export."""
    register_export(
        "sales.products",
        lambda actor, params: product_listing(actor, params)[:2],
        url_name="sales:product-list",
    )
    registry.register_nav(
        registry.NavItem(
            key="catalogue",
            label=gettext_lazy("Catalogue"),
            url_name="sales:product-list",
            icon="box-seam",
            order=70,
            more=True,
        )
    )
    registry.register_search(
        registry.SearchProvider(
            key="products",
            label=gettext_lazy("Catalogue"),
            search=_search_products,
            order=60,
        )
    )

    registry.register_panel(
        "company",
        registry.CardPanel(
            key="client-discounts",
            template="sales/catalogue/panels/client_discounts.html",
            context=_client_discounts_panel,
            order=60,
            column="side",
        ),
    )


def _client_discounts_panel(request, company) -> dict | None:
    """The client's own discounts on its card; nothing when it has none."""
    discounts = selectors.client_discounts(actor=request.user, company=company)
    if not discounts:
        return None
    return {"discounts": discounts, "client": company}


def _search_products(actor, query: str, limit: int) -> list:
    return [
        registry.SearchHit(
            title=product.name,
            url=product.get_absolute_url(),
            subtitle=" · ".join(
                str(d)
                for d in (product.sku, product.barcode, product.get_kind_display())
                if d
            ),
            icon="box-seam",
        )
        for product in selectors.product_search(actor=actor, query=query, limit=limit)
    ]


def _tabs(request, current: str) -> list[dict]:
    """The catalogue's sub-pages; settings only for administrators."""
    tabs = [
        ("products", gettext_lazy("Products and services"), "sales:product-list"),
        ("groups", gettext_lazy("Groups"), "sales:product-group-list"),
        ("price-lists", gettext_lazy("Price lists"), "sales:price-list-list"),
        ("discounts", gettext_lazy("Discounts"), "sales:discount-list"),
    ]
    if visibility.is_admin(request.user):
        tabs += [
            ("units", gettext_lazy("Units"), "sales:unit-list"),
            ("vat-rates", gettext_lazy("VAT rates"), "sales:vat-rate-list"),
        ]
    return [
        {"label": label, "url": reverse(url_name), "active": key == current}
        for key, label, url_name in tabs
    ]


def _ensure_editor(request) -> None:
    if not selectors.can_edit_catalogue(request.user):
        raise PermissionDenied(
            _("Only administrators and heads of department may change the catalogue.")
        )


def _apply(form, error: DomainError, extra: dict | None = None) -> None:
    apply_domain_error(form, error, {**ERROR_FIELDS, **(extra or {})})


# --- products -------------------------------------------------------------------------


def _price_column(price_list: PriceList) -> Column:
    def render(product: Product) -> str:
        price = selectors.product_prices(product).get(price_list.pk)
        return money(price.price, price_list.currency) if price else ""

    def export(product: Product) -> str:
        # The prices an export loads per chunk are a plain list (`related`).
        for price in related(product, "prices"):
            if price.price_list_id == price_list.pk:
                return money(price.price, price_list.currency)
        return ""

    return Column(
        key=f"price_{price_list.pk}",
        label=price_list.name,
        render=render,
        css="text-end text-nowrap",
        export=export,
        uses=("prices",),
    )


def _product_spec(actor, price_lists: list[PriceList]) -> ListSpec:
    # Each column also gives its cell as plain text, so an export builds no
    # links to strip (see `text_column`).
    columns = [
        Column(
            "name",
            gettext_lazy("Name"),
            lambda p: link(p.get_absolute_url(), p.name),
            sort="name",
            css="wrap",
            export=lambda p: plain(p.name),
        ),
        text_column("sku", gettext_lazy("SKU"), lambda p: p.sku, sort="sku,name"),
        text_column(
            "barcode",
            gettext_lazy("Barcode"),
            lambda p: p.barcode,
            sort="barcode,name",
        ),
        text_column(
            "kind",
            gettext_lazy("Kind"),
            lambda p: choice_label(ProductKind, p.kind),
            sort="kind,name",
        ),
        text_column(
            "group", gettext_lazy("Group"), lambda p: p.group or "", uses=("group",)
        ),
        text_column(
            "unit",
            gettext_lazy("Unit"),
            lambda p: p.unit.short_name if p.unit else "",
            uses=("unit",),
        ),
        text_column(
            "vat_rate",
            gettext_lazy("VAT rate"),
            lambda p: p.vat_rate or "",
            uses=("vat_rate",),
        ),
        text_column(
            "cost_price",
            gettext_lazy("Cost price"),
            lambda p: money(p.cost_price),
            sort="cost_price,name",
            css="text-end text-nowrap",
        ),
        text_column(
            "is_active",
            gettext_lazy("On sale"),
            lambda p: _("yes") if p.is_active else _("no"),
            sort="-is_active,name",
        ),
        *[_price_column(price_list) for price_list in price_lists],
        text_column(
            "external_id", gettext_lazy("External ID"), lambda p: p.external_id
        ),
    ]
    default_list = next((p for p in price_lists if p.is_default), None)
    defaults = ["name", "sku", "group", "unit", "is_active"]
    if default_list is not None:
        defaults.append(f"price_{default_list.pk}")
    can_edit = selectors.can_edit_catalogue(actor)
    return ListSpec(
        key="products",
        export_key="sales.products",
        title=gettext_lazy("Catalogue"),
        columns=columns,
        default_columns=defaults,
        default_sort="name",
        create_url=reverse("sales:product-create") if can_edit else None,
        create_label=gettext_lazy("New product"),
    )


# What the list's columns read of a product and of its joined rows (prices come in
# a query of their own). A row of the page or of an export loads no more; a column
# that reads another field costs a query a row (the export tests count them).
LIST_FIELDS = (
    "name",
    "sku",
    "barcode",
    "kind",
    "cost_price",
    "is_active",
    "external_id",
    "group__name",
    "unit__short_name",
    "vat_rate__name_ru",
    "vat_rate__name_en",
)


def product_listing(actor, params) -> tuple[ListSpec, Any, ProductFilterForm]:
    """The catalogue list for a query string: the page and its export share it."""
    form = ProductFilterForm(params or None, actor=actor)
    filters = form.filters()
    queryset = selectors.product_list(
        actor=actor, filters=filters, with_price_lists=False
    ).only(*LIST_FIELDS)
    price_lists = list(selectors.price_list_list(actor=actor, include_inactive=False))
    spec = _product_spec(actor, price_lists)
    if filters.get("price_list") is not None:
        # Filtering by a price list shows its prices too.
        chosen = f"price_{filters['price_list'].pk}"
        if chosen in spec.by_key and chosen not in spec.default_columns:
            spec.default_columns = [*spec.default_columns, chosen]
    return spec, queryset, form


@login_required
def product_list(request):
    spec, queryset, form = product_listing(request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    context["tabs"] = _tabs(request, "products")
    return render(
        request, list_template(request, "sales/catalogue/product_list.html"), context
    )


@login_required
@domain_errors
def product_detail(request, pk: int):
    product = selectors.product_get(actor=request.user, product_id=pk)
    can_edit = selectors.can_edit_catalogue(request.user)
    prices = selectors.product_prices(product)
    form = ProductPricesForm(
        initial={
            f"{PRICE_PREFIX}{list_id}": money_input(price.price)
            for list_id, price in prices.items()
        },
        product=product,
    )
    return render(
        request,
        "sales/catalogue/product_detail.html",
        _product_card_context(request, product, form, can_edit),
    )


def _product_card_context(request, product, form, can_edit) -> dict[str, Any]:
    prices = selectors.product_prices(product)
    group_ids = selectors.group_ancestor_ids(product.group_id)
    discounts = selectors.discount_list(actor=request.user, filters={"is_active": True})
    discounts = discounts.filter(product=product) | discounts.filter(
        product_group_id__in=group_ids
    )
    return {
        "product": product,
        "object": product,
        "can_edit": can_edit,
        "prices_form": form,
        "price_rows": [
            (price_list, prices.get(price_list.pk), field)
            for price_list, field in form.rows()
        ],
        "discounts": list(discounts.order_by("-percent", "pk")[:20]),
        "tabs": _tabs(request, "products"),
    }


@require_POST
@login_required
@domain_errors
def product_prices(request, pk: int):
    """Save a product's prices from its card, every price list at once."""
    _ensure_editor(request)
    product = selectors.product_get(actor=request.user, product_id=pk)
    form = ProductPricesForm(request.POST, product=product)
    if form.is_valid():
        try:
            services.product_prices_set(
                actor=request.user, product=product, prices=form.prices()
            )
        except DomainError as error:
            _apply(form, error, price_error_fields(form))
        else:
            messages.success(request, _("Prices saved."))
            return redirect(product.get_absolute_url())
    return render(
        request,
        "sales/catalogue/product_detail.html",
        _product_card_context(request, product, form, True),
        status=422,
    )


def _product_form_page(request, product: Product | None):
    conflict = False
    if request.method == "POST":
        form = ProductForm(
            request.POST, request.FILES, actor=request.user, product=product
        )
        if form.is_valid():
            try:
                if product is None:
                    product = services.product_create(
                        actor=request.user, prices=form.prices(), **form.service_data()
                    )
                    messages.success(request, _("Product created."))
                else:
                    services.product_update(
                        actor=request.user,
                        product=product,
                        version=form.cleaned_data.get("version"),
                        prices=form.prices(),
                        **form.service_data(),
                    )
                    messages.success(request, _("Changes saved."))
                return redirect(product.get_absolute_url())
            except DomainError as error:
                conflict = isinstance(error, Conflict)
                _apply(form, error, price_error_fields(form))
    else:
        if product is None:
            default_vat = selectors.default_vat_rate()
            initial: dict[str, Any] = {
                "kind": "product",
                "is_active": True,
                "vat_rate": default_vat.pk if default_vat else None,
                "unit": selectors.unit_list(actor=request.user)
                .filter(okei_code="796")
                .values_list("pk", flat=True)
                .first(),
            }
            if str(request.GET.get("group", "")).isdigit():
                initial["group"] = int(request.GET["group"])
        else:
            initial = {
                "kind": product.kind,
                "name": product.name,
                "sku": product.sku,
                "barcode": product.barcode,
                "group": product.group_id,
                "unit": product.unit_id,
                "vat_rate": product.vat_rate_id,
                "cost_price": money_input(product.cost_price),
                "description": product.description,
                "is_active": product.is_active,
                "external_id": product.external_id,
                "version": product.version,
            }
            for list_id, price in selectors.product_prices(product).items():
                initial[f"{PRICE_PREFIX}{list_id}"] = money_input(price.price)
        form = ProductForm(initial=initial, actor=request.user, product=product)
    return render(
        request,
        "sales/catalogue/product_form.html",
        {
            "form": form,
            "product": product,
            "conflict": conflict,
            "has_errors": bool(form.errors),
            "tabs": _tabs(request, "products"),
        },
    )


@login_required
@domain_errors
def product_create(request):
    _ensure_editor(request)
    return _product_form_page(request, None)


@login_required
@domain_errors
def product_update(request, pk: int):
    _ensure_editor(request)
    product = selectors.product_get(actor=request.user, product_id=pk)
    return _product_form_page(request, product)


@login_required
@domain_errors
def product_delete(request, pk: int):
    _ensure_editor(request)
    product = selectors.product_get(actor=request.user, product_id=pk)
    if request.method == "POST":
        services.product_delete(actor=request.user, product=product)
        messages.success(
            request, _("“%(name)s” was moved to the trash.") % {"name": product.name}
        )
        return redirect("sales:product-list")
    return render(
        request,
        "customers/confirm_delete.html",
        {"object": product, "cancel_url": product.get_absolute_url()},
    )


@login_required
def product_lookup(request):
    """Options of the product picker: the chosen product and the search's hits."""
    field = request.GET.get("field", "")
    selected_id = request.GET.get(field, "") if field else ""
    selected = None
    if selected_id.isdigit():
        selected = (
            selectors.product_list(actor=request.user, with_prices=False)
            .filter(pk=selected_id)
            .first()
        )
    hits = [
        p
        for p in selectors.product_search(
            actor=request.user, query=request.GET.get("lookup", ""), limit=20
        )
        if selected is None or p.pk != selected.pk
    ]
    return render(
        request,
        "sales/catalogue/product_options.html",
        {"selected": selected, "hits": hits},
    )


# --- groups ---------------------------------------------------------------------------


@login_required
@domain_errors
def product_group_list(request):
    can_edit = selectors.can_edit_catalogue(request.user)
    form = ProductGroupForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        _ensure_editor(request)
        if form.is_valid():
            try:
                group = services.product_group_create(
                    actor=request.user, **form.service_data()
                )
            except DomainError as error:
                _apply(form, error)
            else:
                messages.success(request, _("“%(name)s” added.") % {"name": group.name})
                return redirect("sales:product-group-list")
    return render(
        request,
        "sales/catalogue/group_list.html",
        {
            "tree": selectors.product_group_tree(actor=request.user),
            "form": form,
            "can_edit": can_edit,
            "tabs": _tabs(request, "groups"),
        },
    )


@login_required
@domain_errors
def product_group_update(request, pk: int):
    _ensure_editor(request)
    group = selectors.product_group_get(actor=request.user, group_id=pk)
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.product_group_delete(actor=request.user, group=group)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("sales:product-group-update", pk=group.pk)
        messages.success(request, _("“%(name)s” deleted.") % {"name": group.name})
        return redirect("sales:product-group-list")
    form = ProductGroupForm(
        request.POST or None,
        actor=request.user,
        initial={
            "name": group.name,
            "parent": group.parent_id,
            "external_id": group.external_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.product_group_update(
                actor=request.user, group=group, **form.service_data()
            )
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:product-group-list")
    return render(
        request,
        "sales/catalogue/group_form.html",
        {"group": group, "form": form, "tabs": _tabs(request, "groups")},
    )


# --- price lists ----------------------------------------------------------------------


@login_required
def price_list_list(request):
    price_lists = selectors.price_list_list(actor=request.user)
    return render(
        request,
        "sales/catalogue/price_list_list.html",
        {
            "price_lists": price_lists,
            "can_edit": selectors.can_edit_catalogue(request.user),
            "tabs": _tabs(request, "price-lists"),
        },
    )


def _price_list_form_page(request, price_list: PriceList | None):
    _ensure_editor(request)
    if price_list is None:
        initial: dict[str, Any] = {"currency": "RUB", "prices_include_vat": True}
    else:
        initial = {
            name: getattr(price_list, name)
            for name in (
                "name",
                "currency",
                "prices_include_vat",
                "is_default",
                "is_active",
                "external_id",
            )
        }
    form = PriceListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if price_list is None:
                price_list = services.price_list_create(
                    actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Price list created."))
            else:
                services.price_list_update(
                    actor=request.user, price_list=price_list, **form.cleaned_data
                )
                messages.success(request, _("Changes saved."))
            return redirect("sales:price-list-detail", pk=price_list.pk)
        except DomainError as error:
            _apply(form, error)
    return render(
        request,
        "sales/catalogue/price_list_form.html",
        {
            "form": form,
            "price_list": price_list,
            "has_errors": bool(form.errors),
            "tabs": _tabs(request, "price-lists"),
        },
    )


@login_required
@domain_errors
def price_list_create(request):
    return _price_list_form_page(request, None)


@login_required
@domain_errors
def price_list_update(request, pk: int):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=pk)
    return _price_list_form_page(request, price_list)


@login_required
@domain_errors
def price_list_detail(request, pk: int):
    """A price list as a table of products with their prices, edited in place."""
    price_list = selectors.price_list_get(actor=request.user, price_list_id=pk)
    form = PriceListTableFilterForm(request.GET or None, actor=request.user)
    products = selectors.price_list_prices(
        actor=request.user, price_list=price_list, filters=form.filters()
    ).order_by("name", "pk")
    page = Paginator(products, PRICE_TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "price_list": price_list,
        "filter_form": form,
        "page_obj": page,
        "rows": [_price_row(price_list, product) for product in page.object_list],
        "query": query.urlencode(),
        "can_edit": selectors.can_edit_catalogue(request.user),
        "tabs": _tabs(request, "price-lists"),
    }
    template = "sales/catalogue/price_list_detail.html"
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        template += "#price-table"
    return render(request, template, context)


def _price_row(price_list: PriceList, product: Product, form=None) -> dict[str, Any]:
    prices = getattr(product, "list_prices", None)
    if prices is None:
        prices = list(product.prices.filter(price_list=price_list))
    price = prices[0].price if prices else None
    return {
        "product": product,
        "price": price,
        "form": form
        or PriceCellForm(
            initial={"price": money_input(price)}, prefix=f"p{product.pk}"
        ),
    }


@require_POST
@login_required
@domain_errors
def price_list_price(request, pk: int, product_pk: int):
    """Save one cell of a price list's table (htmx), or the row's form without JS."""
    _ensure_editor(request)
    price_list = selectors.price_list_get(actor=request.user, price_list_id=pk)
    product = selectors.product_get(actor=request.user, product_id=product_pk)
    form = PriceCellForm(request.POST, prefix=f"p{product.pk}")
    status = 200
    saved = False
    if form.is_valid():
        try:
            services.price_set(
                actor=request.user,
                price_list=price_list,
                product=product,
                price=form.cleaned_data["price"],
            )
            saved = True
        except DomainError as error:
            _apply(form, error)
            status = 422
    else:
        status = 422
    if not (getattr(request, "htmx", False)):
        if saved:
            messages.success(
                request,
                _("The price of “%(name)s” is saved.") % {"name": product.name},
            )
        else:
            messages.error(
                request, " ".join(str(e) for e in form.errors.get("price", []))
            )
        return redirect("sales:price-list-detail", pk=price_list.pk)
    product.list_prices = list(  # type: ignore[attr-defined]
        product.prices.filter(price_list=price_list)
    )
    row = _price_row(price_list, product, None if saved else form)
    row["saved"] = saved
    return render(
        request,
        "sales/catalogue/price_list_detail.html#price-row",
        {"row": row, "price_list": price_list, "can_edit": True},
        status=status,
    )


# --- discounts ------------------------------------------------------------------------


@login_required
def discount_list(request):
    form = DiscountFilterForm(request.GET or None)
    discounts = selectors.discount_list(actor=request.user, filters=form.filters())
    page = Paginator(discounts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/catalogue/discount_list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "can_edit": selectors.can_edit_catalogue(request.user),
            "tabs": _tabs(request, "discounts"),
        },
    )


def _discount_form_page(request, discount):
    _ensure_editor(request)
    if discount is None:
        initial: dict[str, Any] = {"is_active": True, "min_quantity": "0"}
        if str(request.GET.get("product", "")).isdigit():
            initial["product"] = int(request.GET["product"])
    else:
        initial = {
            "name": discount.name,
            "percent": money_input(discount.percent),
            "product": discount.product_id,
            "product_group": discount.product_group_id,
            "company": discount.company_id,
            "company_category": discount.company_category_id,
            "min_quantity": money_input(discount.min_quantity),
            "valid_from": discount.valid_from,
            "valid_to": discount.valid_to,
            "is_active": discount.is_active,
        }
    form = DiscountForm(
        request.POST or None, initial=initial, actor=request.user, discount=discount
    )
    if request.method == "POST" and form.is_valid():
        try:
            if discount is None:
                discount_services.discount_create(
                    actor=request.user, **form.service_data()
                )
                messages.success(request, _("Discount created."))
            else:
                discount_services.discount_update(
                    actor=request.user, discount=discount, **form.service_data()
                )
                messages.success(request, _("Changes saved."))
            return redirect("sales:discount-list")
        except DomainError as error:
            _apply(form, error)
    return render(
        request,
        "sales/catalogue/discount_form.html",
        {
            "form": form,
            "discount": discount,
            "has_errors": bool(form.errors),
            "tabs": _tabs(request, "discounts"),
        },
    )


@login_required
@domain_errors
def discount_create(request):
    return _discount_form_page(request, None)


@login_required
@domain_errors
def discount_update(request, pk: int):
    discount = selectors.discount_get(actor=request.user, discount_id=pk)
    return _discount_form_page(request, discount)


@require_POST
@login_required
@domain_errors
def discount_delete(request, pk: int):
    _ensure_editor(request)
    discount = selectors.discount_get(actor=request.user, discount_id=pk)
    discount_services.discount_delete(actor=request.user, discount=discount)
    messages.success(request, _("“%(name)s” deleted.") % {"name": discount.name})
    return redirect("sales:discount-list")


# --- units and VAT rates --------------------------------------------------------------


def _reference_page(request, *, kind: str, items, form_class, create, title):
    visibility.ensure_admin(actor=request.user)
    form = form_class(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            item = create(actor=request.user, **form.service_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("“%(name)s” added.") % {"name": item.name})
            return redirect(f"sales:{kind}-list")
    return render(
        request,
        "sales/catalogue/reference_list.html",
        {
            "kind": kind,
            "title": title,
            "items": items,
            "form": form,
            "tabs": _tabs(request, f"{kind}s"),
        },
    )


def _reference_update(request, *, kind: str, item, form_class, update, title, fields):
    visibility.ensure_admin(actor=request.user)
    form = form_class(
        request.POST or None,
        initial={
            name: money_input(getattr(item, name))
            if name == "rate"
            else getattr(item, name)
            for name in fields
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            update(request.user, item, form.service_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"sales:{kind}-list")
    return render(
        request,
        "sales/catalogue/reference_form.html",
        {
            "kind": kind,
            "title": title,
            "item": item,
            "form": form,
            "tabs": _tabs(request, f"{kind}s"),
        },
    )


@login_required
@domain_errors
def unit_list(request):
    return _reference_page(
        request,
        kind="unit",
        items=selectors.unit_list(actor=request.user, include_inactive=True),
        form_class=UnitForm,
        create=catalogue_settings.unit_create,
        title=_("Units of measure"),
    )


@login_required
@domain_errors
def unit_update(request, pk: int):
    return _reference_update(
        request,
        kind="unit",
        item=selectors.unit_get(actor=request.user, unit_id=pk),
        form_class=UnitForm,
        update=lambda actor, item, data: catalogue_settings.unit_update(
            actor=actor, unit=item, **data
        ),
        title=_("Units of measure"),
        fields=(
            "name_ru",
            "name_en",
            "short_name",
            "okei_code",
            "position",
            "is_active",
        ),
    )


@login_required
@domain_errors
def vat_rate_list(request):
    return _reference_page(
        request,
        kind="vat-rate",
        items=selectors.vat_rate_list(actor=request.user, include_inactive=True),
        form_class=VatRateForm,
        create=catalogue_settings.vat_rate_create,
        title=_("VAT rates"),
    )


@login_required
@domain_errors
def vat_rate_update(request, pk: int):
    return _reference_update(
        request,
        kind="vat-rate",
        item=selectors.vat_rate_get(actor=request.user, vat_rate_id=pk),
        form_class=VatRateForm,
        update=lambda actor, item, data: catalogue_settings.vat_rate_update(
            actor=actor, vat_rate=item, **data
        ),
        title=_("VAT rates"),
        fields=("name_ru", "name_en", "rate", "is_default", "position", "is_active"),
    )
