"""Why a pair looks like a duplicate: stable codes (stored, printed by the CLI and
returned by the API) and their labels in the user's language."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "same_email": _("same e-mail"),
    "same_mailbox": _("same mailbox name at another domain"),
    "same_phone": _("same phone"),
    "same_name": _("same name"),
    "name_typo": _("names differ by a typo"),
    "name_transliterated": _("transliteration of the same name"),
    "names_swapped": _("first and last name swapped"),
    "same_birth_date": _("same birth date"),
    "different_birth_dates": _("different birth dates"),
    "different_middle_names": _("different middle names"),
    "same_middle_name": _("same middle name"),
    "linked_through_another": _("both are duplicates of the same record"),
    "similar_address": _("similar address"),
    "different_emails": _("different e-mails"),
    "different_phones": _("different phones"),
    "same_inn": _("same INN"),
    "different_inn": _("different INN"),
    "different_kpp": _("same INN but different KPP (a branch?)"),
    "same_company_name": _("same name without the legal form"),
    "same_website": _("same web site or e-mail domain"),
}

# Reasons that speak against the pair, shown in another colour.
AGAINST = frozenset(
    {
        "different_birth_dates",
        "different_middle_names",
        "different_inn",
        "different_kpp",
    }
)


def reason_labels(codes) -> list[str]:
    return [str(REASONS.get(code, code)) for code in codes]
