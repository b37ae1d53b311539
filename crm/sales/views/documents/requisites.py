"""Settings pages of our requisites (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.forms import apply_domain_error
from crm.core.views import admin_required
from crm.sales.forms.documents import OwnCompanyForm
from crm.sales.selectors import documents as selectors
from crm.sales.services import documents as services


@admin_required
def own_company_list(request):
    return render(
        request,
        "sales/documents/own_company_list.html",
        {"companies": list(selectors.own_company_list(actor=request.user))},
    )


def _form_page(request, own_company=None):
    if request.method == "POST":
        form = OwnCompanyForm(request.POST)
        if form.is_valid():
            try:
                if own_company is None:
                    services.own_company_create(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Requisites saved."))
                else:
                    services.own_company_update(
                        actor=request.user,
                        own_company=own_company,
                        **form.cleaned_data,
                    )
                    messages.success(request, _("Changes saved."))
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return redirect("sales:own-company-list")
    elif own_company is None:
        form = OwnCompanyForm(initial={"is_vat_payer": True})
    else:
        form = OwnCompanyForm(initial=OwnCompanyForm.initial_of(own_company))
    return render(
        request,
        "sales/documents/own_company_form.html",
        {"form": form, "own_company": own_company},
        status=422 if form.errors else 200,
    )


@admin_required
def own_company_create(request):
    return _form_page(request)


@admin_required
def own_company_update(request, pk: int):
    own_company = selectors.own_company_get(actor=request.user, own_company_id=pk)
    return _form_page(request, own_company)
