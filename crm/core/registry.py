"""Extension points through which higher apps plug into pages that lower apps own.

Apps are layered (core ← accounts ← customers ← activities ← sales…): a lower app
never imports a higher one. So the customer card, the navigation bar and the global
search ask these registries instead, and each app registers what it adds in its
`AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str
    order: int = 100
    # Less used sections go under "More", so the bar fits a laptop screen.
    more: bool = False


@dataclass(frozen=True)
class CardPanel:
    """A block on a record's card: `context(request, obj)` returns the template's
    context, or None to leave the block out for this user."""

    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100
    column: str = "main"  # "main" or "side"


@dataclass(frozen=True)
class SearchProvider:
    """`search(actor, query, limit)` returns a list of `SearchHit`s the actor may see."""

    key: str
    label: Any
    search: Callable[[Any, str, int], list]
    order: int = 100


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    subtitle: str = ""
    icon: str = "circle"


@dataclass(frozen=True)
class SettingsCard:
    """A card on the administrator's settings page, linking to an app's settings."""

    key: str
    title: Any
    text: Any
    icon: str
    url_name: str
    order: int = 100


_nav: list[NavItem] = []
_settings: list[SettingsCard] = []
_panels: dict[str, list[CardPanel]] = {}
_search: list[SearchProvider] = []


def register_nav(item: NavItem) -> None:
    if all(i.key != item.key for i in _nav):
        _nav.append(item)
        _nav.sort(key=lambda i: i.order)


def nav_items(request) -> list[dict]:
    path = request.path
    items = []
    for item in _nav:
        url = reverse(item.url_name)
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": path.startswith(url) and url != "/",
                "more": item.more,
            }
        )
    return items


def register_panel(entity: str, panel: CardPanel) -> None:
    panels = _panels.setdefault(entity, [])
    if all(p.key != panel.key for p in panels):
        panels.append(panel)
        panels.sort(key=lambda p: p.order)


def render_panels(entity: str, request, obj) -> dict[str, list[str]]:
    """The rendered HTML of every panel of a card, by column."""
    columns: dict[str, list[str]] = {"main": [], "side": []}
    for panel in _panels.get(entity, []):
        context = panel.context(request, obj)
        if context is None:
            continue
        context.setdefault("object", obj)
        columns.setdefault(panel.column, []).append(
            render_to_string(panel.template, context, request=request)
        )
    return columns


def register_search(provider: SearchProvider) -> None:
    if all(p.key != provider.key for p in _search):
        _search.append(provider)
        _search.sort(key=lambda p: p.order)


def search_all(actor, query: str, limit: int = 8) -> list[tuple[SearchProvider, list]]:
    """Each provider's hits for the query, leaving out providers with none."""
    results = []
    for provider in _search:
        hits = provider.search(actor, query, limit)
        if hits:
            results.append((provider, hits))
    return results


def register_settings(card: SettingsCard) -> None:
    if all(c.key != card.key for c in _settings):
        _settings.append(card)
        _settings.sort(key=lambda c: c.order)


def settings_cards() -> list[SettingsCard]:
    return list(_settings)
