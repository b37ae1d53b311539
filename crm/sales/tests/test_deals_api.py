"""The API of pipelines, deals, their lines and participants, stage moves and
discount approvals: status, body, resulting state and the OpenAPI schema."""

from decimal import Decimal as D

import pytest

from crm.customers.tests.factories import CompanyFactory, ContactFactory
from crm.sales.models import ApprovalRequest, Deal, DealLine, LostReason, StageKind
from crm.sales.tests.factories import DealFactory, PriceListFactory, default_pipeline
from crm.sales.tests.factories_deals import (
    make_deal,
    open_stages,
    priced_product,
    stage,
)


def _fields(response) -> set:
    return {".".join(e["loc"][1:]) for e in response.json()["detail"]}


def test_without_a_token_the_api_answers_401(db, client):
    assert client.get("/api/v1/deals").status_code == 401
    assert client.get("/api/v1/pipelines").status_code == 401


def test_everyone_reads_pipelines_with_their_stages(api_client, manager):
    response = api_client(manager).get("pipelines")
    assert response.status_code == 200
    body = response.json()
    pipeline = default_pipeline()
    assert body["count"] == 1
    assert body["items"][0]["id"] == pipeline.pk
    assert [s["kind"] for s in body["items"][0]["stages"]][-2:] == ["won", "lost"]
    reasons = api_client(manager).get("lost-reasons").json()
    assert reasons["count"] == LostReason.objects.filter(is_active=True).count()


def test_administrators_write_pipelines(api_client, admin_user, manager):
    api = api_client(admin_user)
    created = api.post(
        "pipelines",
        {
            "name": "Тендеры",
            "stages": [
                {"name": "Заявка", "probability": 20, "kind": "open"},
                {"name": "Победа", "probability": 100, "kind": "won"},
                {"name": "Проигрыш", "probability": 0, "kind": "lost"},
            ],
        },
    )
    assert created.status_code == 201, created.content
    pipeline_id = created.json()["id"]
    assert [s["name"] for s in created.json()["stages"]] == [
        "Заявка",
        "Победа",
        "Проигрыш",
    ]
    stage_added = api.post(
        f"pipelines/{pipeline_id}/stages", {"name": "Торги", "probability": 50}
    )
    assert stage_added.status_code == 201
    assert stage_added.json()["position"] == 1
    renamed = api.patch(f"pipelines/{pipeline_id}", {"name": "Госзакупки"})
    assert renamed.json()["name"] == "Госзакупки"
    bad = api.patch(
        f"pipelines/{pipeline_id}/stages/{stage_added.json()['id']}",
        {"probability": 150},
    )
    assert bad.status_code == 422
    assert _fields(bad) == {"probability"}
    assert api_client(manager).post("pipelines", {"name": "Моя"}).status_code == 403
    assert api.delete(f"pipelines/{pipeline_id}").status_code == 204


