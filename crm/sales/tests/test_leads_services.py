from decimal import Decimal

import pytest

from crm.activities.models import Activity
from crm.core.errors import Conflict, DomainError, Forbidden, NotFound
from crm.core.models import AuditEntry, Notification
from crm.customers.models import Company, Contact, Employment
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    SourceFactory,
    valid_inn,
)
from crm.sales.models import AssignmentKind, Deal, Lead, LeadStatus
from crm.sales.selectors.leads import lead_get, lead_list
from crm.sales.services import lead_conversion, lead_rules
from crm.sales.services import leads as services
from crm.sales.tests.factories import LeadFactory, PipelineFactory
from crm.sales.tests.factories_leads import AssignmentRuleFactory


def _fields(error: DomainError) -> set:
    return set(error.all_errors)


# --- creating -----------------------------------------------------------------------


def test_lead_entered_by_hand_belongs_to_the_one_who_entered_it(manager):
    # when
    lead = services.lead_create(
        actor=manager,
        title="Нужны насосы",
        company_name="ООО «Ромашка»",
        inn=valid_inn(1),
        first_name="Пётр",
        last_name="Иванов",
        email="Petr@Romashka.ru",
        phone="8 (916) 123-45-67",
    )
    # then
    assert lead.owner == manager
    assert lead.created_by == manager
    assert lead.status == LeadStatus.NEW
    assert lead.phone == "+79161234567"
    assert "ромашка" in lead.search_text
    assert AuditEntry.objects.filter(object_id=lead.pk, action="create").exists()
    assert not Notification.objects.exists()  # nobody to tell: it is the actor's


def test_bad_lead_input_names_each_field_and_saves_nothing(manager):
    with pytest.raises(DomainError) as caught:
        services.lead_create(
            actor=manager,
            title="x" * 301,
            inn="1234567890",
            email="no-at-sign",
            phone="12",
            industry_id=999_999,
        )
    assert _fields(caught.value) == {"title", "inn", "email", "phone", "industry_id"}
    assert not Lead.objects.exists()


def test_a_lead_needs_a_need_or_at_least_who_they_are(manager):
    with pytest.raises(DomainError) as caught:
        services.lead_create(actor=manager, region="Москва")
    assert caught.value.field == "title"
    lead = services.lead_create(actor=manager, company_name="АО «Вектор»")
    assert lead.title == "АО «Вектор»"


def test_readonly_role_may_not_enter_leads(make_user):
    with pytest.raises(Forbidden):
        services.lead_create(actor=make_user(role="readonly"), title="x")


def test_web_form_lead_without_an_actor_and_without_rules_has_no_curator(db):
    # given
    source = SourceFactory(name_en="Web site", name_ru="Сайт")
    # when
    lead = services.lead_create(
        source=source,
        title="Заявка с сайта",
        email="visitor@example.com",
        form_data={"utm_source": "yandex"},
    )
    # then
    assert lead.owner is None
    assert lead.created_by is None
    assert lead.source == source
    assert lead.form_data == {"utm_source": "yandex"}


# --- assignment rules -----------------------------------------------------------------


def test_round_robin_cycles_through_the_team_and_skips_inactive_members(
    make_user, team
):
    # given
    first = make_user(team=team)
    gone = make_user(team=team, is_active=False)
    second = make_user(team=team)
    viewer = make_user(role="readonly", team=team)
    AssignmentRuleFactory(team=team)
    # when
    owners = [
        services.lead_create(actor=None, title=f"Заявка {i}").owner for i in range(5)
    ]
    # then
    assert owners == [first, second, first, second, first]
    assert gone not in owners
    assert viewer not in owners


def test_round_robin_goes_on_after_the_last_one_even_when_they_left(make_user, team):
    # given
    first = make_user(team=team)
    second = make_user(team=team)
    third = make_user(team=team)
    AssignmentRuleFactory(team=team, last_assigned=second)
    second.is_active = False
    second.save()
    # when
    lead = services.lead_create(actor=None, title="Заявка")
    # then
    assert lead.owner == third
    assert services.lead_create(actor=None, title="Ещё").owner == first


def test_region_rule_comes_before_the_round_robin_when_ordered_first(
    make_user, team, manager
):
    # given
    siberia = make_user(role="sales")
    AssignmentRuleFactory(
        kind=AssignmentKind.REGION,
        region="Новосибирская область",
        assignee=siberia,
        position=1,
    )
    AssignmentRuleFactory(team=team, position=2)
    # when
    matched = services.lead_create(
        actor=None, title="a", region="  новосибирская  ОБЛАСТЬ "
    )
    other = services.lead_create(actor=None, title="b", region="Москва")
    # then
    assert matched.owner == siberia
    assert other.owner.team == team


