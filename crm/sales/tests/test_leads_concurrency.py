"""Round robin under concurrency: leads created at the same moment by several
connections still go to the team members in turn, none twice in a row."""

import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection, connections

from crm.accounts.models import Team
from crm.sales.models import AssignmentRule, Lead
from crm.sales.services.leads import lead_create
from crm.sales.tests.factories_leads import AssignmentRuleFactory


@pytest.mark.django_db(transaction=True)
def test_round_robin_gives_simultaneous_leads_to_everyone_in_turn(make_user):
    # given
    team = Team.objects.create(name="Входящие")
    members = [make_user(team=team) for _ in range(3)]
    rule = AssignmentRuleFactory(team=team)
    start = threading.Barrier(6)
    failures = []

    def create(n: int) -> None:
        try:
            start.wait(timeout=10)
            for _attempt in range(500):
                try:
                    lead_create(actor=None, title=f"Заявка {n}", notify=False)
                    return
                except OperationalError as error:
                    # The in-memory SQLite of the tests refuses a second writer at
                    # once ("table is locked") instead of waiting: try again, as a
                    # web request would be. PostgreSQL waits on the row lock.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.01)
            failures.append("never got the lock")
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    assert failures == []
    owners = Counter(Lead.objects.values_list("owner_id", flat=True))
    assert owners == Counter({m.pk: 2 for m in members})
    assert AssignmentRule.objects.get(pk=rule.pk).last_assigned_id is not None
    assert connection.vendor in ("sqlite", "postgresql")
