"""Reads of leads that pages and the API share, visibility applied once; and the
search for companies and contacts a lead may already be (before converting it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from crm.core import search, visibility
from crm.core.errors import NotFound
from crm.customers.models import (
    Company,
    Contact,
    ContactPoint,
    ContactPointKind,
    LegalForm,
)
from crm.sales.models import AssignmentRule, Lead

# Names this close (0–100, rapidfuzz over normalised names) count as "similar".
NAME_SIMILARITY = 85
# How many records sharing a word with the name are compared by similarity: enough
# to find a namesake, few enough for a customer base of a million.
NAME_CANDIDATES = 200
SIMILAR_LIMIT = 10

# Legal forms left out when names are compared: «ООО "Ромашка"» is «Ромашка».
LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "некоммерческая организация",
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "ип",
    "нко",
    "ано",
    "гуп",
    "муп",
    "фгуп",
    "llc",
    "ltd",
    "inc",
    "jsc",
    "gmbh",
    "ooo",
    "plc",
    "corp",
)
_PUNCTUATION = re.compile(r"[\"'«»„“”‘’`.,()\-–—_/\\&!?:;]+")


# --- lists ----------------------------------------------------------------------------


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _spellings(text: str) -> list[str]:
    """The usual spellings of a name typed in any case ("тула" → «Тула»): SQLite
    folds the case of Latin letters only, and exact values keep to the index."""
    text = " ".join(text.split())
    return list(
        dict.fromkeys(
            [text, text.lower(), text.capitalize(), text.title(), text.upper()]
        )
    )


def lead_list(*, actor, filters: Mapping[str, Any] | None = None) -> QuerySet[Lead]:
    """Leads the actor sees, filtered, with what a list row shows loaded.

    Filters: `q` (need, company, INN, names, e-mail, phone), `status` (one or a
    list), `owner` (a user or id; "none" for leads without a curator), `source`,
    `industry`, `region`, `created_from`/`created_to` (dates).
    """
    filters = filters or {}
    queryset = visibility.visible(Lead.objects.all(), actor)
    q = Q()
    status = filters.get("status")
    if status:
        q &= (
            Q(status__in=list(status))
            if isinstance(status, list | tuple)
            else Q(status=status)
        )
    owner = filters.get("owner")
    if owner == "none":
        q &= Q(owner__isnull=True)
    elif owner:
        q &= Q(owner_id=_pk(owner))
    for name in ("source", "industry"):
        if filters.get(name):
            q &= Q(**{f"{name}_id": _pk(filters[name])})
    if filters.get("region"):
        q &= Q(region__in=_spellings(str(filters["region"])))
    if filters.get("created_from"):
        q &= Q(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        q &= Q(created_at__lt=_day_start(filters["created_to"] + dt.timedelta(days=1)))
    queryset = queryset.filter(q)
    if filters.get("q"):
        queryset = search.matching(queryset, filters["q"])
    return queryset.select_related(
        "owner", "source", "industry", "company", "contact", "created_by"
    )


def lead_get(*, actor, lead_id: Any) -> Lead:
    """One lead the actor sees; a hidden one is as missing as a deleted one."""
    if not str(lead_id).isdigit():
        raise NotFound
    lead = lead_list(actor=actor).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound
    return lead


def lead_search(*, actor, query: str, limit: int = 8) -> list[Lead]:
    """A few leads for the global search, newest first."""
    if not search.is_searchable(query):
        return []
    hits = search.matching(
        visibility.visible(Lead.objects.all(), actor), query
    ).order_by()[:limit]
    return sorted(hits, key=lambda lead: lead.created_at, reverse=True)


def lead_regions(*, actor, limit: int = 200) -> list[str]:
    """Regions of the leads the actor sees, for the filter's suggestions."""
    rows = (
        visibility.visible(Lead.objects.all(), actor)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()[:limit]
    )
    return list(rows)


# --- assignment rules ---------------------------------------------------------------


def assignment_rule_list(*, actor) -> QuerySet[AssignmentRule]:
    """The rules in the order they are tried (administrators see them)."""
    if not visibility.is_admin(actor):
        return AssignmentRule.objects.none()
    return AssignmentRule.objects.select_related(
        "team", "industry", "assignee", "last_assigned"
    ).order_by("position", "pk")


