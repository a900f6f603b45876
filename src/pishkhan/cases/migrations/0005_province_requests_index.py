"""An index for the provincial supervisor's list of the province's requests (decision 67).

cases_request_province_filed: the province's requests, newest first, in the list's order
(filing time, then id). The page's first 50 rows are the index's last 50 entries of the province
whatever the table's size; without it PostgreSQL walks the filing-time index of every province,
or sorts the whole province, at hundreds of thousands of requests a province.

Plain SQL, valid on SQLite and PostgreSQL, without a model-state change, as 0002's indexes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_field_names")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX cases_request_province_filed "
                "ON cases_servicerequest (province_id, submitted_at, id)"
            ),
            reverse_sql="DROP INDEX cases_request_province_filed",
        ),
    ]
