"""Rotating refresh tokens for token sessions, and the end reason `token_reused`.

Token sessions started before this migration keep their old deadline: their access
token and the session itself end at `expires_at` (TOKEN_TTL after the login), and they
have no refresh token, so their clients log in again then, as before.
"""

from django.db import migrations, models
from django.db.models import F


def keep_old_deadlines(apps, schema_editor) -> None:
    UserSession = apps.get_model("sessions_app", "UserSession")
    UserSession.objects.filter(transport="token").update(
        token_expires_at=F("expires_at"), refresh_expires_at=F("expires_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0002_event_kinds_and_step_up"),
    ]

    operations = [
        migrations.AddField(
            model_name="usersession",
            name="token_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="usersession",
            name="refresh_digest",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="usersession",
            name="refresh_generation",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="usersession",
            name="refreshed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="usersession",
            name="refresh_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="usersession",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("superseded", "Superseded by a newer login"),
                    ("terminated", "Ended by the user from another session"),
                    ("terminated_by_staff", "Ended by staff"),
                    ("expired", "Expired"),
                    ("logout", "Logged out"),
                    ("password_changed", "Password changed"),
                    ("user_deactivated", "User deactivated"),
                    ("token_reused", "Old refresh token used again"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="usersession",
            index=models.Index(
                fields=["is_active", "refresh_expires_at"],
                name="usersession_live_refresh",
            ),
        ),
        migrations.RunPython(keep_old_deadlines, migrations.RunPython.noop),
    ]
