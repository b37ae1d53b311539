"""Writes of documents: our requisites, proposals, orders and invoices issued from a
deal, their statuses, payments, letters, recorded sales and product affinity.

Documents follow their deal: whoever may change the deal may issue and change its
documents (`core.visibility` on the deal); a deal the actor may not see is as
missing as one that does not exist.
"""

from crm.sales.services.documents.affinity import (
    product_affinity_recompute,
    product_affinity_recompute_soon,
)
from crm.sales.services.documents.formats import amount_in_words, ru_date, ru_money
from crm.sales.services.documents.issue import (
    document_refuse_delete,
    invoice_issue,
    order_issue,
    own_company_default,
    proposal_delete,
    proposal_issue,
)
from crm.sales.services.documents.mail import (
    document_letter_defaults,
    document_letter_deliver,
    document_send,
)
from crm.sales.services.documents.numbering import number_take
from crm.sales.services.documents.payments import payment_record
from crm.sales.services.documents.pdf import document_pdf, pdf_filename, pdf_title
from crm.sales.services.documents.requisites import (
    own_company_create,
    own_company_update,
)
from crm.sales.services.documents.sales import sale_record
from crm.sales.services.documents.statuses import (
    ORDER_NEXT,
    PROPOSAL_NEXT,
    invoice_cancel,
    order_set_status,
    proposal_set_status,
)

__all__ = [
    "ORDER_NEXT",
    "PROPOSAL_NEXT",
    "amount_in_words",
    "document_letter_defaults",
    "document_letter_deliver",
    "document_pdf",
    "document_refuse_delete",
    "document_send",
    "invoice_cancel",
    "invoice_issue",
    "number_take",
    "order_issue",
    "order_set_status",
    "own_company_create",
    "own_company_default",
    "own_company_update",
    "payment_record",
    "pdf_filename",
    "pdf_title",
    "product_affinity_recompute",
    "product_affinity_recompute_soon",
    "proposal_delete",
    "proposal_issue",
    "proposal_set_status",
    "ru_date",
    "ru_money",
    "sale_record",
]
