import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core.errors import Conflict, DomainError, Forbidden
from crm.core.models import AuditEntry, CustomField
from crm.customers import services
from crm.customers.models import Company, Contact, ContactPoint, Employment, Tag
from crm.customers.tests.factories import (
    CompanyFactory,
    ContactFactory,
    EmploymentFactory,
    IndustryFactory,
    PositionFactory,
    TagFactory,
    valid_inn,
)


def _audit(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )


# --- companies ----------------------------------------------------------------------


def test_company_create_stores_normalised_values_and_makes_the_actor_curator(manager):
    # given
    industry = IndustryFactory()
    tag = TagFactory(name="vip")
    # when
    company = services.company_create(
        actor=manager,
        name="  ООО «Ромашка»  ",
        inn="7707 0838 93",
        phone="8 (916) 123-45-67",
        email="Info@Romashka.RU",
        website="romashka.ru",
        industry_id=industry.pk,
        tag_ids=[tag.pk],
        phones=[{"label": "склад", "value": "+7 495 123 45 67"}, {"value": ""}],
        emails=[{"label": "бухгалтерия", "value": "buh@romashka.ru"}],
    )
    # then
    company.refresh_from_db()
    assert company.name == "ООО «Ромашка»"
    assert company.inn == "7707083893"
    assert company.phone == "+79161234567"
    assert company.email == "info@romashka.ru"
    assert company.website == "https://romashka.ru"
    assert company.curator == manager
    assert company.created_by == manager
    assert company.industry == industry
    assert list(company.tags.all()) == [tag]
    points = {(p.kind, p.label, p.value) for p in company.contact_points.all()}
    assert points == {
        ("phone", "склад", "+74951234567"),
        ("email", "бухгалтерия", "buh@romashka.ru"),
    }
    assert "buh" in company.search_text.split()
    assert "74951234567" in company.search_text.split()
    entry = _audit(company).get()
    assert entry.action == "create"
    assert entry.changes["name"]["new"] == "ООО «Ромашка»"
    assert entry.changes["tags"]["new"] == "vip"


def test_company_create_reports_every_bad_field_at_once_and_saves_nothing(manager):
    # when
    with pytest.raises(DomainError) as caught:
        services.company_create(
            actor=manager,
            name="",
            inn="7707083890",
            email="not-an-email",
            phone="12",
            kpp="12",
            phones=[{"value": "+7 495 123 45 67"}, {"value": "abc"}],
        )
    # then
    errors = caught.value.all_errors
    assert set(errors) == {"name", "inn", "email", "phone", "kpp", "phones.1.value"}
    assert "check digit" in str(errors["inn"][0])
    assert Company.all_objects.count() == 0
    assert ContactPoint.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_company_create_refuses_a_kpp_for_a_sole_proprietor(manager):
    with pytest.raises(DomainError) as caught:
        services.company_create(
            actor=manager, name="ИП Иванов", inn="500100732259", kpp="500101001"
        )
    assert caught.value.field == "kpp"


def test_company_create_checks_custom_fields(manager, admin_user):
    # given
    CustomField.objects.create(
        entity="company",
        key="size_class",
        label_en="Size",
        label_ru="Размер",
        kind="choice",
        choices=["A", "B"],
        is_required=True,
    )
    # when / then
    with pytest.raises(DomainError) as caught:
        services.company_create(actor=manager, name="Альфа")
    assert caught.value.field == "custom_fields.size_class"
    company = services.company_create(
        actor=manager, name="Альфа", custom_fields={"size_class": "B"}
    )
    assert company.custom_fields == {"size_class": "B"}


def test_read_only_user_may_not_create_a_company(make_user):
    reader = make_user(role="readonly")
    with pytest.raises(Forbidden):
        services.company_create(actor=reader, name="Альфа")


