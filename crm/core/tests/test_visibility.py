"""Table-driven test of crm.core.visibility: role × object type × whose record.

Core has no concrete records of its own, so the customer base's companies and
contacts stand in (looked up through the app registry: core must not import a
higher app). For object types without a model here (tasks, activities) `can()` is
checked on plain objects that declare `object_type` and `owner_fields`.
"""

from types import SimpleNamespace

import pytest
from django.apps import apps

from crm.core import visibility
from crm.core.errors import Forbidden
from crm.core.services import visibility_rules_set

# What each scope lets the actor reach: (own record, team mate's, stranger's).
REACH = {
    "all": (True, True, True),
    "team": (True, True, False),
    "own": (True, False, False),
    "none": (False, False, False),
}

# The defaults, written out by hand: (view, edit) per role and object type.
EXPECTED = {
    "admin": {"company": ("all", "all"), "contact": ("all", "all"), "task": ("all", "all"), "activity": ("all", "all")},
    "head": {"company": ("team", "team"), "contact": ("team", "team"), "task": ("team", "team"), "activity": ("team", "team")},
    "sales": {"company": ("own", "own"), "contact": ("own", "own"), "task": ("own", "own"), "activity": ("own", "own")},
    "marketer": {"company": ("all", "own"), "contact": ("all", "own"), "task": ("own", "own"), "activity": ("own", "own")},
    "service": {"company": ("all", "own"), "contact": ("all", "own"), "task": ("own", "own"), "activity": ("own", "own")},
    "readonly": {"company": ("all", "none"), "contact": ("all", "none"), "task": ("all", "none"), "activity": ("all", "none")},
}  # fmt: skip

CASES = [
    (role, object_type, action)
    for role, types in EXPECTED.items()
    for object_type in types
    for action in ("view", "edit")
]


@pytest.fixture
def people(make_user):
    """An actor factory plus a team mate and a stranger who own records."""
    Team = apps.get_model("accounts", "Team")  # noqa: N806 - a model class
    team = Team.objects.create(name="Восток")
    other_team = Team.objects.create(name="Запад")
    mate = make_user(role="sales", team=team)
    stranger = make_user(role="sales", team=other_team)
    return SimpleNamespace(
        team=team,
        mate=mate,
        stranger=stranger,
        actor=lambda role: make_user(role=role, team=team),
    )


def _records(object_type, owners):
    if object_type == "company":
        model = apps.get_model("customers", "Company")
        return model, [
            model.objects.create(name=f"ООО «{n}»", curator=owner)
            for n, owner in enumerate(owners)
        ]
    if object_type == "contact":
        model = apps.get_model("customers", "Contact")
        return model, [
            model.objects.create(first_name=f"Контакт {n}", curator=owner)
            for n, owner in enumerate(owners)
        ]
    return None, [
        SimpleNamespace(
            object_type=object_type, owner_fields=("assignee",), assignee_id=owner.pk
        )
        for owner in owners
    ]


@pytest.mark.parametrize(("role", "object_type", "action"), CASES)
def test_who_reaches_which_records(people, role, object_type, action):
    # given an actor of the role, and records of the actor, a team mate, a stranger
    actor = people.actor(role)
    model, records = _records(object_type, [actor, people.mate, people.stranger])
    view_scope, edit_scope = EXPECTED[role][object_type]
    expected = REACH[view_scope if action == "view" else edit_scope]

    # then can() answers per record
    assert tuple(visibility.can(actor, r, action) for r in records) == expected

    # and visible() narrows a queryset to exactly the same records
    if model is not None:
        found = set(
            visibility.visible(model.objects.all(), actor, action).values_list(
                "pk", flat=True
            )
        )
        assert found == {r.pk for r, ok in zip(records, expected, strict=True) if ok}


@pytest.mark.parametrize(("role", "object_type"), [(r, t) for r, t, a in CASES[::2]])
def test_the_written_out_defaults_are_the_codes_defaults(role, object_type):
    assert visibility.default_scopes(role, object_type) == EXPECTED[role][object_type]


def test_a_user_without_a_team_reaches_only_own_records_with_team_scope(make_user):
    head = make_user(role="head")
    mate_less = make_user(role="sales")
    Company = apps.get_model("customers", "Company")
    own = Company.objects.create(name="Своя", curator=head)
    other = Company.objects.create(name="Чужая", curator=mate_less)
    assert list(visibility.visible(Company.objects.all(), head)) == [own]
    assert not visibility.can(head, other)


def test_a_deactivated_or_anonymous_actor_reaches_nothing(make_user):
    from django.contrib.auth.models import AnonymousUser

    gone = make_user(role="admin", is_active=False)
    Company = apps.get_model("customers", "Company")
    company = Company.objects.create(name="ООО «Ромашка»", curator=gone)
    for actor in (gone, AnonymousUser(), None):
        assert not visibility.can(actor, company)
        assert not visibility.visible(Company.objects.all(), actor).exists()


def test_an_administrators_rule_replaces_the_default(admin_user, people):
    # given sales managers allowed to see their team's companies
    visibility_rules_set(
        actor=admin_user, rules={("sales", "company"): ("team", "own")}
    )
    actor = people.actor("sales")
    Company = apps.get_model("customers", "Company")
    mine = Company.objects.create(name="Моя", curator=actor)
    mates = Company.objects.create(name="Коллеги", curator=people.mate)
    Company.objects.create(name="Чужая", curator=people.stranger)

    # then they see the team's but still change only their own
    assert visibility.scopes("sales", "company") == ("team", "own")
    assert set(visibility.visible(Company.objects.all(), actor)) == {mine, mates}
    assert visibility.can(actor, mates, "view")
    assert not visibility.can(actor, mates, "edit")
    # other object types keep their defaults
    assert visibility.scopes("sales", "contact") == ("own", "own")


def test_only_an_administrator_changes_the_rules(manager):
    with pytest.raises(Forbidden):
        visibility_rules_set(
            actor=manager, rules={("sales", "company"): ("all", "all")}
        )
    assert visibility.scopes("sales", "company") == ("own", "own")


def test_ensure_admin_and_is_admin(admin_user, manager):
    assert visibility.is_admin(admin_user)
    assert not visibility.is_admin(manager)
    visibility.ensure_admin(actor=admin_user)
    with pytest.raises(Forbidden):
        visibility.ensure_admin(actor=manager)
