"""Pages of documents: lists, document pages and their actions, issuing from a
deal, the margin report and our requisites."""

from django.urls import path

from crm.sales.views.documents import lists, pages, requisites

KINDS = ("proposal", "order", "invoice")

urlpatterns = [
    path("proposals/", lists.proposal_list, name="proposal-list"),
    path("orders/", lists.order_list, name="order-list"),
    path("invoices/", lists.invoice_list, name="invoice-list"),
    path("sales/margin/", lists.margin_report, name="margin-report"),
    path(
        "deals/<int:pk>/issue/<str:kind>/",
        pages.deal_document_issue,
        name="deal-document-issue",
    ),
    path("deals/<int:pk>/sale/", pages.deal_sale, name="deal-sale"),
    path("proposals/<int:pk>/delete/", pages.proposal_delete, name="proposal-delete"),
    path("invoices/<int:pk>/payments/", pages.invoice_payment, name="invoice-payment"),
    path(
        "invoices/<int:pk>/cancel/",
        pages.document_status,
        {"kind": "invoice"},
        name="invoice-cancel",
    ),
    path("orders/<int:pk>/sale/", pages.order_sale, name="order-sale"),
    path("settings/requisites/", requisites.own_company_list, name="own-company-list"),
    path(
        "settings/requisites/new/",
        requisites.own_company_create,
        name="own-company-create",
    ),
    path(
        "settings/requisites/<int:pk>/",
        requisites.own_company_update,
        name="own-company-update",
    ),
]

for kind in KINDS:
    urlpatterns += [
        path(
            f"{kind}s/<int:pk>/",
            pages.document_detail,
            {"kind": kind},
            name=f"{kind}-detail",
        ),
        path(
            f"{kind}s/<int:pk>/pdf/",
            pages.document_pdf,
            {"kind": kind},
            name=f"{kind}-pdf",
        ),
        path(
            f"{kind}s/<int:pk>/send/",
            pages.document_send,
            {"kind": kind},
            name=f"{kind}-send",
        ),
    ]
    if kind != "invoice":
        urlpatterns.append(
            path(
                f"{kind}s/<int:pk>/status/",
                pages.document_status,
                {"kind": kind},
                name=f"{kind}-status",
            )
        )
