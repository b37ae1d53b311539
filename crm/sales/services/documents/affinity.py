"""Product affinity for cross-sell: how many clients bought both of two products.

Recomputed in SQL from all orders that are not cancelled, in the background —
nightly and shortly after orders and sales change — so the client card reads only
the small `ProductAffinity` table.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, transaction

from crm.customers.models import Company
from crm.sales.models import (
    Deal,
    DocumentLine,
    Order,
    OrderStatus,
    ProductAffinity,
)

logger = logging.getLogger(__name__)

# Changes within this window are folded into one recomputation.
AFFINITY_DEBOUNCE_SECONDS = 120
# The strongest companions kept per product: what a card can ever show.
AFFINITY_TOP_PER_PRODUCT = 50
_PENDING_KEY = "sales:product-affinity:pending"


def _sql() -> str:
    # Table names come from model metadata, never from input.
    line = DocumentLine._meta.db_table
    order = Order._meta.db_table
    deal = Deal._meta.db_table
    company = Company._meta.db_table
    affinity = ProductAffinity._meta.db_table
    return f"""
        WITH bought AS (
            SELECT DISTINCT o.company_id AS company_id, l.product_id AS product_id
            FROM {line} l
            JOIN {order} o ON o.id = l.order_id
            JOIN {deal} d ON d.id = o.deal_id
            JOIN {company} c ON c.id = o.company_id
            WHERE o.status <> %s
              AND l.product_id IS NOT NULL
              AND d.deleted_at IS NULL
              AND c.deleted_at IS NULL
        ),
        buyers AS (
            SELECT product_id, COUNT(*) AS clients FROM bought GROUP BY product_id
        ),
        pairs AS (
            SELECT a.product_id AS product_id, b.product_id AS other_id,
                   COUNT(*) AS clients_both
            FROM bought a
            JOIN bought b ON b.company_id = a.company_id AND b.product_id <> a.product_id
            GROUP BY a.product_id, b.product_id
        ),
        ranked AS (
            SELECT p.product_id, p.other_id, p.clients_both,
                   buyers.clients AS clients_product,
                   ROW_NUMBER() OVER (
                       PARTITION BY p.product_id
                       ORDER BY p.clients_both DESC, p.other_id
                   ) AS place
            FROM pairs p
            JOIN buyers ON buyers.product_id = p.product_id
        )
        INSERT INTO {affinity} (product_id, other_id, clients_both, clients_product)
        SELECT product_id, other_id, clients_both, clients_product
        FROM ranked
        WHERE place <= %s
    """  # noqa: S608


@transaction.atomic
def product_affinity_recompute() -> int:
    """Rebuild the affinity table from all orders that are not cancelled.

    A "client" is a company; a pair (A, B) counts the companies that ordered both,
    beside the number that ordered A. Replaced in one transaction, so a card reads
    either the old table or the new one, never half. Returns the number of pairs.
    """
    ProductAffinity.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [OrderStatus.CANCELLED, AFFINITY_TOP_PER_PRODUCT])
    count = ProductAffinity.objects.count()
    logger.info("Product affinity recomputed: %d pairs", count)
    return count


def product_affinity_recompute_soon() -> bool:
    """Schedule a recomputation a little later, once for a burst of changes.

    The first change of a window schedules the job at the window's end; later
    changes in the window find it scheduled and add nothing. Called after commit,
    so the job sees the change that asked for it. Returns whether it scheduled one.
    """
    if not cache.add(_PENDING_KEY, True, timeout=AFFINITY_DEBOUNCE_SECONDS):
        return False
    from crm.sales.tasks.documents import product_affinity_refresh

    product_affinity_refresh.schedule(delay=AFFINITY_DEBOUNCE_SECONDS)
    return True
