"""Indexes for the staff search: btree on time and address everywhere, and on
PostgreSQL trigram (pg_trgm, GIN) indexes on the sessions' device name and user agent.

The trigram indexes index `UPPER(column::text)`, the expression Django's `icontains`
compares on PostgreSQL, so `device=` substring searches use them. SQLite has no
trigram indexes: there the same filter scans.
"""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "usersession_device_trgm": "device_name",
    "usersession_agent_trgm": "user_agent",
}


def create_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may add it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON sessions_app_usersession "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0003_refresh_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="securityevent",
            index=models.Index(
                fields=["ip_address", "-created_at"], name="securityevent_ip"
            ),
        ),
        migrations.AddIndex(
            model_name="usersession",
            index=models.Index(fields=["-created_at"], name="usersession_recent"),
        ),
        migrations.AddIndex(
            model_name="usersession",
            index=models.Index(
                fields=["ip_address", "-created_at"], name="usersession_ip"
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
