"""Numbers of documents: per kind and year, consecutive under concurrency, not
consumed by a failed issue."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest
from django.db import connection, connections
from django.db.utils import load_backend

from crm.core.errors import DomainError
from crm.sales.models import Invoice, NumberSequence, Proposal
from crm.sales.services.documents import invoice_issue, proposal_issue
from crm.sales.services.documents import issue as issue_module
from crm.sales.tests.factories_documents import OwnCompanyFactory, deal_with_lines


def _database_for_threads(tmp_path):
    """Settings of a database that several threads can write to at once.

    PostgreSQL (or an SQLite file) serves each thread's own connection directly.
    SQLite's shared in-memory test database fails a second writer at once instead
    of making it wait, so the threads get a file copy of it, opened with the
    project's real settings (WAL, IMMEDIATE transactions, a busy timeout).
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    path = tmp_path / "documents.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return {**connection.settings_dict, "NAME": str(path)}


def _in_thread(settings_dict, work):
    """Run `work()` in a new thread on its own connection; return what it returned
    or raise what it raised."""
    outcome = {}

    def run():
        if settings_dict is not None:
            backend = load_backend(settings_dict["ENGINE"])
            connections["default"] = backend.DatabaseWrapper(settings_dict, "default")
        try:
            outcome["value"] = work()
        except Exception as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error
        finally:
            connections["default"].close()

    thread = threading.Thread(target=run)
    return thread, outcome


def test_documents_issued_at_once_get_consecutive_distinct_numbers(
    transactional_db, manager, tmp_path
):
    # given: one deal, six people issuing invoices for it at the same moment
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    database = _database_for_threads(tmp_path)
    start = threading.Barrier(6)

    def issue():
        start.wait()
        return invoice_issue(actor=manager, deal=deal).number

    runs = [_in_thread(database, issue) for _ in range(6)]
    # when
    for thread, _outcome in runs:
        thread.start()
    for thread, _outcome in runs:
        thread.join(timeout=60)
    # then: no failure, no repeat, no gap
    errors = [outcome["error"] for _thread, outcome in runs if "error" in outcome]
    assert errors == []
    numbers = sorted(outcome["value"] for _thread, outcome in runs)
    assert numbers == [1, 2, 3, 4, 5, 6]

    def stored():
        year = dt.date.today().year
        return (
            sorted(Invoice.objects.values_list("number", flat=True)),
            NumberSequence.objects.get(kind="invoice", year=year).last_number,
        )

    thread, outcome = _in_thread(database, stored)
    thread.start()
    thread.join()
    assert outcome["value"] == ([1, 2, 3, 4, 5, 6], 6)


def test_a_failed_issue_does_not_consume_a_number(manager, monkeypatch):
    # given: writing the timeline note fails after the number was taken
    OwnCompanyFactory()
    deal = deal_with_lines(manager)

    def broken_timeline(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(issue_module, "timeline_entry", broken_timeline)
    with pytest.raises(RuntimeError):
        invoice_issue(actor=manager, deal=deal)
    assert not Invoice.objects.exists()
    # when: the next issue succeeds
    monkeypatch.undo()
    invoice = invoice_issue(actor=manager, deal=deal)
    # then: it takes the number the failed one did not keep
    assert invoice.number == 1


def test_a_refused_issue_does_not_consume_a_number(manager):
    OwnCompanyFactory()
    empty = deal_with_lines(manager)
    empty.lines.all().delete()
    deal = deal_with_lines(manager, company_name="ООО «Бета»")

    with pytest.raises(DomainError, match="no lines"):
        invoice_issue(actor=manager, deal=empty)

    assert invoice_issue(actor=manager, deal=deal).number == 1


def test_numbers_are_per_year_and_a_new_year_starts_at_one(manager):
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    december = dt.date(2025, 12, 31)

    first = invoice_issue(actor=manager, deal=deal, date=december)
    second = invoice_issue(actor=manager, deal=deal, date=december)
    new_year = invoice_issue(actor=manager, deal=deal, date=dt.date(2026, 1, 1))

    assert (first.number, first.year) == (1, 2025)
    assert (second.number, second.year) == (2, 2025)
    assert (new_year.number, new_year.year) == (1, 2026)


def test_each_kind_of_document_has_its_own_numbers(manager):
    OwnCompanyFactory()
    deal = deal_with_lines(manager)

    invoice_issue(actor=manager, deal=deal)
    invoice_issue(actor=manager, deal=deal)
    proposal = proposal_issue(actor=manager, deal=deal)

    assert proposal.number == 1
    assert Proposal.objects.count() == 1


def test_a_sequence_starts_after_numbers_already_used(manager):
    # given: invoices of 2024 came from the old system, without a sequence row
    OwnCompanyFactory()
    deal = deal_with_lines(manager)
    old = invoice_issue(actor=manager, deal=deal, date=dt.date(2024, 3, 1))
    Invoice.objects.filter(pk=old.pk).update(number=41)
    NumberSequence.objects.filter(kind="invoice", year=2024).delete()
    # when
    invoice = invoice_issue(actor=manager, deal=deal, date=dt.date(2024, 5, 1))
    # then
    assert invoice.number == 42
