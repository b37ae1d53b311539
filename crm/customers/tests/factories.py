"""Factories of the customer base for tests (and for other apps' tests)."""

import factory
from factory.django import DjangoModelFactory

from crm.customers.models import (
    Company,
    CompanyCategory,
    Contact,
    ContactPoint,
    Employment,
    Industry,
    LegalForm,
    Position,
    SalesChannel,
    Source,
    Tag,
)

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def valid_inn(n: int) -> str:
    """A 10-digit organisation INN with a correct check digit, unique per `n`."""
    base = f"77{n % 10_000_000:07d}"
    check = sum(int(d) * w for d, w in zip(base, _INN10_WEIGHTS, strict=True)) % 11 % 10
    return f"{base}{check}"


class _SearchableFactory(DjangoModelFactory):
    """Keeps `search_text` as the services would, so search tests see the rows."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.search_text = obj.build_search_text()
        obj.save()
        return obj

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class CompanyFactory(_SearchableFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Компания {n}")
    inn = factory.Sequence(valid_inn)
    relation = "client"


class ContactFactory(_SearchableFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Имя{n}")
    last_name = factory.Sequence(lambda n: f"Фамилия{n}")


class EmploymentFactory(DjangoModelFactory):
    class Meta:
        model = Employment

    contact = factory.SubFactory(ContactFactory)
    company = factory.SubFactory(CompanyFactory)
    job_title = "Менеджер"
    is_primary = True


class ContactPointFactory(DjangoModelFactory):
    class Meta:
        model = ContactPoint

    kind = "phone"
    value = factory.Sequence(lambda n: f"+7916{n % 10_000_000:07d}")
    label = "мобильный"


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"тег{n}")


class _ReferenceFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    name_en = factory.Sequence(lambda n: f"Item {n}")
    name_ru = factory.Sequence(lambda n: f"Элемент {n}")


class LegalFormFactory(_ReferenceFactory):
    class Meta:
        model = LegalForm

    short_name = "ООО"


class IndustryFactory(_ReferenceFactory):
    class Meta:
        model = Industry


class CompanyCategoryFactory(_ReferenceFactory):
    class Meta:
        model = CompanyCategory


class SourceFactory(_ReferenceFactory):
    class Meta:
        model = Source


class SalesChannelFactory(_ReferenceFactory):
    class Meta:
        model = SalesChannel


class PositionFactory(_ReferenceFactory):
    class Meta:
        model = Position
