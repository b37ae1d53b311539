"""The secret address of a user's calendar feed: give it, reset it."""

from __future__ import annotations

import secrets

from django.db import transaction

from crm.activities.models import CalendarFeed


def _new_token() -> str:
    # 32 random bytes: guessing an address is hopeless, and the URL stays short.
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_get_or_create(*, actor) -> CalendarFeed:
    """The actor's own feed address, made on first use.

    Only for oneself: the address opens the owner's tasks and meetings without a
    password, so nobody else (an administrator included) is given it.
    """
    feed = CalendarFeed.objects.filter(user=actor).first()
    if feed is None:
        feed = CalendarFeed.objects.create(user=actor, token=_new_token())
    return feed


@transaction.atomic
def calendar_feed_reset(*, actor) -> CalendarFeed:
    """Give the actor a new address; calendars subscribed to the old one get 404."""
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None:
        return CalendarFeed.objects.create(user=actor, token=_new_token())
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed
