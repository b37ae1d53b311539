"""The picture of a product (taken from 1C), served to those who may see the product."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from crm.customers.views import domain_errors
from crm.sales.selectors.catalogue import product_get


@require_GET
@login_required
@domain_errors
def product_image(request, pk: int):
    """The image inline, never as HTML: its type comes from our own name for it."""
    product = product_get(actor=request.user, product_id=pk)
    if not product.image:
        raise Http404
    try:
        handle = product.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(product.image.name)[0]
    if not content_type or not content_type.startswith("image/"):
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
