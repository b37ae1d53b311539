"""The HTTP exchange protocol of 1C at /api/v1/exchange/1c, as 1C calls it."""

import base64

import pytest
from django.test import Client

from crm.exchange.models import ExchangeRun, RunStatus
from crm.exchange.services.access import exchange_user_set
from crm.exchange.services.sessions import COOKIE
from crm.exchange.tests.conftest import SAMPLES
from crm.exchange.tests.factories import commerceml, document
from crm.sales.models import Order, OrderStatus, Price, Product
from crm.sales.tests.factories import default_pipeline
from crm.sales.tests.factories_documents import OwnCompanyFactory

URL = "/api/v1/exchange/1c"
PASSWORD = "Correct-Horse-42"


def _basic(username: str, password: str = PASSWORD) -> str:
    raw = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _lines(response) -> list[str]:
    return response.content.decode("cp1251").splitlines()


def _sign_in(client: Client, user, kind: str = "catalog") -> list[str]:
    response = client.get(
        URL,
        {"type": kind, "mode": "checkauth"},
        HTTP_AUTHORIZATION=_basic(user.username),
    )
    answer = _lines(response)
    if answer[0] == "success":
        client.cookies[answer[1]] = answer[2]
    return answer


def _post_file(client: Client, name: str, body: bytes, kind: str = "catalog"):
    return client.generic(
        "POST",
        f"{URL}?type={kind}&mode=file&filename={name}",
        data=body,
        content_type="application/octet-stream",
    )


@pytest.fixture
def client(data_dir):
    return Client()


def test_checkauth_answers_success_the_cookie_name_and_value(client, admin_user):
    answer = _sign_in(client, admin_user)

    assert answer[0] == "success"
    assert answer[1] == COOKIE
    assert len(answer[2]) == 40
    assert answer[3] == f"sessid={answer[2]}"


def test_a_session_given_in_the_address_is_accepted(client, admin_user):
    token = _sign_in(client, admin_user)[2]
    client.cookies.clear()

    response = client.get(URL, {"type": "catalog", "mode": "init", "sessid": token})

    assert _lines(response)[0] == "zip=yes"


def test_checkauth_with_a_wrong_password_answers_failure(client, admin_user):
    response = client.get(
        URL,
        {"type": "catalog", "mode": "checkauth"},
        HTTP_AUTHORIZATION=_basic("admin", "wrong"),
    )

    assert _lines(response)[0] == "failure"
    assert response["Content-Type"] == "text/plain; charset=windows-1251"


def test_a_user_without_the_right_answers_failure(client, make_user):
    manager = make_user(role="sales", username="ivan")

    answer = _sign_in(client, manager)

    assert answer[0] == "failure"
    assert "administrators" in answer[1]


def test_the_dedicated_exchange_user_may_exchange(client, admin_user, make_user):
    robot = make_user(role="readonly", username="onec")
    exchange_user_set(actor=admin_user, user=robot)

    assert _sign_in(client, robot)[0] == "success"


def test_calls_without_the_session_cookie_answer_failure(client):
    response = client.get(URL, {"type": "catalog", "mode": "init"})

    assert _lines(response)[0] == "failure"


def test_init_announces_zip_and_the_file_limit(client, admin_user):
    _sign_in(client, admin_user)

    response = client.get(URL, {"type": "catalog", "mode": "init"})

    answer = _lines(response)
    assert answer[:2] == ["zip=yes", "file_limit=104857600"]
    assert answer[3] == "version=2.08"


def test_a_full_catalogue_session_with_a_file_in_two_parts(client, admin_user):
    catalogue = (SAMPLES / "import.xml").read_bytes()
    offers = (SAMPLES / "offers.xml").read_bytes()
    _sign_in(client, admin_user)
    client.get(URL, {"type": "catalog", "mode": "init"})

    first = _post_file(client, "import.xml", catalogue[:50_000])
    second = _post_file(client, "import.xml", catalogue[50_000:])
    imported = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "import.xml"}
    )
    _post_file(client, "offers.xml", offers)
    priced = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "offers.xml"}
    )

    assert _lines(first) == ["success"]
    assert _lines(second) == ["success"]
    assert _lines(imported) == ["success"]
    assert _lines(priced) == ["success"]
    assert Product.objects.count() == 55
    assert Price.objects.count() == 47
    run = ExchangeRun.objects.get(filename="import.xml")
    assert run.size == len(catalogue)
    assert run.session.user == admin_user