def test_industry_rule_and_an_inactive_assignee_is_passed_over(make_user, manager):
    # given
    oil = IndustryFactory(name_en="Oil", name_ru="Нефть")
    gone = make_user(is_active=False)
    expert = make_user()
    AssignmentRuleFactory(
        kind=AssignmentKind.INDUSTRY, industry=oil, assignee=gone, position=1
    )
    AssignmentRuleFactory(
        kind=AssignmentKind.INDUSTRY, industry=oil, assignee=expert, position=2
    )
    # when
    lead = services.lead_create(actor=manager, title="Трубы", industry_id=oil.pk)
    plain = services.lead_create(actor=manager, title="Другое")
    # then
    assert lead.owner == expert
    assert plain.owner == manager  # no rule matched: the one who entered it


def test_a_curator_named_by_hand_wins_over_the_rules(make_user, team, manager):
    AssignmentRuleFactory(team=team)
    chosen = make_user()
    lead = services.lead_create(actor=manager, title="x", owner_id=chosen.pk)
    assert lead.owner == chosen


def test_the_new_curator_is_notified_by_e_mail(
    smtp_sink, make_user, team, django_capture_on_commit_callbacks
):
    # given
    curator = make_user(team=team, email="curator@example.com")
    AssignmentRuleFactory(team=team)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_create(actor=None, title="Нужен монтаж")
    # then
    notification = Notification.objects.get(user=curator)
    assert "Нужен монтаж" in notification.title
    assert notification.url == lead.get_absolute_url()
    assert smtp_sink.messages[0]["to"] == ["curator@example.com"]


def test_assignment_rule_settings_are_checked(admin_user, manager, team):
    with pytest.raises(Forbidden):
        lead_rules.assignment_rule_create(actor=manager, name="x", kind="round_robin")
    with pytest.raises(DomainError) as caught:
        lead_rules.assignment_rule_create(
            actor=admin_user, name="По региону", kind="region"
        )
    assert _fields(caught.value) == {"region", "assignee_id"}
    with pytest.raises(DomainError) as caught:
        lead_rules.assignment_rule_create(
            actor=admin_user, name="Все", kind="round_robin"
        )
    assert _fields(caught.value) == {"team_id"}
    rule = lead_rules.assignment_rule_create(
        actor=admin_user, name="Все", kind="round_robin", team_id=team.pk
    )
    assert rule.position == 10


# --- working on a lead ----------------------------------------------------------------


def test_a_sales_manager_sees_only_their_own_leads(
    manager, other_manager, make_user, team
):
    # given
    mine = LeadFactory(owner=manager)
    theirs = LeadFactory(owner=other_manager)
    unassigned = LeadFactory(owner=None)
    head = make_user(role="head", team=team)
    # then
    assert list(lead_list(actor=manager)) == [mine]
    with pytest.raises(NotFound):
        lead_get(actor=manager, lead_id=theirs.pk)
    assert set(lead_list(actor=head)) == {mine, theirs}
    assert unassigned not in lead_list(actor=head)


def test_a_visible_lead_of_another_may_not_be_changed_by_a_readonly_user(
    make_user, manager
):
    lead = LeadFactory(owner=manager)
    reader = make_user(role="readonly")
    assert lead_get(actor=reader, lead_id=lead.pk) == lead
    with pytest.raises(Forbidden):
        services.lead_update(actor=reader, lead=lead, title="x")


