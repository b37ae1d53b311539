"""Demo leads: first contacts from the website, calls and trade shows — new, in
work, rejected, and converted into the clients and deals they became."""

from __future__ import annotations

from django.db import connection

from crm.demo import identifiers, vocabulary
from crm.demo.clock import Clock
from crm.demo.rows import SearchSource
from crm.demo.sales import words
from crm.demo.sampling import (
    REGION_CUM,
    REGION_TOTAL,
    FastRandom,
    cumulative,
    pick,
    translit,
)
from crm.demo.sampling import person as make_person
from crm.sales.models import Lead, LeadStatus

_GROUP_CUM = cumulative(w for _g, w in words.MAIN_GROUPS)
# Where leads come from, as indexes into vocabulary.SOURCES; the first three are
# web forms, whose leads carry what the form sent and have no author.
_LEAD_SOURCES = (0, 6, 7, 1, 3, 2, 5, 9)
_WEB_SOURCES = 3
_FORM_DATA = Lead._meta.get_field("form_data")
_MOBILE = vocabulary.MOBILE_CODES


class LeadMaker:
    """Builds lead rows; ids are taken from the shared counter in order."""

    def __init__(self, *, seed, clock: Clock, ids, sources, industries, owners):
        self.seed = seed
        self.clock = clock
        self.ids = ids
        self.sources = [sources[i] for i in _LEAD_SOURCES if i < len(sources)]
        self.industries = industries
        self.owners = owners
        self.empty_form = _FORM_DATA.get_db_prep_save({}, connection)

    def _take_id(self) -> int:
        lead_id = self.ids.lead
        self.ids.lead += 1
        return lead_id

    def _source(self, rng) -> tuple[int | None, bool]:
        if not self.sources:
            return None, False
        number = rng.randrange(len(self.sources))
        return self.sources[number], number < _WEB_SOURCES

    def _form(self, rng, web: bool):
        if not web or rng.random() < 0.3:
            return self.empty_form
        return _FORM_DATA.get_db_prep_save(
            {
                "utm_source": rng.choice(words.UTM_SOURCES),
                "page": rng.choice(words.LEAD_PAGES),
            },
            connection,
        )

    def converted(
        self,
        rng,
        out,
        *,
        group,
        owner,
        company_id,
        company,
        person,
        deal_day,
        deal_created,
    ):
        """The lead a deal came from, converted into its client when it opened.

        Returns the lead's id and its source, which the deal takes over.
        """
        lead_id = self._take_id()
        source, web = self._source(rng)
        if person is not None:
            contact_id, last, first, middle, email, phone, _role = person
        else:
            contact_id, email, phone = None, company.email, company.phone
            last, first, middle, _male = make_person(rng)
        created = self.clock.at(max(deal_day - 1 - rng.randrange(7), 0), 0)
        title = rng.choice(words.LEAD_TITLES.get(group, ("Запрос с сайта",)))
        out.leads.append(
            self._row(
                lead_id=lead_id,
                title=title,
                company_name=company.name,
                inn=company.inn,
                names=(last, first, middle),
                job_title=rng.choice(words.LEAD_JOB_TITLES),
                email=email,
                phone=phone,
                region=company.region,
                industry=company.industry,
                source=source,
                owner=owner,
                status=LeadStatus.CONVERTED.value,
                rejection="",
                description=rng.choice(words.LEAD_NOTES),
                form=self._form(rng, web),
                company_id=company_id,
                contact_id=contact_id,
                converted=deal_created,
                created=created,
                updated=deal_created,
                author=None if web else owner,
            )
        )
        return lead_id, source

    def others(self, number: int, count: int, out) -> None:
        """`count` leads that are new, in work or rejected (batch `number`)."""
        rng = FastRandom(self.seed * 1_000_003 + 700_001 + number)
        today = self.clock.today_index
        for serial in range(count):
            lead_id = self._take_id()
            # The first three of a load are one of each status: a small load too
            # shows them all.
            roll = (
                (0.1, 0.5, 0.9)[serial] if number == 0 and serial < 3 else rng.random()
            )
            if roll < 0.35:
                status, age = LeadStatus.NEW.value, 1 + rng.randrange(14)
            elif roll < 0.75:
                status, age = LeadStatus.IN_PROGRESS.value, 1 + rng.randrange(60)
            else:
                status, age = LeadStatus.REJECTED.value, 1 + rng.randrange(150)
            day = max(today - age, 0)
            owner = None
            if self.owners and (status != LeadStatus.NEW.value or rng.random() < 0.7):
                owner = rng.choice(self.owners)
            source, web = self._source(rng)
            last, first, middle, _male = make_person(rng)
            region = vocabulary.REGIONS[pick(rng, REGION_CUM, REGION_TOTAL)]
            company_name = inn = ""
            domain = rng.choice(vocabulary.PERSONAL_MAIL_DOMAINS)
            if rng.random() < 0.75:
                word = rng.choice(vocabulary.COMPANY_WORDS)
                company_name = f"ООО «{word}»"
                domain = f"{translit(word)}.{vocabulary.TOP_LEVEL_DOMAIN}"
                if rng.random() < 0.4:
                    inn = identifiers.company_inn(region[2][0], 900_000 + lead_id)
            email = ""
            if rng.random() < 0.85:
                email = f"{translit(first)[0]}.{translit(last)}@{domain}"
            phone = ""
            if rng.random() < 0.8:
                phone = identifiers.phone(
                    _MOBILE[lead_id % len(_MOBILE)], 3_000_000 + lead_id
                )
            group = words.MAIN_GROUPS[pick(rng, _GROUP_CUM, _GROUP_CUM[-1])][0]
            created = self.clock.at(day, rng.randrange(600))
            updated = created
            if status != LeadStatus.NEW.value:
                updated = self.clock.at(
                    min(day + rng.randrange(5), today - 1), 60 + rng.randrange(480)
                )
                updated = max(updated, created)
            out.leads.append(
                self._row(
                    lead_id=lead_id,
                    title=rng.choice(words.LEAD_TITLES[group]),
                    company_name=company_name,
                    inn=inn,
                    names=(last, first, middle),
                    job_title=rng.choice(words.LEAD_JOB_TITLES) if company_name else "",
                    email=email,
                    phone=phone,
                    region=region[0],
                    industry=(
                        rng.choice(self.industries)
                        if self.industries and rng.random() < 0.7
                        else None
                    ),
                    source=source,
                    owner=owner,
                    status=status,
                    rejection=(
                        rng.choice(words.REJECTION_REASONS)
                        if status == LeadStatus.REJECTED.value
                        else ""
                    ),
                    description=rng.choice(words.LEAD_NOTES),
                    form=self._form(rng, web),
                    company_id=None,
                    contact_id=None,
                    converted=None,
                    created=created,
                    updated=updated,
                    author=None if web else owner,
                )
            )

    def _row(self, *, lead_id, title, company_name, inn, names, job_title, email,
             phone, region, industry, source, owner, status, rejection, description,
             form, company_id, contact_id, converted, created, updated, author):  # fmt: skip
        last, first, middle = names
        external_id = f"demo-lead-{lead_id}"
        search = Lead.build_search_text(
            SearchSource(  # type: ignore[arg-type]  # a stand-in, see SearchSource
                {
                    "title": title,
                    "company_name": company_name,
                    "inn": inn,
                    "last_name": last,
                    "first_name": first,
                    "middle_name": middle,
                    "email": email,
                    "phone": phone,
                }
            )
        )
        return (
            lead_id, title, company_name, inn, last, first, middle, job_title, email,
            phone, region, industry, source, owner, status, rejection, description,
            form, company_id, contact_id, converted, external_id, search, created,
            updated, author,
        )  # fmt: skip