def test_a_repeated_import_call_answers_success_without_importing_again(
    client, admin_user
):
    _sign_in(client, admin_user)
    _post_file(client, "import.xml", (SAMPLES / "import.xml").read_bytes())
    client.get(URL, {"type": "catalog", "mode": "import", "filename": "import.xml"})

    again = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "import.xml"}
    )

    assert _lines(again) == ["success"]
    assert Product.objects.count() == 40


def test_a_broken_file_answers_failure_with_the_reason(client, admin_user):
    _sign_in(client, admin_user)
    _post_file(client, "import.xml", b"<?xml version='1.0'?><broken")

    response = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "import.xml"}
    )

    answer = _lines(response)
    assert answer[0] == "failure"
    assert "XML" in answer[1]
    assert ExchangeRun.objects.get().status == RunStatus.FAILED


def test_import_of_a_file_never_sent_answers_failure(client, admin_user):
    _sign_in(client, admin_user)

    response = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "offers.xml"}
    )

    assert _lines(response)[0] == "failure"


def test_file_names_cannot_climb_out_of_the_session_directory(
    client, admin_user, data_dir
):
    _sign_in(client, admin_user)

    _post_file(client, "../../evil.xml", b"x")

    assert not (data_dir / "evil.xml").exists()
    assert ExchangeRun.objects.get().filename == "evil.xml"


def test_a_full_sale_session_query_success_and_the_next_query(client, admin_user):
    from crm.sales.services.documents import order_issue
    from crm.sales.tests.factories_deals import make_deal, priced_product

    default_pipeline()
    OwnCompanyFactory()
    deal = make_deal(admin_user)
    from crm.sales.services.deals import deal_line_add

    deal_line_add(actor=admin_user, deal=deal, product=priced_product().pk, quantity=2)
    order = order_issue(actor=admin_user, deal=deal)
    _sign_in(client, admin_user, "sale")
    client.get(URL, {"type": "sale", "mode": "init"})

    query = client.get(URL, {"type": "sale", "mode": "query"})
    body = b"".join(query.streaming_content).decode()
    success = client.get(URL, {"type": "sale", "mode": "success"})
    next_query = client.get(URL, {"type": "sale", "mode": "query"})
    next_body = b"".join(next_query.streaming_content).decode()

    assert query["Content-Type"] == "application/xml; charset=utf-8"
    assert f"<Ид>crm-order-{order.pk}</Ид>" in body
    assert "<ХозОперация>Заказ товара</ХозОперация>" in body
    assert _lines(success) == ["success"]
    assert "<Документ>" not in next_body


def test_orders_from_1c_are_imported_when_their_file_arrives(client, admin_user):
    default_pipeline()
    OwnCompanyFactory()
    _sign_in(client, admin_user, "sale")

    response = _post_file(client, "orders.xml", commerceml(document()), kind="sale")

    assert _lines(response) == ["success"]
    assert Order.objects.get().status == OrderStatus.NEW


def test_the_protocol_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert "/api/v1/exchange/1c" in schema["paths"]


def test_received_files_of_old_sessions_are_forgotten_but_the_log_stays(
    client, admin_user, data_dir
):
    import datetime as dt

    from django.utils import timezone

    from crm.exchange.models import ExchangeSession
    from crm.exchange.services.files import session_files_forget

    _sign_in(client, admin_user)
    _post_file(client, "import.xml", b"<x/>")
    session = ExchangeSession.objects.get()
    ExchangeSession.objects.update(started_at=timezone.now() - dt.timedelta(days=8))

    removed = session_files_forget()

    assert removed == 1
    assert not (data_dir / "exchange" / session.token).exists()
    assert ExchangeRun.objects.count() == 1


def test_a_part_larger_than_django_keeps_in_memory_is_received(
    client, admin_user, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    catalogue = (SAMPLES / "import.xml").read_bytes()
    _sign_in(client, admin_user)

    response = _post_file(client, "import.xml", catalogue)
    imported = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "import.xml"}
    )

    assert _lines(response) == ["success"]
    assert _lines(imported) == ["success"]
    assert Product.objects.count() == 40