def assignment_rule_get(*, actor, rule_id: Any) -> AssignmentRule:
    if not str(rule_id).isdigit():
        raise NotFound
    rule = assignment_rule_list(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    return rule


# --- similar companies and contacts -------------------------------------------------


def _fold(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


def _legal_form_phrases() -> list[str]:
    """The built-in legal forms and the administrator's list, longest first."""
    phrases = set(LEGAL_FORMS)
    for short_name, name_ru, name_en in LegalForm.objects.values_list(
        "short_name", "name_ru", "name_en"
    ):
        for value in (short_name, name_ru, name_en):
            value = _PUNCTUATION.sub(" ", _fold(value)).strip()
            if value:
                phrases.add(" ".join(value.split()))
    return sorted(phrases, key=len, reverse=True)


def normalise_company_name(name: str, forms: list[str] | None = None) -> str:
    """A company name as it is compared: lower case, ё as е, without quotes,
    punctuation and legal forms (ООО, АО, ИП, LLC…)."""
    text = " " + " ".join(_PUNCTUATION.sub(" ", _fold(name)).split()) + " "
    for phrase in forms if forms is not None else list(LEGAL_FORMS):
        text = text.replace(f" {phrase} ", " ")
    return " ".join(text.split())


def normalise_person_name(*parts: str) -> str:
    return " ".join(
        _PUNCTUATION.sub(" ", _fold(" ".join(p for p in parts if p))).split()
    )


def name_similarity(a: str, b: str) -> float:
    """How alike two normalised names are, 0–100; the order of words does not count."""
    if not a or not b:
        return 0.0
    return float(fuzz.token_sort_ratio(a, b))


@dataclass
class Match:
    """A record that may be the lead's company or person, and why."""

    obj: Any
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def kind(self) -> str:
        return "company" if isinstance(self.obj, Company) else "contact"


@dataclass
class Similar:
    companies: list[Match] = field(default_factory=list)
    contacts: list[Match] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.companies or self.contacts)


def _add(found: dict[int, Match], obj, reason: str, score: float = 100.0) -> None:
    match = found.setdefault(obj.pk, Match(obj=obj))
    if reason not in match.reasons:
        match.reasons.append(reason)
    match.score = max(match.score, score)


def _having(queryset: QuerySet, field: str, kind: str, values: list[str]) -> QuerySet:
    """Records whose own `field` or one of whose further phones or e-mails is one
    of `values`.

    Two lookups on their own indexes, joined by ids: an OR of the two in one
    query would make the database read every record.
    """
    owner = "company" if queryset.model is Company else "contact"
    ids = set(
        queryset.filter(**{f"{field}__in": values}).values_list("pk", flat=True)[
            :SIMILAR_LIMIT
        ]
    )
    further = ContactPoint.objects.filter(
        kind=kind, value__in=values, **{f"{owner}__isnull": False}
    ).values_list(f"{owner}_id", flat=True)[:SIMILAR_LIMIT]
    ids.update(queryset.filter(pk__in=list(further)).values_list("pk", flat=True))
    return queryset.filter(pk__in=ids)


def _email_values(email: str) -> list[str]:
    """The spellings an e-mail is likely stored in.

    Stored e-mails keep the case of their local part as typed; comparing the few
    usual spellings exactly keeps the lookup on the index, where a case-insensitive
    comparison would read every row.
    """
    if not email or "@" not in email:
        return [email] if email else []
    local, _at, domain = email.rpartition("@")
    domain = domain.lower()
    spellings = [email, f"{local}@{domain}", f"{local.lower()}@{domain}"]
    spellings.append(f"{local.capitalize()}@{domain}")
    return list(dict.fromkeys(spellings))


def _name_candidates(queryset: QuerySet, normalised: str) -> QuerySet:
    """Records with a word starting like one of the two longest words of the name;
    `search.matching` keeps this on the search index."""
    words = sorted(
        (w for w in normalised.split() if len(w) >= 3), key=len, reverse=True
    )
    if not words:
        return queryset.none()
    q = Q()
    for word in words[:2]:
        prefix = word[: max(3, min(len(word) - 1, 5))]
        ids = search.matching(queryset, prefix).order_by().values_list("pk", flat=True)
        q |= Q(pk__in=list(ids[:NAME_CANDIDATES]))
    return queryset.filter(q)


def lead_similar(*, actor, lead: Lead) -> Similar:
    """Companies and contacts the lead may already be, among those the actor sees.

    A company matches by the same INN, the same e-mail or phone (its own or a
    further one), or a close name (ignoring legal forms and quotes); a contact by
    the same e-mail or phone, or a close full name. Strongest matches first. Records
    the actor may not see are never shown, so nobody learns of a client this way.
    """
    result = Similar()
    companies = visibility.visible(Company.objects.all(), actor)
    contacts = visibility.visible(Contact.objects.all(), actor)
    emails = _email_values(lead.email)
    phones = [lead.phone] if lead.phone else []
    found: dict[int, Match] = {}

    if lead.inn:
        for company in companies.filter(inn=lead.inn)[:SIMILAR_LIMIT]:
            _add(found, company, _("the same INN"))
    if emails:
        matches = _having(companies, "email", ContactPointKind.EMAIL, emails)
        for company in matches:
            _add(found, company, _("the same e-mail"))
    if phones:
        matches = _having(companies, "phone", ContactPointKind.PHONE, phones)
        for company in matches:
            _add(found, company, _("the same phone"))
    if lead.company_name:
        forms = _legal_form_phrases()
        wanted = normalise_company_name(lead.company_name, forms)
        for company in _name_candidates(companies, wanted):
            score = name_similarity(wanted, normalise_company_name(company.name, forms))
            if score >= NAME_SIMILARITY:
                _add(
                    found,
                    company,
                    _("a similar name (%(score)d %%)") % {"score": round(score)},
                    score - 1,
                )
    result.companies = sorted(
        found.values(), key=lambda m: (-len(m.reasons), -m.score, m.obj.name)
    )[:SIMILAR_LIMIT]

    found = {}
    if emails:
        matches = _having(contacts, "email", ContactPointKind.EMAIL, emails)
        for contact in matches:
            _add(found, contact, _("the same e-mail"))
    if phones:
        matches = _having(contacts, "phone", ContactPointKind.PHONE, phones)
        for contact in matches:
            _add(found, contact, _("the same phone"))
    if lead.last_name and lead.first_name:
        wanted = normalise_person_name(lead.last_name, lead.first_name)
        for contact in _name_candidates(
            contacts, normalise_person_name(lead.last_name)
        ):
            score = name_similarity(
                wanted, normalise_person_name(contact.last_name, contact.first_name)
            )
            if score >= NAME_SIMILARITY:
                _add(
                    found,
                    contact,
                    _("a similar name (%(score)d %%)") % {"score": round(score)},
                    score - 1,
                )
    result.contacts = sorted(
        found.values(),
        key=lambda m: (-len(m.reasons), -m.score, m.obj.last_name, m.obj.first_name),
    )[:SIMILAR_LIMIT]
    return result
