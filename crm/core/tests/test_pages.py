import pytest

from crm.core import registry


@pytest.fixture
def provider(monkeypatch):
    """One search provider that finds what it is given, as a domain app would."""
    asked = []

    def search(actor, query, limit):
        asked.append((actor, query, limit))
        return [registry.SearchHit(title="ООО «Ромашка»", url="/companies/1/")]

    monkeypatch.setattr(
        registry,
        "_search",
        [registry.SearchProvider(key="test", label="Companies", search=search)],
    )
    return asked


def test_the_search_page_shows_hits_of_the_providers(client, manager, provider):
    client.force_login(manager)
    response = client.get("/search/", {"q": "Ромашка"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content
    assert "ООО «Ромашка»" in content
    assert 'href="/companies/1/"' in content
    assert provider == [(manager, "Ромашка", 8)]


def test_the_as_you_type_dropdown_gets_only_the_results(client, manager, provider):
    client.force_login(manager)
    response = client.get("/search/", {"q": "Ром"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert "ООО «Ромашка»" in content


def test_a_too_short_query_asks_no_provider(client, manager, provider):
    client.force_login(manager)
    response = client.get("/search/", {"q": "  "})
    assert response.status_code == 200
    assert provider == []


def test_search_needs_a_signed_in_user(client, db, provider):
    assert client.get("/search/", {"q": "Ромашка"}).status_code == 302
    assert provider == []


def test_the_start_page_leads_a_signed_in_user_on(client, manager):
    client.force_login(manager)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] != "/"


def test_a_refused_page_explains_itself(client, manager):
    client.force_login(manager)
    response = client.get("/settings/")
    assert response.status_code == 403
    assert b"Only an administrator may open this page." in response.content
    assert b'<nav class="navbar' in response.content


def test_a_missing_page_is_a_friendly_404(client, manager):
    client.force_login(manager)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Not found" in response.content