def test_deal_create_read_update_delete(api_client, manager):
    # given
    api = api_client(manager)
    company = CompanyFactory(curator=manager)
    product = priced_product("1220.00")
    # when
    created = api.post(
        "deals",
        {
            "title": "Станки",
            "company_id": company.pk,
            "expected_close_date": "2030-03-31",
            "lines": [
                {"product_id": product.pk, "quantity": "3"},
                {"name": "Монтаж", "quantity": 1, "price": "1000", "vat_rate_id": None},
            ],
        },
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner_id"] == manager.pk
    assert body["pipeline_id"] == default_pipeline().pk
    assert body["stage_id"] == open_stages()[0].pk
    assert body["currency"] == "RUB"
    assert body["amount"] == "4660.00"
    assert [line["total_amount"] for line in body["lines"]] == ["3660.00", "1000.00"]
    assert body["lines"][0]["vat_amount"] == "660.00"
    assert body["stage_history"][0]["from_stage_id"] is None
    assert body["documents_allowed"] is True
    assert body["version"] == 1
    deal_id = body["id"]
    read = api.get(f"deals/{deal_id}")
    assert read.json()["expected_close_date"] == "2030-03-31"
    patched = api.patch(f"deals/{deal_id}", {"title": "Станки ЧПУ", "version": 1})
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "Станки ЧПУ"
    assert patched.json()["version"] == 2
    stale = api.patch(f"deals/{deal_id}", {"title": "Старое", "version": 1})
    assert stale.status_code == 409
    assert Deal.objects.get(pk=deal_id).title == "Станки ЧПУ"
    assert api.delete(f"deals/{deal_id}").status_code == 204
    assert api.get(f"deals/{deal_id}").status_code == 404


def test_bad_lines_are_422_naming_each_line_field_and_nothing_is_saved(
    api_client, manager
):
    api = api_client(manager)
    product = priced_product()
    response = api.post(
        "deals",
        {
            "title": "Ошибки",
            "company_id": CompanyFactory(curator=manager).pk,
            "lines": [
                {"product_id": product.pk, "quantity": 1},
                {"product_id": product.pk, "quantity": -1},
                {"product_id": product.pk, "quantity": 0},
                {"product_id": product.pk, "quantity": 1, "discount_percent": 150},
            ],
        },
    )
    assert response.status_code == 422
    assert _fields(response) == {
        "lines.1.quantity",
        "lines.2.quantity",
        "lines.3.discount_percent",
    }
    assert not Deal.all_objects.exists()


def test_a_company_you_cannot_see_is_404(api_client, manager, other_manager):
    response = api_client(manager).post(
        "deals",
        {"title": "Чужой", "company_id": CompanyFactory(curator=other_manager).pk},
    )
    assert response.status_code == 404


def test_lines_endpoints(api_client, manager):
    # given
    api = api_client(manager)
    deal = make_deal(manager)
    product = priced_product("1000.00", rate=D("10"))
    # when
    added = api.post(
        f"deals/{deal.pk}/lines", {"product_id": product.pk, "quantity": 2}
    )
    # then
    assert added.status_code == 201, added.content
    line = added.json()
    assert (line["price"], line["vat_rate"], line["total_amount"]) == (
        "1000.00",
        "10.00",
        "2000.00",
    )
    changed = api.patch(
        f"deals/{deal.pk}/lines/{line['id']}", {"discount_percent": "5"}
    )
    assert changed.json()["total_amount"] == "1900.00"
    listed = api.get(f"deals/{deal.pk}/lines").json()
    assert listed["count"] == 1
    assert api.get(f"deals/{deal.pk}").json()["amount"] == "1900.00"
    negative = api.patch(f"deals/{deal.pk}/lines/{line['id']}", {"quantity": "-3"})
    assert negative.status_code == 422
    assert _fields(negative) == {"quantity"}
    dollars = PriceListFactory(currency="USD")
    foreign = api.post(
        f"deals/{deal.pk}/lines",
        {"product_id": product.pk, "quantity": 1, "price_list_id": dollars.pk},
    )
    assert foreign.status_code == 422
    assert _fields(foreign) == {"price_list"}
    assert "USD" in foreign.json()["detail"][0]["msg"]
    assert api.delete(f"deals/{deal.pk}/lines/{line['id']}").status_code == 204
    assert not DealLine.objects.exists()


def test_participants_endpoints(api_client, manager, other_manager):
    api = api_client(manager)
    deal = make_deal(manager)
    contact = ContactFactory(curator=manager)
    client_side = api.post(
        f"deals/{deal.pk}/participants",
        {"side": "client", "contact_id": contact.pk, "role": "ЛПР"},
    )
    assert client_side.status_code == 201, client_side.content
    assert client_side.json()["name"] == contact.full_name
    ours = api.post(
        f"deals/{deal.pk}/participants", {"side": "ours", "user_id": other_manager.pk}
    )
    assert ours.status_code == 201
    missing = api.post(f"deals/{deal.pk}/participants", {"side": "partner"})
    assert missing.status_code == 422
    assert _fields(missing) == {"contact", "company"}
    assert api.get(f"deals/{deal.pk}/participants").json()["count"] == 2
    removed = api.delete(f"deals/{deal.pk}/participants/{ours.json()['id']}")
    assert removed.status_code == 204


def test_moves_through_the_api(api_client, manager, make_user, team):
    api = api_client(manager)
    deal = make_deal(manager)
    moved = api.post(f"deals/{deal.pk}/move", {"stage_id": open_stages()[1].pk})
    assert moved.status_code == 200, moved.content
    assert len(moved.json()["stage_history"]) == 2
    lost = api.post(f"deals/{deal.pk}/move", {"stage_id": stage(StageKind.LOST).pk})
    assert lost.status_code == 422
    assert _fields(lost) == {"lost_reason"}
    lost = api.post(
        f"deals/{deal.pk}/move",
        {
            "stage_id": stage(StageKind.LOST).pk,
            "lost_reason_id": LostReason.objects.first().pk,
            "lost_comment": "Дорого",
        },
    )
    assert lost.json()["status"] == "lost"
    back = api.post(f"deals/{deal.pk}/move", {"stage_id": open_stages()[0].pk})
    assert back.status_code == 403
    assert "head of department" in back.json()["detail"]
    head = make_user(role="head", team=team)
    again = api_client(head).post(
        f"deals/{deal.pk}/move", {"stage_id": open_stages()[0].pk}
    )
    assert again.status_code == 200
    assert again.json()["status"] == "open"
    stale = api.post(
        f"deals/{deal.pk}/move", {"stage_id": open_stages()[2].pk, "version": 1}
    )
    assert stale.status_code == 409


def test_approvals_through_the_api(api_client, manager, make_user, team):
    # given
    head = make_user(role="head", team=team)
    team.head = head
    team.save()
    deal = make_deal(manager)
    api_client(manager).post(
        f"deals/{deal.pk}/lines",
        {"product_id": priced_product().pk, "quantity": 1, "discount_percent": "30"},
    )
    # when
    waiting = api_client(head).get("approvals", {"awaiting_me": "true"}).json()
    # then
    assert waiting["count"] == 1
    approval_id = waiting["items"][0]["id"]
    assert waiting["items"][0]["discount_percent"] == "30.00"
    assert api_client(manager).get(f"deals/{deal.pk}").json()["documents_allowed"] is (
        False
    )
    refused = api_client(manager).post(f"approvals/{approval_id}/approve", {})
    assert refused.status_code == 403
    no_comment = api_client(head).post(f"approvals/{approval_id}/reject", {})
    assert no_comment.status_code == 422
    assert _fields(no_comment) == {"comment"}
    approved = api_client(head).post(
        f"approvals/{approval_id}/approve", {"comment": "Хорошо"}
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert ApprovalRequest.objects.get().decision_comment == "Хорошо"
    assert api_client(manager).get(f"deals/{deal.pk}").json()["documents_allowed"]


def test_a_sales_manager_sees_and_moves_only_their_own_deals(
    api_client, manager, other_manager
):
    api = api_client(manager)
    mine = make_deal(manager, title="Моя")
    theirs = make_deal(other_manager, title="Чужая")
    titles = [d["title"] for d in api.get("deals").json()["items"]]
    assert titles == ["Моя"]
    assert api.get(f"deals/{theirs.pk}").status_code == 404
    assert api.patch(f"deals/{theirs.pk}", {"title": "x"}).status_code == 404
    assert (
        api.post(f"deals/{theirs.pk}/move", {"stage_id": open_stages()[1].pk})
    ).status_code == 404
    assert api.get(f"deals/{theirs.pk}/lines").status_code == 404
    assert mine.pk != theirs.pk


def test_the_deal_list_filters_orders_and_pages(api_client, manager):
    api = api_client(manager)
    make_deal(manager, title="А", amount="100")
    make_deal(manager, title="Б", amount="300")
    make_deal(manager, title="В", amount="200")
    body = api.get(
        "deals", {"amount_min": "150", "ordering": "-amount", "page_size": 1}
    ).json()
    assert body["count"] == 2
    assert [d["title"] for d in body["items"]] == ["Б"]
    assert api.get("deals", {"q": "В"}).json()["count"] == 1
    bad = api.get("deals", {"ordering": "owner"})
    assert bad.status_code == 422
    assert _fields(bad) == {"ordering"}


def test_the_deal_list_costs_the_same_queries_for_few_and_many(
    api_client, manager, django_assert_max_num_queries
):
    api = api_client(manager)
    DealFactory.create_batch(2, owner=manager)
    api.get("deals")
    with django_assert_max_num_queries(6):
        few = api.get("deals")
    DealFactory.create_batch(40, owner=manager)
    with django_assert_max_num_queries(6):
        many = api.get("deals")
    assert (few.json()["count"], many.json()["count"]) == (2, 42)


@pytest.mark.parametrize(
    ("path", "method", "operation_id"),
    [
        ("/api/v1/pipelines", "get", "pipeline_list"),
        ("/api/v1/pipelines", "post", "pipeline_create"),
        ("/api/v1/pipelines/{pipeline_id}/stages", "post", "stage_create"),
        ("/api/v1/lost-reasons", "get", "lost_reason_list"),
        ("/api/v1/deals", "get", "deal_list"),
        ("/api/v1/deals", "post", "deal_create"),
        ("/api/v1/deals/{deal_id}", "get", "deal_get"),
        ("/api/v1/deals/{deal_id}", "patch", "deal_update"),
        ("/api/v1/deals/{deal_id}", "delete", "deal_delete"),
        ("/api/v1/deals/{deal_id}/lines", "get", "deal_line_list"),
        ("/api/v1/deals/{deal_id}/lines", "post", "deal_line_add"),
        ("/api/v1/deals/{deal_id}/lines/{line_id}", "patch", "deal_line_update"),
        ("/api/v1/deals/{deal_id}/lines/{line_id}", "delete", "deal_line_remove"),
        ("/api/v1/deals/{deal_id}/participants", "post", "deal_participant_add"),
        ("/api/v1/deals/{deal_id}/move", "post", "deal_move_stage"),
        ("/api/v1/approvals", "get", "approval_list"),
        ("/api/v1/approvals/{approval_id}/approve", "post", "approval_approve"),
        ("/api/v1/approvals/{approval_id}/reject", "post", "approval_reject"),
    ],
)
def test_openapi_lists_the_paths_of_deals(client, db, path, method, operation_id):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["paths"][path][method]["operationId"] == operation_id
