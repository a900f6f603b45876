"""The cells 0003 added (year, national, province totals), filled on a database that already
has requests: without this, an upgraded site's dashboards would read empty year and national
cells — zeros for "all" and "this year" — until someone ran ``pishkhan rollup rebuild``.

It runs the rebuild of today's code (``rollups_sql.rebuild_sql``: set-based on PostgreSQL, the
Python replay elsewhere), which recomputes every cell from the event log. That code reads the
models as they are now, so a later migration that changes the rollups' or the requests' tables
must replace this step by a no-op and rebuild itself (decision 33). A new database has no
requests yet and skips it (the demo and the fold fill its cells as requests come)."""

from django.db import migrations


def fill(apps, schema_editor):
    request_model = apps.get_model("cases", "ServiceRequest")
    if not request_model.objects.using(schema_editor.connection.alias).exists():
        return
    from pishkhan.insights.rollups_sql import rebuild_sql

    rebuild_sql()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_year_national_and_province_cells"),
        ("cases", "0002_queue_indexes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