def test_company_update_records_old_and_new_values(manager):
    # given
    company = services.company_create(actor=manager, name="Альфа", phone="+79161234567")
    tag = TagFactory(name="ключевой")
    # when
    services.company_update(
        actor=manager,
        company=company,
        version=company.version,
        name="Альфа-Про",
        phone="",
        tag_ids=[tag.pk],
    )
    # then
    entry = _audit(company).filter(action="update").get()
    assert entry.actor == manager
    assert entry.changes["name"] == {"old": "Альфа", "new": "Альфа-Про"}
    assert entry.changes["phone"] == {"old": "+79161234567", "new": None}
    assert entry.changes["tags"] == {"old": "", "new": "ключевой"}
    company.refresh_from_db()
    assert company.version == 2
    assert "про" in company.search_text.split()
    assert "79161234567" not in company.search_text


def test_second_save_of_the_same_version_is_refused(manager):
    # given: two people opened version 1
    company = services.company_create(actor=manager, name="Альфа")
    first = Company.objects.get(pk=company.pk)
    second = Company.objects.get(pk=company.pk)
    services.company_update(actor=manager, company=first, version=1, name="Первый")
    # when
    with pytest.raises(Conflict) as caught:
        services.company_update(actor=manager, company=second, version=1, name="Второй")
    # then
    assert "Someone else saved" in str(caught.value.message)
    company.refresh_from_db()
    assert company.name == "Первый"
    assert company.version == 2


def test_a_stale_instance_without_a_version_is_refused_too(manager):
    company = services.company_create(actor=manager, name="Альфа")
    stale = Company.objects.get(pk=company.pk)
    services.company_update(actor=manager, company=company, name="Бета")
    with pytest.raises(Conflict):
        services.company_update(actor=manager, company=stale, name="Гамма")


def test_a_refused_update_leaves_the_instance_usable(manager):
    company = services.company_create(actor=manager, name="Альфа")
    with pytest.raises(DomainError):
        services.company_update(actor=manager, company=company, inn="123")
    services.company_update(actor=manager, company=company, inn=valid_inn(5))
    company.refresh_from_db()
    assert company.inn == valid_inn(5)


def test_sales_manager_may_not_change_another_managers_company(manager, other_manager):
    company = CompanyFactory(curator=other_manager, name="Чужая")
    with pytest.raises(Forbidden):
        services.company_update(actor=manager, company=company, name="Моя")
    with pytest.raises(Forbidden):
        services.company_delete(actor=manager, company=company)
    company.refresh_from_db()
    assert company.name == "Чужая"
    assert company.deleted_at is None


def test_a_company_cannot_be_its_own_parent_or_its_branchs_branch(manager):
    # given: holding ← branch ← sub-branch
    holding = services.company_create(actor=manager, name="Холдинг")
    branch = services.company_create(actor=manager, name="Филиал", parent_id=holding.pk)
    sub = services.company_create(actor=manager, name="Подфилиал", parent_id=branch.pk)
    # when / then
    with pytest.raises(DomainError) as caught:
        services.company_update(actor=manager, company=holding, parent_id=holding.pk)
    assert caught.value.field == "parent_id"
    with pytest.raises(DomainError) as caught:
        services.company_update(actor=manager, company=holding, parent_id=sub.pk)
    assert caught.value.field == "parent_id"
    holding.refresh_from_db()
    assert holding.parent_id is None


def test_the_parent_must_be_a_company_the_actor_sees(manager, other_manager):
    hidden = CompanyFactory(curator=other_manager)
    with pytest.raises(DomainError) as caught:
        services.company_create(actor=manager, name="Филиал", parent_id=hidden.pk)
    assert caught.value.field == "parent_id"


def test_a_retired_reference_item_stays_where_it_was_but_is_not_offered(
    manager, admin_user
):
    # given
    industry = IndustryFactory()
    company = services.company_create(actor=manager, name="А", industry_id=industry.pk)
    services.reference_item_deactivate(actor=admin_user, item=industry)
    # when: saving the company unchanged keeps it
    services.company_update(actor=manager, company=company, industry_id=industry.pk)
    # then: a new company may not pick it
    with pytest.raises(DomainError) as caught:
        services.company_create(actor=manager, name="Б", industry_id=industry.pk)
    assert caught.value.field == "industry_id"


def test_company_delete_moves_it_to_the_trash_with_a_history_entry(manager):
    company = services.company_create(actor=manager, name="Альфа")
    services.company_delete(actor=manager, company=company)
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Company.all_objects.get(pk=company.pk).deleted_by == manager
    assert _audit(company).filter(action="delete").exists()


