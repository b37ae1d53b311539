"""Factories of activities' tests. Companies and contacts are made directly, so these
tests do not depend on the customers app's factories."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from crm.activities.models import Activity, ActivityKind, Task
from crm.core.search import search_text
from crm.customers.models import Company, Contact, Employment


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"ООО «Ромашка {n}»")
    search_text = factory.LazyAttribute(lambda c: search_text(texts=[c.name]))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "Мария"
    last_name = factory.Sequence(lambda n: f"Иванова{n}")
    search_text = factory.LazyAttribute(
        lambda c: search_text(texts=[c.last_name, c.first_name])
    )


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    contact = factory.SubFactory(ContactFactory)
    company = factory.SubFactory(CompanyFactory)
    is_primary = True


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Позвонить клиенту {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    created_by = factory.SelfAttribute("assignee")
    search_text = factory.LazyAttribute(
        lambda task: search_text(texts=[task.title, getattr(task, "description", "")])
    )


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Звонок {n}")
    occurred_at = factory.LazyFunction(timezone.now)
    search_text = factory.LazyAttribute(
        lambda a: search_text(texts=[a.subject, getattr(a, "body", "")])
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As activity_log does: the client's "last activity" follows its activities.
        from crm.activities.services.activities import touch_clients

        activity = super()._create(model_class, *args, **kwargs)
        touch_clients(activity)
        return activity
