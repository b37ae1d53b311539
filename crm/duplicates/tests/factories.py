"""Factories of duplicates tests: pairs in the queue."""

import factory
from factory.django import DjangoModelFactory

from crm.duplicates.models import DuplicatePair


class DuplicatePairFactory(DjangoModelFactory):
    """A queued pair; pass `a_id < b_id` (records of `entity`)."""

    class Meta:
        model = DuplicatePair

    entity = "contact"
    score = 0.9
    decision = "duplicate"
    reasons = factory.LazyFunction(lambda: ["same_email"])
