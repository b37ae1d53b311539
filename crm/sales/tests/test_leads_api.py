from decimal import Decimal

from crm.customers.models import Company, Contact
from crm.customers.tests.factories import CompanyFactory, valid_inn
from crm.sales.models import Deal, Lead
from crm.sales.tests.factories import LeadFactory, PipelineFactory


def _lead(api, **fields):
    data = {
        "title": "Поставка насосов",
        "company_name": "ООО «Ромашка»",
        "inn": valid_inn(5),
        "last_name": "Иванов",
        "first_name": "Пётр",
        "email": "petr@romashka.ru",
        "phone": "8 916 123 45 67",
        "region": "Тула",
    }
    data.update(fields)
    return api.post("leads", data)


def test_lead_create_read_update_delete(api_client, manager):
    api = api_client(manager)
    created = _lead(api)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner_id"] == manager.pk
    assert body["phone"] == "+79161234567"
    assert body["status"] == "new"
    lead_id = body["id"]

    assert api.get(f"leads/{lead_id}").json()["title"] == "Поставка насосов"
    patched = api.patch(f"leads/{lead_id}", {"region": "Омск", "version": 1})
    assert patched.status_code == 200, patched.content
    assert patched.json()["region"] == "Омск"
    assert (
        api.patch(f"leads/{lead_id}", {"region": "x", "version": 1}).status_code == 409
    )
    rejected = api.patch(
        f"leads/{lead_id}", {"status": "rejected", "rejection_reason": "Дорого"}
    )
    assert rejected.json()["status"] == "rejected"
    no_reason = api.patch(f"leads/{lead_id}", {"status": "in_progress"})
    assert no_reason.json()["status"] == "in_progress"

    assert api.delete(f"leads/{lead_id}").status_code == 204
    assert api.get(f"leads/{lead_id}").status_code == 404


def test_bad_lead_is_422_naming_the_fields(api_client, manager):
    response = _lead(api_client(manager), email="nope", inn="123", phone="1")
    assert response.status_code == 422
    fields = {d["loc"][-1] for d in response.json()["detail"]}
    assert fields == {"email", "inn", "phone"}
    assert not Lead.objects.exists()


def test_a_manager_lists_only_their_own_leads(
    api_client, manager, other_manager, django_assert_max_num_queries
):
    for _ in range(15):
        LeadFactory(owner=manager)
    theirs = LeadFactory(owner=other_manager)
    api = api_client(manager)
    with django_assert_max_num_queries(8):
        listed = api.get("leads", {"page_size": 100}).json()
    assert listed["count"] == 15
    assert theirs.pk not in [item["id"] for item in listed["items"]]
    assert api.get(f"leads/{theirs.pk}").status_code == 404
    assert api.get("leads", {"status": ["new", "in_progress"]}).json()["count"] == 15


def test_convert_creates_company_contact_and_deal(api_client, manager):
    api = api_client(manager)
    lead_id = _lead(api).json()["id"]
    response = api.post(
        f"leads/{lead_id}/convert",
        {"deal_amount": "250000.00", "deal_title": "Насосы ЦН", "version": 1},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == {"company": True, "contact": True, "deal": True}
    assert body["lead"]["status"] == "converted"
    company = Company.objects.get(pk=body["company_id"])
    contact = Contact.objects.get(pk=body["contact_id"])
    deal = Deal.objects.get(pk=body["deal_id"])
    assert company.inn == valid_inn(5)
    assert list(contact.companies.all()) == [company]
    assert deal.amount == Decimal("250000.00")
    assert deal.lead_id == lead_id
    again = api.post(f"leads/{lead_id}/convert", {})
    assert again.status_code == 422


def test_dry_run_reports_similar_records_and_writes_nothing(api_client, manager):
    api = api_client(manager)
    existing = CompanyFactory(curator=manager, name="Ромашка", inn=valid_inn(5))
    lead_id = _lead(api).json()["id"]
    response = api.post(f"leads/{lead_id}/convert", {"dry_run": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["company_id"] is None
    assert body["created"] == {"company": True, "contact": True, "deal": True}
    assert body["lead"]["status"] == "new"
    similar = body["similar"]["companies"]
    assert similar[0]["id"] == existing.pk
    assert "the same INN" in similar[0]["reasons"]
    assert Company.objects.count() == 1
    assert not Contact.objects.exists()
    assert not Deal.objects.exists()

    linked = api.post(
        f"leads/{lead_id}/convert", {"company_id": existing.pk, "create_deal": False}
    ).json()
    assert linked["company_id"] == existing.pk
    assert linked["created"]["company"] is False
    assert Company.objects.count() == 1


def test_convert_errors_name_the_fields(api_client, manager, other_manager):
    api = api_client(manager)
    lead_id = _lead(api).json()["id"]
    hidden = CompanyFactory(curator=other_manager)
    response = api.post(
        f"leads/{lead_id}/convert", {"company_id": hidden.pk, "deal_amount": "-5"}
    )
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert locs == {("body", "company_id"), ("body", "deal_amount")}
    empty = PipelineFactory(stages=False)
    deal_error = api.post(f"leads/{lead_id}/convert", {"pipeline_id": empty.pk})
    assert deal_error.status_code == 422
    assert deal_error.json()["detail"][0]["loc"][:3] == ["body", "deal", "stage"]
    assert not Contact.objects.exists()


def test_openapi_lists_the_lead_paths(api_client, manager):
    paths = api_client(manager).get("openapi.json").json()["paths"]
    assert paths["/api/v1/leads"]["post"]["operationId"] == "lead_create"
    assert paths["/api/v1/leads/{lead_id}"]["patch"]["operationId"] == "lead_update"
    assert paths["/api/v1/leads/{lead_id}/convert"]["post"]["operationId"] == (
        "lead_convert"
    )