def test_external_id_is_unique(manager):
    services.company_create(actor=manager, name="А", external_id="1c-42")
    with pytest.raises(DomainError) as caught:
        services.company_create(actor=manager, name="Б", external_id="1c-42")
    assert caught.value.field == "external_id"


# --- contacts -----------------------------------------------------------------------


def test_contact_create_links_companies_with_one_main_place_of_work(manager):
    # given
    first = CompanyFactory(curator=manager)
    second = CompanyFactory(curator=manager)
    position = PositionFactory()
    # when
    contact = services.contact_create(
        actor=manager,
        first_name="Иван",
        last_name="Петров",
        email="ivan.petrov@mail.ru",
        companies=[
            {"company_id": first.pk, "position_id": position.pk},
            {"company_id": second.pk, "job_title": "Директор", "is_primary": True},
        ],
    )
    # then
    jobs = {e.company_id: e for e in contact.employments.all()}
    assert jobs[second.pk].is_primary
    assert not jobs[first.pk].is_primary
    assert jobs[first.pk].position == position
    assert contact.curator == manager
    assert {"ivan", "petrov", "mail"} <= set(contact.search_text.split())
    entry = _audit(contact).get()
    assert set(entry.changes["companies"]["new"].split(", ")) == {
        first.name,
        second.name,
    }


def test_without_a_marked_main_place_the_first_becomes_main(manager):
    company = CompanyFactory(curator=manager)
    contact = services.contact_create(
        actor=manager, first_name="Иван", companies=[{"company_id": company.pk}]
    )
    assert contact.employments.get().is_primary


def test_two_main_places_of_work_are_refused(manager):
    first, second = CompanyFactory(curator=manager), CompanyFactory(curator=manager)
    with pytest.raises(DomainError) as caught:
        services.contact_create(
            actor=manager,
            first_name="Иван",
            companies=[
                {"company_id": first.pk, "is_primary": True},
                {"company_id": second.pk, "is_primary": True},
            ],
        )
    assert "companies.1.is_primary" in caught.value.all_errors
    assert Contact.all_objects.count() == 0


def test_contact_update_keeps_links_to_companies_the_actor_cannot_see(
    manager, other_manager
):
    # given: the contact works for a company hidden from the manager
    hidden = CompanyFactory(curator=other_manager)
    mine = CompanyFactory(curator=manager)
    contact = ContactFactory(curator=manager)
    EmploymentFactory(contact=contact, company=hidden, is_primary=True)
    # when: the manager saves the places of work they see
    services.contact_update(
        actor=manager, contact=contact, companies=[{"company_id": mine.pk}]
    )
    # then
    assert set(contact.employments.values_list("company_id", flat=True)) == {
        hidden.pk,
        mine.pk,
    }
    assert contact.employments.get(company=hidden).is_primary
    # and linking to the hidden company directly is refused
    with pytest.raises(DomainError) as caught:
        services.contact_update(
            actor=manager, contact=contact, companies=[{"company_id": hidden.pk}]
        )
    assert "companies.0.company_id" in caught.value.all_errors


def test_contact_validation_names_each_field(manager):
    with pytest.raises(DomainError) as caught:
        services.contact_create(
            actor=manager,
            first_name="",
            email="ivan@",
            phone="+7 916",
            birth_date="2999-01-01",
            emails=[{"value": "bad"}],
        )
    assert set(caught.value.all_errors) == {
        "first_name",
        "email",
        "phone",
        "birth_date",
        "emails.0.value",
    }
    assert Contact.all_objects.count() == 0


def test_contact_stale_version_is_refused(manager):
    contact = services.contact_create(actor=manager, first_name="Иван")
    services.contact_update(actor=manager, contact=contact, version=1, last_name="А")
    with pytest.raises(Conflict):
        services.contact_update(
            actor=Contact.objects.get(pk=contact.pk).curator,
            contact=Contact.objects.get(pk=contact.pk),
            version=1,
            last_name="Б",
        )
    assert Contact.objects.get(pk=contact.pk).last_name == "А"