def test_lead_update_refuses_a_stale_version_and_notifies_a_new_curator(
    manager, other_manager
):
    lead = LeadFactory(owner=manager)
    services.lead_update(actor=manager, lead=lead, version=1, region="Тула")
    stale = Lead.objects.get(pk=lead.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        services.lead_update(actor=manager, lead=stale, version=1, region="Омск")
    services.lead_assign(actor=manager, lead=lead, owner=other_manager)
    assert Lead.objects.get(pk=lead.pk).owner == other_manager
    assert Notification.objects.filter(user=other_manager).count() == 1


def test_reject_needs_a_reason_and_reopen_takes_it_back(manager):
    lead = LeadFactory(owner=manager)
    with pytest.raises(DomainError) as caught:
        services.lead_reject(actor=manager, lead=lead, reason="  ")
    assert caught.value.field == "reason"
    services.lead_reject(actor=manager, lead=lead, reason="Спам")
    assert lead.status == LeadStatus.REJECTED
    assert lead.rejection_reason == "Спам"
    with pytest.raises(DomainError):
        services.lead_set_status(actor=manager, lead=lead, status="new")
    services.lead_set_status(actor=manager, lead=lead, status="in_progress")
    assert lead.rejection_reason == ""


# --- conversion -----------------------------------------------------------------------


def _full_lead(owner, **fields):
    source = SourceFactory(name_en="Exhibition", name_ru="Выставка")
    industry = IndustryFactory()
    data = {
        "title": "Поставка насосов",
        "company_name": "ООО «Ромашка»",
        "inn": valid_inn(42),
        "last_name": "Иванов",
        "first_name": "Пётр",
        "job_title": "Главный инженер",
        "email": "petr@romashka.ru",
        "phone": "+79161234567",
        "region": "Тула",
        "industry_id": industry.pk,
        "source_id": source.pk,
    }
    data.update(fields)
    return services.lead_create(actor=owner, **data)


def test_conversion_creates_company_contact_and_deal_linked(manager):
    # given
    lead = _full_lead(manager)
    # when
    result = lead_conversion.lead_convert(
        actor=manager, lead=lead, deal_amount="150000.00", deal_title="Насосы ЦН"
    )
    # then
    company, contact, deal = result.company, result.contact, result.deal
    assert result.created == {"company": True, "contact": True, "deal": True}
    assert company.name == "ООО «Ромашка»"
    assert company.inn == lead.inn
    assert company.region == "Тула"
    assert company.industry_id == lead.industry_id
    assert company.source_id == lead.source_id
    assert company.curator == manager
    assert company.email == ""  # the e-mail is the person's
    assert contact.full_name == "Иванов Пётр"
    assert contact.email == "petr@romashka.ru"
    assert contact.phone == "+79161234567"
    job = Employment.objects.get(contact=contact)
    assert job.company == company
    assert job.job_title == "Главный инженер"
    assert deal.company == company
    assert deal.contact == contact
    assert deal.lead == lead
    assert deal.owner == manager
    assert deal.amount == Decimal("150000.00")
    assert deal.title == "Насосы ЦН"
    assert deal.source_id == lead.source_id
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.company == company
    assert lead.contact == contact
    assert lead.converted_at is not None
    assert Activity.objects.filter(
        company=company, subject__contains=lead.title
    ).exists()


def test_conversion_links_to_existing_records_instead(manager):
    # given
    lead = _full_lead(manager)
    company = CompanyFactory(curator=manager, name="Ромашка")
    contact = ContactFactory(curator=manager)
    # when
    result = lead_conversion.lead_convert(
        actor=manager, lead=lead, company=company.pk, contact=contact, create_deal=False
    )
    # then
    assert result.created == {"company": False, "contact": False, "deal": False}
    assert Company.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Employment.objects.filter(contact=contact, company=company).exists()
    assert not Deal.objects.exists()


def test_conversion_refuses_a_company_the_actor_cannot_see(manager, other_manager):
    lead = _full_lead(manager)
    hidden = CompanyFactory(curator=other_manager)
    with pytest.raises(DomainError) as caught:
        lead_conversion.lead_convert(actor=manager, lead=lead, company=hidden.pk)
    assert "company_id" in _fields(caught.value)
    assert Company.objects.count() == 1


def test_a_failure_half_way_leaves_nothing(manager):
    # given: the deal cannot open in a pipeline without stages, after the company
    # and the contact were made
    lead = _full_lead(manager)
    empty = PipelineFactory(stages=False)
    # when
    with pytest.raises(DomainError) as caught:
        lead_conversion.lead_convert(actor=manager, lead=lead, pipeline=empty)
    # then
    assert any(name.startswith("deal.") for name in _fields(caught.value))
    assert not Company.objects.exists()
    assert not Contact.objects.exists()
    assert not Deal.objects.exists()
    assert not Activity.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert lead.company is None


def test_a_bad_inn_on_the_company_is_reported_under_company(manager):
    lead = _full_lead(manager)
    Lead.objects.filter(pk=lead.pk).update(inn="1234567890")  # came in by an old import
    lead.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        lead_conversion.lead_convert(actor=manager, lead=lead)
    assert "company.inn" in _fields(caught.value)
    assert not Company.objects.exists()


def test_a_converted_lead_is_not_converted_or_changed_again(manager):
    lead = _full_lead(manager)
    lead_conversion.lead_convert(actor=manager, lead=lead, create_deal=False)
    with pytest.raises(DomainError):
        lead_conversion.lead_convert(actor=manager, lead=lead)
    with pytest.raises(DomainError):
        services.lead_update(actor=manager, lead=lead, title="Другое")


def test_conversion_of_a_company_only_lead_puts_the_e_mail_on_the_company(manager):
    lead = services.lead_create(
        actor=manager, company_name="ИП Сидоров", email="info@sidorov.ru"
    )
    result = lead_conversion.lead_convert(actor=manager, lead=lead, create_deal=False)
    assert result.contact is None
    assert result.company.email == "info@sidorov.ru"


def test_conversion_in_another_currency_takes_a_price_list_in_it(head_and_usd):
    head, usd = head_and_usd
    lead = _full_lead(head)
    result = lead_conversion.lead_convert(
        actor=head, lead=lead, deal_currency="USD", deal_amount="1000"
    )
    assert result.deal.currency == "USD"
    assert result.deal.price_list == usd


@pytest.fixture
def head_and_usd(make_user, team):
    from crm.sales.tests.factories import PriceListFactory

    return make_user(role="head", team=team), PriceListFactory(currency="USD")
