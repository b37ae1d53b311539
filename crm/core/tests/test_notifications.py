import datetime as dt

from django.utils import timezone

from crm.core.models import Notification
from crm.core.services import notification_send


def _notify(user, title, url="", minutes_ago=0):
    notification = notification_send(user=user, title=title, url=url, email=False)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return notification


def test_notifications_are_listed_newest_first(client, manager, other_manager):
    _notify(manager, "Старое", minutes_ago=60)
    _notify(manager, "Новое", minutes_ago=1)
    _notify(other_manager, "Чужое")
    client.force_login(manager)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert [n.title for n in response.context["page_obj"]] == ["Новое", "Старое"]
    assert "Чужое" not in response.content.decode()


def test_notifications_are_paginated_with_a_fixed_number_of_queries(
    client, manager, django_assert_max_num_queries
):
    for n in range(30):
        _notify(manager, f"Напоминание {n}", url=f"/tasks/{n}/", minutes_ago=n)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        first = client.get("/notifications/")
    assert len(first.context["page_obj"]) == 25
    second = client.get("/notifications/", {"page": 2})
    assert [n.title for n in second.context["page_obj"]] == [
        f"Напоминание {n}" for n in range(25, 30)
    ]
    assert 'href="?page=2"' in first.content.decode()


def test_only_unread_can_be_shown(client, manager):
    read = _notify(manager, "Прочитано")
    _notify(manager, "Не прочитано")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(manager)
    response = client.get("/notifications/", {"unread": "1"})
    assert [n.title for n in response.context["page_obj"]] == ["Не прочитано"]


def test_marking_one_notification_read(client, manager):
    one = _notify(manager, "Один")
    two = _notify(manager, "Два")
    client.force_login(manager)
    response = client.post(f"/notifications/{one.pk}/read/")
    assert response.status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None
    assert two.read_at is None


def test_marking_all_read_touches_only_the_users_own(client, manager, other_manager):
    mine = [_notify(manager, f"Моё {n}") for n in range(3)]
    theirs = _notify(other_manager, "Чужое")
    client.force_login(manager)
    client.post("/notifications/read/")
    assert not Notification.objects.filter(
        pk__in=[n.pk for n in mine], read_at__isnull=True
    ).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # the bell in the navigation has nothing left to count
    page = client.get("/notifications/")
    assert b'id="notification-count"' not in page.content


def test_opening_a_notification_marks_it_read_and_goes_to_the_record(client, manager):
    notification = _notify(manager, "Задача просрочена", url="/tasks/7/")
    client.force_login(manager)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/tasks/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_never_leads_off_site(client, manager):
    notification = _notify(manager, "Ссылка", url="https://evil.example/")
    client.force_login(manager)
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_someone_elses_notification_is_404(client, manager, other_manager):
    theirs = _notify(other_manager, "Чужое")
    client.force_login(manager)
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_need_a_signed_in_user(client, db):
    assert client.get("/notifications/").status_code == 302
