"""Pages of the customer base (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def _pending(request, *args, **kwargs):
    raise Http404


company_list = company_create = company_detail = company_update = _pending
company_delete = contact_list = contact_create = contact_detail = _pending
contact_update = contact_delete = tag_list = tag_update = tag_delete = _pending
reference_list = reference_update = _pending
