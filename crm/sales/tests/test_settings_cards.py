from django.urls import reverse


def test_the_settings_page_links_to_the_settings_of_sales(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("core:settings")).content.decode()

    for name in (
        "sales:pipeline-list",
        "sales:assignment-rule-list",
        "sales:unit-list",
        "sales:own-company-list",
    ):
        assert f'href="{reverse(name)}"' in page
