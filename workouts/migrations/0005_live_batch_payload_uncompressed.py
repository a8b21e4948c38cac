"""Staged live frames are JPEG, which does not compress: PostgreSQL's default TOAST storage
tries anyway on every insert. EXTERNAL keeps them out of line without trying (an insert of a
second of frames took half the time here). Nothing to do on other databases."""

from django.db import migrations


def store_uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("workouts", "LiveBatch")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN payload SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [("workouts", "0004_live_batch")]

    operations = [migrations.RunPython(store_uncompressed, migrations.RunPython.noop)]
