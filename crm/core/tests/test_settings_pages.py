import pytest
from django.apps import apps

from crm.core import visibility
from crm.core.models import CustomField, VisibilityRule
from crm.core.services import custom_field_create

ADMIN_PAGES = [
    "/settings/",
    "/settings/custom-fields/",
    "/settings/custom-fields/new/",
    "/settings/visibility/",
    "/trash/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["sales", "head", "marketer", "service", "readonly"])
def test_settings_pages_are_for_administrators_only(client, make_user, role, path):
    client.force_login(make_user(role=role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_settings_pages_open_for_an_administrator(client, admin_user, path):
    client.force_login(admin_user)
    assert client.get(path).status_code == 200


def test_the_settings_hub_links_every_administration_page(client, admin_user):
    client.force_login(admin_user)
    content = client.get("/settings/").content.decode()
    for url in (
        "/accounts/users/",
        "/accounts/teams/",
        "/settings/custom-fields/",
        "/settings/visibility/",
        "/settings/tags/",
        "/settings/lists/legal-forms/",
        "/settings/lists/industries/",
        "/settings/lists/categories/",
        "/settings/lists/sources/",
        "/settings/lists/sales-channels/",
        "/settings/lists/positions/",
    ):
        assert f'href="{url}"' in content, url


# --- custom fields ----------------------------------------------------------------


def test_administrator_adds_a_choice_field_with_one_choice_per_line(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/settings/custom-fields/new/",
        {
            "entity": "company",
            "key": "segment",
            "label_en": "Segment",
            "label_ru": "Сегмент",
            "kind": "choice",
            "choices": "Розница\r\n\r\nОпт \r\nРозница\r\n",
            "is_required": "on",
            "position": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    field = CustomField.objects.get(key="segment")
    assert field.choices == ["Розница", "Опт"]
    assert (field.entity, field.kind, field.is_required, field.position) == (
        "company",
        "choice",
        True,
        3,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"key": "1abc"}, "key"),
        ({"kind": "choice", "choices": "  \n "}, "choices"),
        ({"label_en": "", "label_ru": ""}, "label_en"),
        ({"kind": "colour"}, "kind"),
        ({"key": "taken"}, "key"),
    ],
)
def test_bad_custom_field_input_is_named_and_nothing_is_saved(
    client, admin_user, changes, field
):
    custom_field_create(
        actor=admin_user, entity="contact", key="taken", label_en="Taken", kind="text"
    )
    client.force_login(admin_user)
    data = {
        "entity": "contact",
        "key": "hobby",
        "label_en": "Hobby",
        "kind": "text",
        "position": "0",
        **changes,
    }
    response = client.post("/settings/custom-fields/new/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert CustomField.objects.count() == 1


def test_administrator_edits_and_deactivates_a_field_but_not_its_key_or_type(
    client, admin_user
):
    field = custom_field_create(
        actor=admin_user, entity="contact", key="hobby", label_en="Hobby", kind="text"
    )
    client.force_login(admin_user)
    response = client.post(
        f"/settings/custom-fields/{field.pk}/",
        {
            "key": "changed",
            "kind": "number",
            "entity": "company",
            "label_en": "Hobbies",
            "label_ru": "Увлечения",
            "position": "5",
        },
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.kind, field.entity) == ("hobby", "text", "contact")
    assert (field.label_en, field.label_ru, field.position) == (
        "Hobbies",
        "Увлечения",
        5,
    )
    assert field.is_active is False


def test_administrator_deletes_a_field(client, admin_user):
    field = custom_field_create(
        actor=admin_user, entity="company", key="x", label_en="X", kind="boolean"
    )
    client.force_login(admin_user)
    response = client.post(f"/settings/custom-fields/{field.pk}/delete/")
    assert response.status_code == 302
    assert not CustomField.objects.exists()


def test_custom_fields_page_lists_fields_per_entity(
    client, admin_user, django_assert_max_num_queries
):
    for n in range(10):
        custom_field_create(
            actor=admin_user,
            entity="company" if n % 2 else "contact",
            key=f"f{n}",
            label_en=f"Field {n}",
            kind="text",
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get("/settings/custom-fields/")
    groups = {
        g["entity"]: [f.key for f in g["fields"]] for g in response.context["groups"]
    }
    assert groups == {
        "company": ["f1", "f3", "f5", "f7", "f9"],
        "contact": ["f0", "f2", "f4", "f6", "f8"],
    }


def test_a_sales_manager_cannot_delete_a_field(client, admin_user, manager):
    field = custom_field_create(
        actor=admin_user, entity="company", key="x", label_en="X", kind="text"
    )
    client.force_login(manager)
    assert client.post(f"/settings/custom-fields/{field.pk}/delete/").status_code == 403
    assert CustomField.objects.filter(pk=field.pk).exists()


# --- visibility rules -------------------------------------------------------------


def _matrix_post(changes=None):
    """The visibility form as it comes with the defaults, with some cells changed."""
    data = {}
    for role in visibility.Role.values:
        if role == visibility.Role.ADMIN:
            continue
        for object_type in visibility.OBJECT_TYPES:
            view_scope, edit_scope = visibility.default_scopes(role, object_type)
            data[f"{role}-{object_type}-view"] = view_scope
            data[f"{role}-{object_type}-edit"] = edit_scope
    data.update(changes or {})
    return data


def test_the_visibility_page_shows_the_defaults(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/settings/visibility/")
    form = response.context["form"]
    assert form["sales-company-view"].value() == "own"
    assert form["marketer-company-view"].value() == "all"
    assert form["readonly-task-edit"].value() == "none"
    assert "admin-company-view" not in form.fields


def test_visibility_rules_are_saved_and_then_applied(
    client, admin_user, manager, other_manager
):
    # given two sales managers of one team, each curating a company
    Company = apps.get_model("customers", "Company")
    mine = Company.objects.create(name="Моя", curator=manager)
    theirs = Company.objects.create(name="Коллеги", curator=other_manager)
    assert list(visibility.visible(Company.objects.all(), manager)) == [mine]

    # when the administrator lets sales managers see the team's companies
    client.force_login(admin_user)
    response = client.post(
        "/settings/visibility/", _matrix_post({"sales-company-view": "team"})
    )

    # then the rule is stored, only for that cell, and applies at once
    assert response.status_code == 302
    assert list(VisibilityRule.objects.values_list("role", "object_type")) == [
        ("sales", "company")
    ]
    assert visibility.scopes("sales", "company") == ("team", "own")
    assert set(visibility.visible(Company.objects.all(), manager)) == {mine, theirs}
    assert not visibility.can(manager, theirs, "edit")
    page = client.get("/settings/visibility/")
    assert page.context["form"]["sales-company-view"].value() == "team"


def test_the_defaults_come_back_with_one_button(client, admin_user):
    client.force_login(admin_user)
    client.post("/settings/visibility/", _matrix_post({"head-task-view": "all"}))
    assert visibility.scopes("head", "task") == ("all", "team")
    client.post("/settings/visibility/", {"reset": "1"})
    assert not VisibilityRule.objects.exists()
    assert visibility.scopes("head", "task") == ("team", "team")


def test_a_role_cannot_change_more_than_it_sees(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/settings/visibility/",
        _matrix_post({"sales-contact-view": "own", "sales-contact-edit": "all"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sales-contact-edit"]
    assert not VisibilityRule.objects.exists()


def test_an_unknown_scope_is_refused_on_its_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/settings/visibility/", _matrix_post({"head-company-view": "everything"})
    )
    assert response.status_code == 200
    assert response.context["form"].errors["head-company-view"]
    assert not VisibilityRule.objects.exists()


def test_a_sales_manager_cannot_post_visibility_rules(client, manager):
    client.force_login(manager)
    response = client.post(
        "/settings/visibility/", _matrix_post({"sales-company-view": "all"})
    )
    assert response.status_code == 403
    assert not VisibilityRule.objects.exists()
