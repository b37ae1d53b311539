"""Our own requisites (OwnCompany): what documents print as the supplier."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.validation import clean_email, clean_inn, clean_kpp, clean_ogrn
from crm.sales.models import OwnCompany

OWN_COMPANY_FIELDS = (
    "name",
    "full_name",
    "inn",
    "kpp",
    "ogrn",
    "address",
    "phone",
    "email",
    "bank_name",
    "bik",
    "bank_account",
    "correspondent_account",
    "director",
    "accountant",
    "is_vat_payer",
    "is_default",
)
# The Bank of Russia's weights for the check digit of an account number.
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def _digits(value: Any) -> str:
    return "".join(str(value or "").split())


def _account_matches(key: str, account: str) -> bool:
    """The Bank of Russia's check of an account against its bank's BIK."""
    digits = key + account
    return (
        sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False)) % 10
        == 0
    )


def clean_bik(value: Any, *, field: str = "bik") -> str:
    """A BIK: 9 digits."""
    bik = _digits(value)
    if bik and (len(bik) != 9 or not bik.isdigit()):
        raise DomainError(_("A BIK has 9 digits, like 044525225."), field=field)
    return bik


def clean_account(value: Any, *, field: str) -> str:
    """A bank account number: 20 digits."""
    account = _digits(value)
    if account and (len(account) != 20 or not account.isdigit()):
        raise DomainError(
            _("An account number has 20 digits, like 40702810900000000001."),
            field=field,
        )
    return account


def _check_accounts(company: OwnCompany, errors: dict[str, list]) -> None:
    """Both accounts must match the BIK (the Bank of Russia's check digit)."""
    bik = company.bik
    if not bik or errors.get("bik"):
        return
    account = company.bank_account
    if (
        account
        and not errors.get("bank_account")
        and not _account_matches(bik[-3:], account)
    ):
        errors.setdefault("bank_account", []).append(
            _("This account does not match the BIK: check both.")
        )
    corr = company.correspondent_account
    if (
        corr
        and not errors.get("correspondent_account")
        and not _account_matches("0" + bik[4:6], corr)
    ):
        errors.setdefault("correspondent_account", []).append(
            _("This correspondent account does not match the BIK: check both.")
        )


def _clean_own_company(company: OwnCompany, data: dict[str, Any]) -> None:
    errors: dict[str, list] = {}

    def check(field: str, clean) -> None:
        if field not in data:
            return
        try:
            setattr(company, field, clean(data[field]))
        except DomainError as error:
            errors.setdefault(field, []).append(error.message)

    for name in ("name", "full_name", "address", "phone", "bank_name"):
        check(name, lambda value: str(value or "").strip())
    for name in ("director", "accountant"):
        check(name, lambda value: str(value or "").strip())
    check("inn", lambda value: clean_inn(value, field="inn"))
    check("kpp", lambda value: clean_kpp(value, field="kpp"))
    check("ogrn", lambda value: clean_ogrn(value, field="ogrn"))
    check("email", lambda value: clean_email(value, field="email"))
    check("bik", lambda value: clean_bik(value, field="bik"))
    check("bank_account", lambda value: clean_account(value, field="bank_account"))
    check(
        "correspondent_account",
        lambda value: clean_account(value, field="correspondent_account"),
    )
    for name in ("is_vat_payer", "is_default"):
        if name in data:
            setattr(company, name, bool(data[name]))
    if not company.name:
        errors.setdefault("name", []).append(_("Enter the company's name."))
    for name in OWN_COMPANY_FIELDS:
        field = OwnCompany._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        value = getattr(company, name)
        if (
            limit
            and isinstance(value, str)
            and len(value) > limit
            and name not in errors
        ):
            errors.setdefault(name, []).append(
                _("At most %(limit)d characters.") % {"limit": limit}
            )
    _check_accounts(company, errors)
    if errors:
        raise DomainError.from_errors(errors)


def _only_default(company: OwnCompany) -> None:
    """Keep one default: the one just marked, or the first there is."""
    others = OwnCompany.objects.exclude(pk=company.pk)
    if company.is_default:
        others.filter(is_default=True).update(is_default=False)
    elif not others.filter(is_default=True).exists():
        company.is_default = True
        OwnCompany.objects.filter(pk=company.pk).update(is_default=True)


@transaction.atomic
def own_company_create(*, actor, **data) -> OwnCompany:
    """Add our legal entity as it appears on documents (administrators only).

    The first one becomes the default; marking another default unmarks the old one.
    """
    visibility.ensure_admin(actor=actor)
    unknown = set(data) - set(OWN_COMPANY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    company = OwnCompany()
    _clean_own_company(company, data)
    company.save()
    _only_default(company)
    audit.record_create(actor, company)
    return company


@transaction.atomic
def own_company_update(*, actor, own_company: OwnCompany, **data) -> OwnCompany:
    """Change our requisites; documents already issued keep what they printed."""
    visibility.ensure_admin(actor=actor)
    unknown = set(data) - set(OWN_COMPANY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    before = audit.snapshot(own_company)
    if data.get("is_default") is False and own_company.is_default:
        raise DomainError(
            _("Mark another company as the default instead."), field="is_default"
        )
    _clean_own_company(own_company, data)
    own_company.save()
    _only_default(own_company)
    audit.record_update(actor, own_company, before)
    return own_company
