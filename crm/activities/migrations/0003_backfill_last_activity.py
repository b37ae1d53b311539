"""Fill the clients' "last activity" from the activities already logged."""

from django.db import migrations

SQL = """
UPDATE {client} SET last_activity_at = (
    SELECT MAX(a.occurred_at) FROM activities_activity a
    WHERE a.{column} = {client}.id AND a.deleted_at IS NULL
      AND a.occurred_at <= CURRENT_TIMESTAMP
)
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for client, column in (
            ("customers_company", "company_id"),
            ("customers_contact", "contact_id"),
        ):
            cursor.execute(SQL.format(client=client, column=column))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_search_text"),
        ("customers", "0006_last_activity"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
