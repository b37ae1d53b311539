import pytest

from crm.accounts.models import Team


@pytest.fixture
def staff(make_user, team):
    other_team = Team.objects.create(name="Маркетинг")
    return {
        "anna": make_user(
            role="head", team=team, first_name="Анна", last_name="Белова"
        ),
        "boris": make_user(
            role="marketer", team=other_team, first_name="Борис", last_name="Волков"
        ),
        "gone": make_user(
            role="sales", team=team, last_name="Ушедший", is_active=False
        ),
        "other_team": other_team,
    }


def test_users_list_answers_items_and_count(api_client, manager, staff):
    response = api_client(manager).get("/users")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert len(body["items"]) == 4
    anna = next(u for u in body["items"] if u["username"] == staff["anna"].username)
    assert anna == {
        "id": staff["anna"].pk,
        "username": staff["anna"].username,
        "first_name": "Анна",
        "last_name": "Белова",
        "middle_name": "",
        "full_name": "Анна Белова",
        "email": staff["anna"].email,
        "phone": "",
        "position": "",
        "role": "head",
        "team_id": staff["anna"].team_id,
        "team_name": "Отдел продаж",
        "is_active": True,
    }
    assert "password" not in anna


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "marketer"}, ["boris"]),
        ({"is_active": "false"}, ["gone"]),
        ({"q": "Волк"}, ["boris"]),
        ({"q": "head"}, ["anna"]),
    ],
)
def test_users_list_filters(api_client, manager, staff, params, expected):
    response = api_client(manager).get("/users", params)
    assert response.status_code == 200
    names = sorted(u["username"] for u in response.json()["items"])
    assert names == sorted(staff[key].username for key in expected)


def test_users_list_filters_by_team(api_client, manager, staff):
    response = api_client(manager).get("/users", {"team": staff["other_team"].pk})
    assert [u["username"] for u in response.json()["items"]] == [
        staff["boris"].username
    ]


def test_users_list_pages_and_orders(api_client, manager, staff):
    client = api_client(manager)
    first = client.get("/users", {"ordering": "username", "page_size": 2}).json()
    second = client.get(
        "/users", {"ordering": "username", "page_size": 2, "page": 2}
    ).json()
    assert first["count"] == second["count"] == 4
    names = [u["username"] for u in first["items"] + second["items"]]
    assert names == sorted(names)
    assert len(set(names)) == 4


def test_an_unknown_ordering_is_a_422_naming_the_field(api_client, manager):
    response = api_client(manager).get("/users", {"ordering": "password"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "ordering"


def test_users_list_does_a_fixed_number_of_queries(
    api_client, manager, make_user, team, django_assert_max_num_queries
):
    for _ in range(30):
        make_user(team=team)
    client = api_client(manager)
    with django_assert_max_num_queries(5):
        response = client.get("/users", {"page_size": 100})
    assert response.json()["count"] == 31


def test_one_user(api_client, manager, staff):
    response = api_client(manager).get(f"/users/{staff['boris'].pk}")
    assert response.status_code == 200
    assert response.json()["team_name"] == "Маркетинг"


def test_a_missing_user_is_404(api_client, manager):
    response = api_client(manager).get("/users/999999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_me_is_the_tokens_owner_with_preferences(api_client, make_user):
    person = make_user(role="admin", language="ru", time_zone="Asia/Yekaterinburg")
    body = api_client(person).get("/me").json()
    assert body["id"] == person.pk
    assert body["language"] == "ru"
    assert body["time_zone"] == "Asia/Yekaterinburg"
    assert body["is_admin"] is True


def test_users_api_is_read_only(api_client, manager):
    client = api_client(manager)
    assert client.post("/users", {"username": "x", "role": "admin"}).status_code == 405
    assert client.delete(f"/users/{manager.pk}").status_code == 405


def test_openapi_names_operations_after_selectors(client):
    # Read over HTTP: the API module is a higher layer than this app.
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"user_list", "user_get", "user_me"} <= operations
    user = schema["components"]["schemas"]["UserOut"]["properties"]
    assert "password" not in user
    assert {"id", "username", "role", "team_id", "is_active"} <= set(user)
