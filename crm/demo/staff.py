"""The demo's people and lists: teams, users of every role, reference lists and tags.

They are found by name and created only when missing, through the services, so
running the demo again reuses them and a database that already has its own lists
keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.accounts.models import Team, User
from crm.accounts.services import team_save, user_create
from crm.core.visibility import Role
from crm.customers.models import (
    CompanyCategory,
    Industry,
    LegalForm,
    Position,
    SalesChannel,
    Source,
    Tag,
)
from crm.customers.services import reference_item_create, tag_create
from crm.demo import vocabulary

MOSCOW_TEAM, SPB_TEAM = vocabulary.TEAMS[0], vocabulary.TEAMS[1]
TEAM_HEADS = {MOSCOW_TEAM: "head", SPB_TEAM: "volkov"}


@dataclass
class Staff:
    users: dict[str, User]  # by username, in the order of vocabulary.STAFF
    created: list[str]

    @property
    def admin(self) -> User:
        """An administrator to act as when adding reference items and tags."""
        found = next((u for u in self.users.values() if u.role == Role.ADMIN), None)
        found = found or User.objects.filter(role=Role.ADMIN, is_active=True).first()
        if found is None:
            raise RuntimeError(
                "The demo needs an administrator: the user 'admin' exists but has "
                "another role. Create one with `crm user create NAME --role admin`."
            )
        return found

    def sales(self, team: str | None = None) -> list[User]:
        """Sales managers (of a team), in a stable order."""
        return [
            u
            for u in self.users.values()
            if u.role == Role.SALES
            and (team is None or (u.team is not None and u.team.name == team))
        ]


def ensure_staff(*, password: str | None) -> Staff:
    """Find or create the demo teams and users; new users get `password`.

    Without a password the new users cannot sign in until one is set
    (`crm manage changepassword USERNAME`).
    """
    teams: dict[str, Team] = {}
    for name in vocabulary.TEAMS:
        teams[name] = Team.objects.filter(name__iexact=name).first() or team_save(
            actor=None, name=name
        )
    users: dict[str, User] = {}
    created: list[str] = []
    for username, role, team, last, first, middle, position in vocabulary.STAFF:
        user = (
            User.objects.select_related("team")
            .filter(username__iexact=username)
            .first()
        )
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                role=role,
                password=password,
                team=teams[team] if team else None,
                first_name=first,
                last_name=last,
                middle_name=middle,
                position=position,
                email=f"{username}@crm.{vocabulary.TOP_LEVEL_DOMAIN}",
            )
            created.append(username)
        users[username] = user
    for team_name, head_name in TEAM_HEADS.items():
        head_team = teams[team_name]
        if head_team.head_id is None and head_name in users:
            team_save(
                actor=None, team=head_team, name=head_team.name, head=users[head_name]
            )
    return Staff(users=users, created=created)


@dataclass
class References:
    legal_forms: dict[str, int]
    industries: list[int]
    categories: list[int]
    sources: list[int]
    channels: list[int]
    positions: list[int]
    tags: list[int]


def _item(actor, kind: str, model, name_ru: str, name_en: str, position: int, **extra):
    wanted = name_ru.casefold()
    for item in model.objects.all():
        if (item.name_ru or "").casefold() == wanted:
            return item.pk
    return reference_item_create(
        actor=actor,
        kind=kind,
        name_ru=name_ru,
        name_en=name_en,
        position=position,
        **extra,
    ).pk


def ensure_references(*, actor: User) -> References:
    """Find or create the reference lists and tags the demo records use."""
    legal_forms: dict[str, int] = {}
    for position, (short, ru, en, _weight) in enumerate(vocabulary.LEGAL_FORMS):
        found = LegalForm.objects.filter(short_name=short).first()
        legal_forms[short] = (
            found.pk
            if found
            else _item(
                actor, "legal-forms", LegalForm, ru, en, position, short_name=short
            )
        )

    def items(kind, model, pairs):
        return [
            _item(actor, kind, model, ru, en, position)
            for position, (ru, en, *_rest) in enumerate(pairs)
        ]

    tags = []
    for name, color in vocabulary.TAGS:
        tag = next(
            (t for t in Tag.objects.all() if t.name.casefold() == name.casefold()), None
        )
        tags.append(
            tag.pk if tag else tag_create(actor=actor, name=name, color=color).pk
        )
    return References(
        legal_forms=legal_forms,
        industries=items("industries", Industry, vocabulary.INDUSTRIES),
        categories=items("categories", CompanyCategory, vocabulary.CATEGORIES),
        sources=items("sources", Source, vocabulary.SOURCES),
        channels=items("sales-channels", SalesChannel, vocabulary.SALES_CHANNELS),
        positions=items("positions", Position, vocabulary.POSITIONS),
        tags=tags,
    )
