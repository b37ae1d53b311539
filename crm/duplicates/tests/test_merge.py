"""Merging records: every related row moves, the history tells, an administrator
undoes it, and nobody merges what they may not change."""

import datetime as dt

import pytest
from django.utils import translation

from crm.activities.models import Activity, Task
from crm.activities.tests.factories import ActivityFactory, TaskFactory
from crm.core.audit import describe
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.models import AuditEntry
from crm.customers.models import Contact, ContactPoint, Employment, Tag
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    ContactPointFactory,
    EmploymentFactory,
)
from crm.duplicates.models import DuplicatePair, MergedRecord, PairStatus
from crm.duplicates.services import duplicates_merge, duplicates_merge_undo
from crm.duplicates.services.merge import merge_defaults
from crm.sales.models import Deal, DealParticipant, Invoice, Lead, Order
from crm.sales.services.documents import invoice_issue, order_issue
from crm.sales.tests.factories import DealFactory, LeadFactory
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(manager):
    """An older contact (the survivor by default) and its duplicate with a life of
    its own: activities, a task, a deal with an order and an invoice, a place in
    another deal, a lead, places of work, tags and a further phone."""
    OwnCompanyFactory()
    old = ContactFactory(
        last_name="Смирнова",
        first_name="Мария",
        email="maria@alfa.example",
        curator=manager,
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    deal = deal_with_lines(manager)
    dup = deal.contact
    Contact.objects.filter(pk=dup.pk).update(
        phone="+79161234567", middle_name="Ивановна", birth_date=dt.date(1985, 1, 2)
    )
    dup.refresh_from_db()
    shared = CompanyFactory(curator=manager)
    EmploymentFactory(contact=old, company=shared)
    EmploymentFactory(contact=dup, company=shared)  # a place both have
    own_job = EmploymentFactory(contact=dup, company=CompanyFactory(curator=manager))
    tag_both, tag_dup = Tag.objects.create(name="VIP"), Tag.objects.create(name="IT")
    old.tags.add(tag_both)
    dup.tags.add(tag_both, tag_dup)
    other_deal = DealFactory(owner=manager)
    participant = DealParticipant.objects.create(
        deal=other_deal, side="client", contact=dup, role="ЛПР"
    )
    return {
        "old": old,
        "dup": dup,
        "deal": deal,
        "order": order_issue(actor=manager, deal=deal),
        "invoice": invoice_issue(actor=manager, deal=deal),
        "activity": ActivityFactory(contact=dup),
        "task": TaskFactory(contact=dup, assignee=manager),
        "lead": LeadFactory(contact=dup),
        "participant": participant,
        "own_job": own_job,
        "shared": shared,
        "point": ContactPointFactory(contact=dup, kind="phone", value="+74950000000"),
        "tag_dup": tag_dup,
    }


def _merge(actor, pair, **choices):
    return duplicates_merge(
        actor=actor,
        entity="contacts",
        survivor=pair["old"],
        others=[pair["dup"]],
        field_choices=choices,
    )


def test_duplicates_merge_keeps_every_related_record(manager, pair):
    # when
    _merge(manager, pair)
    # then everything the duplicate had now belongs to the survivor
    old = pair["old"].pk
    assert Deal.objects.get(pk=pair["deal"].pk).contact_id == old
    assert Order.objects.get(pk=pair["order"].pk).contact_id == old
    assert Invoice.objects.get(pk=pair["invoice"].pk).contact_id == old
    assert Activity.objects.get(pk=pair["activity"].pk).contact_id == old
    assert Task.all_objects.get(pk=pair["task"].pk).contact_id == old
    assert Lead.objects.get(pk=pair["lead"].pk).contact_id == old
    assert DealParticipant.objects.get(pk=pair["participant"].pk).contact_id == old
    assert Employment.objects.get(pk=pair["own_job"].pk).contact_id == old
    assert ContactPoint.objects.get(pk=pair["point"].pk).contact_id == old
    assert set(Tag.objects.filter(contacts=old).values_list("name", flat=True)) == {
        "VIP",
        "IT",
    }


def test_duplicates_merge_keeps_one_place_of_work_per_company(manager, pair):
    _merge(manager, pair)
    jobs = Employment.objects.filter(contact=pair["old"], company=pair["shared"])
    assert jobs.count() == 1


def test_duplicates_merge_fills_empty_fields_and_follows_choices(manager, pair):
    # given the survivor lacks a phone and a birth date; the user prefers the
    # duplicate's e-mail
    pair["dup"].email = "m.smirnova@alfa.example"
    Contact.objects.filter(pk=pair["dup"].pk).update(email=pair["dup"].email)
    # when
    _merge(manager, pair, email=pair["dup"].pk)
    # then
    survivor = Contact.objects.get(pk=pair["old"].pk)
    assert survivor.phone == "+79161234567"
    assert survivor.birth_date == dt.date(1985, 1, 2)
    assert survivor.email == "m.smirnova@alfa.example"
    # and the e-mail it gave up stays as a further one
    assert ContactPoint.objects.filter(
        contact=survivor, kind="email", value="maria@alfa.example"
    ).exists()


def test_duplicates_merge_puts_the_others_in_the_trash_pointing_at_the_survivor(
    manager, pair
):
    _merge(manager, pair)
    assert Contact.all_objects.get(pk=pair["dup"].pk).deleted_at is not None
    member = MergedRecord.objects.get(object_id=pair["dup"].pk)
    assert member.survivor_id == pair["old"].pk


def test_duplicates_merge_is_in_the_history_of_both(manager, pair):
    _merge(manager, pair)
    survivor_entry = AuditEntry.objects.filter(object_id=pair["old"].pk).first()
    merged_entry = AuditEntry.objects.filter(object_id=pair["dup"].pk).first()
    assert "merged_records" in survivor_entry.changes
    assert "merged_into" in merged_entry.changes
    # The history names the merge in words, not by its key.
    assert "merged records" in [row[0] for row in describe(survivor_entry)]
    with translation.override("ru"):
        assert "объединена с" in [row[0] for row in describe(merged_entry)]


def test_duplicates_merge_closes_the_pair(manager, pair):
    a, b = sorted((pair["old"].pk, pair["dup"].pk))
    queued = DuplicatePair.objects.create(
        entity="contact", a_id=a, b_id=b, score=0.9, decision="duplicate"
    )
    _merge(manager, pair)
    queued.refresh_from_db()
    assert queued.status == PairStatus.MERGED


def test_duplicates_merge_moves_a_companys_deals_and_people(manager):
    old = CompanyFactory(name="ООО «Ромашка»", curator=manager)
    dup = CompanyFactory(name="Romashka LLC", curator=manager, phone="+74951234567")
    deal = DealFactory(owner=manager, company=dup)
    job = EmploymentFactory(company=dup)
    branch = CompanyFactory(parent=dup, curator=manager)
    duplicates_merge(actor=manager, entity="companies", survivor=old, others=[dup])
    assert Deal.objects.get(pk=deal.pk).company_id == old.pk
    assert Employment.objects.get(pk=job.pk).company_id == old.pk
    assert type(old).objects.get(pk=branch.pk).parent_id == old.pk
    assert type(old).objects.get(pk=old.pk).phone == "+74951234567"


def test_duplicates_merge_takes_over_the_external_id(manager):
    old = ContactFactory(curator=manager, first_name="А")
    dup = ContactFactory(curator=manager, first_name="А", external_id="1C-42")
    duplicates_merge(actor=manager, entity="contact", survivor=old, others=[dup])
    assert Contact.objects.get(pk=old.pk).external_id == "1C-42"


def test_duplicates_merge_refuses_a_record_of_another_manager(manager, other_manager):
    mine = ContactFactory(curator=manager)
    theirs = ContactFactory(curator=other_manager)
    with pytest.raises(NotFound):
        duplicates_merge(
            actor=manager, entity="contact", survivor=mine, others=[theirs]
        )
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_duplicates_merge_refuses_a_visible_record_it_may_not_change(
    make_user, manager
):
    marketer = make_user(role="marketer")
    a, b = ContactFactory(curator=manager), ContactFactory(curator=manager)
    with pytest.raises(Forbidden):
        duplicates_merge(actor=marketer, entity="contact", survivor=a, others=[b])


def test_duplicates_merge_refuses_a_choice_outside_the_records(manager, pair):
    with pytest.raises(DomainError) as error:
        _merge(manager, pair, email=999999)
    assert error.value.field == "field_choices.email"
    # and nothing was written
    assert Contact.objects.filter(pk=pair["dup"].pk).exists()


def test_duplicates_merge_refuses_a_single_record(manager):
    a = ContactFactory(curator=manager)
    with pytest.raises(DomainError):
        duplicates_merge(actor=manager, entity="contact", survivor=a, others=[a])


def test_merge_defaults_keep_the_survivors_values_and_fill_the_gaps(manager):
    a = ContactFactory(curator=manager, email="a@x.ru")
    b = ContactFactory(curator=manager, email="b@x.ru", phone="+79161234567")
    defaults = merge_defaults(entity="contact", survivor=a, others=[b])
    assert defaults["email"] == a.pk
    assert defaults["phone"] == b.pk


def test_duplicates_merge_undo_restores_everything(manager, admin_user, pair):
    # given a merge
    merge = _merge(manager, pair)
    # when an administrator undoes it
    duplicates_merge_undo(actor=admin_user, merge=merge)
    # then the duplicate is back with all it had
    dup = pair["dup"].pk
    assert Contact.objects.get(pk=dup).phone == "+79161234567"
    assert Deal.objects.get(pk=pair["deal"].pk).contact_id == dup
    assert Invoice.objects.get(pk=pair["invoice"].pk).contact_id == dup
    assert Activity.objects.get(pk=pair["activity"].pk).contact_id == dup
    assert Task.all_objects.get(pk=pair["task"].pk).contact_id == dup
    assert Lead.objects.get(pk=pair["lead"].pk).contact_id == dup
    assert DealParticipant.objects.get(pk=pair["participant"].pk).contact_id == dup
    assert Employment.objects.get(pk=pair["own_job"].pk).contact_id == dup
    assert ContactPoint.objects.get(pk=pair["point"].pk).contact_id == dup
    assert pair["tag_dup"] in Contact.objects.get(pk=dup).tags.all()
    assert pair["tag_dup"] not in Contact.objects.get(pk=pair["old"].pk).tags.all()
    # and the survivor has its own values again
    survivor = Contact.objects.get(pk=pair["old"].pk)
    assert survivor.phone == ""
    assert survivor.birth_date is None
    assert not ContactPoint.objects.filter(contact=survivor).exists()


def test_duplicates_merge_undo_is_for_administrators(manager, pair):
    merge = _merge(manager, pair)
    with pytest.raises(Forbidden):
        duplicates_merge_undo(actor=manager, merge=merge)


def test_duplicates_merge_undo_refuses_twice(admin_user, pair):
    merge = _merge(admin_user, pair)
    duplicates_merge_undo(actor=admin_user, merge=merge)
    with pytest.raises(DomainError):
        duplicates_merge_undo(actor=admin_user, merge=merge)