def test_employment_add_update_remove_keep_one_main_place(manager):
    # given
    contact = services.contact_create(actor=manager, first_name="Иван")
    first, second = CompanyFactory(curator=manager), CompanyFactory(curator=manager)
    # when
    a = services.employment_add(actor=manager, contact=contact, company=first)
    b = services.employment_add(
        actor=manager, contact=contact, company=second, is_primary=True, job_title="CEO"
    )
    # then
    a.refresh_from_db()
    assert b.is_primary
    assert not a.is_primary
    services.employment_update(actor=manager, employment=a, is_primary=True)
    b.refresh_from_db()
    assert not b.is_primary
    services.employment_remove(actor=manager, employment=a)
    b.refresh_from_db()
    assert b.is_primary
    assert Employment.objects.filter(contact=contact).count() == 1
    with pytest.raises(DomainError):
        services.employment_add(actor=manager, contact=contact, company=second)


def test_contact_point_add_and_remove_keep_the_search_text(manager):
    contact = services.contact_create(actor=manager, first_name="Иван")
    point = services.contact_point_add(
        actor=manager, obj=contact, kind="phone", value="8 916 765 43 21", label="дом"
    )
    contact.refresh_from_db()
    assert point.value == "+79167654321"
    assert "79167654321" in contact.search_text.split()
    with pytest.raises(DomainError) as caught:
        services.contact_point_add(actor=manager, obj=contact, kind="email", value="x")
    assert caught.value.field == "value"
    services.contact_point_remove(actor=manager, point=point)
    contact.refresh_from_db()
    assert "79167654321" not in contact.search_text
    changes = _audit(contact).filter(action="update").first().changes
    assert changes["contact_points"] == {"old": "дом: +79167654321", "new": ""}


# --- tags and reference lists ----------------------------------------------------------


def test_tags_are_created_by_users_and_changed_by_administrators(manager, admin_user):
    tag = services.tag_create(
        actor=manager, name="  Ключевой   клиент ", color="#FF0000"
    )
    assert (tag.name, tag.color) == ("Ключевой клиент", "#ff0000")
    with pytest.raises(DomainError) as caught:
        services.tag_create(actor=manager, name="ключевой КЛИЕНТ")
    assert caught.value.field == "name"
    with pytest.raises(DomainError) as caught:
        services.tag_create(actor=manager, name="x", color="red")
    assert caught.value.field == "color"
    with pytest.raises(Forbidden):
        services.tag_update(actor=manager, tag=tag, name="другое")
    services.tag_update(actor=admin_user, tag=tag, name="VIP")
    services.tag_delete(actor=admin_user, tag=tag)
    assert not Tag.objects.exists()


def test_company_tags_set_moves_the_version_and_is_audited(manager):
    company = services.company_create(actor=manager, name="Альфа")
    tags = [TagFactory(name="a"), TagFactory(name="b")]
    services.company_tags_set(
        actor=manager, company=company, tag_ids=[t.pk for t in tags]
    )
    company.refresh_from_db()
    assert company.version == 2
    assert (
        _audit(company).filter(action="update").get().changes["tags"]["new"] == "a, b"
    )


def test_reference_items_are_for_administrators(manager, admin_user):
    with pytest.raises(Forbidden):
        services.reference_item_create(actor=manager, kind="industries", name_en="IT")
    item = services.reference_item_create(
        actor=admin_user, kind="industries", name_en="IT", name_ru="ИТ", position=3
    )
    assert (item.name_en, item.name_ru, item.position) == ("IT", "ИТ", 3)
    with pytest.raises(DomainError) as caught:
        services.reference_item_create(
            actor=admin_user, kind="industries", name_ru="ит"
        )
    assert caught.value.field == "name_ru"
    with pytest.raises(DomainError) as caught:
        services.reference_item_create(actor=admin_user, kind="industries")
    assert caught.value.field == "name_en"
    form = services.reference_item_create(
        actor=admin_user, kind="legal-forms", name_en="LLC", short_name="ООО"
    )
    assert form.short_name == "ООО"
    services.reference_item_update(actor=admin_user, item=item, name_en="IT services")
    services.reference_item_deactivate(actor=admin_user, item=item)
    item.refresh_from_db()
    assert (item.name_en, item.is_active) == ("IT services", False)
