"""Indexes for the back office's queue page at a million requests (docs/performance.md).

* cases_request_open_queue: the requests still waiting on the agency (views.agency.WAITING), per
  agency and province, in the queue's order (due date, then filing time). The page's first 50 rows
  are the index's first 50 entries, however old and large the table is; without it PostgreSQL
  walks the due-date index through every finished request.
* cases_request_agency_province_service: "which services have requests here" (the service filter
  of the queue), one probe per service.

Plain SQL, valid on SQLite and PostgreSQL, without a model-state change: the indexes serve queries
and are no part of the models' meaning, so makemigrations stays quiet about them. If WAITING
changes, change the partial index's condition with it.
"""

from django.db import migrations

WAITING = "('submitted', 'in_review', 'resubmitted', 'needs_info', 'checking')"


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX cases_request_open_queue ON cases_servicerequest "
                f"(agency_id, province_id, sla_due_on, submitted_at) WHERE status IN {WAITING}"
            ),
            reverse_sql="DROP INDEX cases_request_open_queue",
        ),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX cases_request_agency_province_service "
                "ON cases_servicerequest (agency_id, province_id, service_id)"
            ),
            reverse_sql="DROP INDEX cases_request_agency_province_service",
        ),
    ]
