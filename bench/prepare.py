"""The Django side of `make bench` (run with the app's settings against the bench database).

    prepare.py samples          per-service form data and fee lines for gen_data.sql
    prepare.py devices          a confirmed TOTP device for each member of staff the bench signs
                                in as (staff sign in with a second factor, as in production)
    prepare.py verify           checks the generated data against the app's own rules
    prepare.py pgbench OUTDIR   writes submit.sql and track.sql for pgbench, captured from the
                                app itself: the writes of one real submission, and the look-up
                                the tracking page makes (and doc.pdf, the upload of the wrk scripts)

The generated requests are numbered n = 1..N; their tracking codes and their citizens' national
codes follow from n (formulas below, mirrored in gen_data.sql, the pgbench scripts and
wrk/track.lua), so load generators pick existing requests without reading a list.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from pishkhan.core.identifiers import (  # noqa: E402
    damm_check_digit,
    is_valid_national_code,
    is_valid_tracking_code,
    national_code_check_digit,
)

# --- the numbering shared with gen_data.sql, the pgbench scripts and wrk/track.lua -----------
MULTIPLIER = 982451653  # prime, so n -> body is a bijection modulo 9 * 10**10
OFFSET = 7
SPAN = 90_000_000_000
CITIZEN_STEP = 7919  # prime, so n -> citizen spreads evenly over the citizens

# Service used by the submit measurements: one mandatory document, three short fields, offered
# at the counter and online.
BENCH_SERVICE = "gas-meter-test"


def body_of(n: int) -> int:
    return (n * MULTIPLIER + OFFSET) % SPAN + 10_000_000_000


def tracking_code_of(n: int) -> str:
    body = str(body_of(n))
    return body + str(damm_check_digit(body))


def citizen_index_of(n: int, citizens: int) -> int:
    return (n * CITIZEN_STEP) % citizens + 1


def national_code_of_citizen(index: int) -> str:
    first_nine = f"998{index:06d}"
    return first_nine + str(national_code_check_digit(first_nine))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# --- people -------------------------------------------------------------------------------
FIRST_NAMES = ["زهرا", "علی", "فاطمه", "محمد", "مریم", "حسین", "سارا", "رضا", "نرگس", "امیر"]
LAST_NAMES = ["احمدی", "رضایی", "کریمی", "حسینی", "موسوی", "محمدی", "جعفری", "صادقی", "رحیمی"]


def people() -> None:
    """Two generated offices per province with an operator each, a national officer per agency,
    and BENCH_CITIZENS citizens (national codes 998xxxxxxC), provinces weighted by population."""
    import random

    from pishkhan.accounts.models import User
    from pishkhan.catalog.models import Agency
    from pishkhan.core.models import County, Province
    from pishkhan.offices.models import Office

    citizens = env_int("BENCH_CITIZENS", 200_000)
    provinces = list(Province.objects.order_by("pk"))
    offices = []
    for province in provinces:
        county = County.objects.filter(province=province).order_by("pk").first()
        for k in (1, 2):
            number = f"{province.sci_code}-9{k:03d}"
            offices.append(
                Office(
                    licence_number=number,
                    name=f"دفتر پیشخوان دولت {number} {province.name_fa} (داده آزمون کارایی)",
                    province=province,
                    county=county,
                    address="نشانی آزمایشی",
                    postal_code="1000000000",
                    phone="02100000000",
                    opening_hours="شنبه تا چهارشنبه 8 تا 16",
                )
            )
    Office.objects.bulk_create(offices)
    staff = [
        User(
            username=f"bench-operator-{office.licence_number}",
            password="!bench",
            role="office_operator",
            office=office,
            province_id=office.province_id,
            first_name="اپراتور",
            last_name=f"دفتر {office.licence_number}",
        )
        for office in Office.objects.filter(licence_number__contains="-9")
    ]
    staff += [
        User(
            username=f"bench-officer-{agency.code}",
            password="!bench",
            role="agency_officer",
            agency=agency,
            first_name="کارشناس",
            last_name=agency.name_fa[:100],
        )
        for agency in Agency.objects.order_by("pk")
    ]
    User.objects.bulk_create(staff)
    rng = random.Random(1405)
    weights = [p.population_2016 for p in provinces]
    batch = []
    for index in range(1, citizens + 1):
        code = national_code_of_citizen(index)
        batch.append(
            User(
                username=code,
                password="!bench",
                role="citizen",
                national_code=code,
                mobile=f"0935{index:07d}",
                province=rng.choices(provinces, weights)[0],
                first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
                last_name=LAST_NAMES[index % len(LAST_NAMES)],
            )
        )
        if len(batch) == 10_000:
            User.objects.bulk_create(batch)
            batch = []
    User.objects.bulk_create(batch)
    print(f"people: {len(offices)} offices, {len(staff)} staff, {citizens} citizens")


# --- samples ------------------------------------------------------------------------------
def samples() -> None:
    """bench_sample: each active service's form data (as submit stores it) and fee lines."""
    from pishkhan.accounts.models import User
    from pishkhan.cases.demo import sample_values
    from pishkhan.cases.schema import check_submission
    from pishkhan.cases.services import fee_lines_for
    from pishkhan.catalog.models import Channel, Service
    from pishkhan.offices.models import Office

    office = Office.objects.get(licence_number="23-1001")
    citizen = User.objects.filter(role="citizen").order_by("pk").first()
    today = timezone.localdate()
    rows = []
    for service in Service.objects.filter(is_active=True).order_by("pk"):
        values = check_submission(
            service,
            sample_values(service, citizen),
            {d.pk for d in service.documents.all()},
        )
        office_lines = fee_lines_for(service, Channel.OFFICE, office, today)
        online_lines = fee_lines_for(service, Channel.ONLINE, None, today)
        rows.append(
            (
                service.pk,
                json.dumps(values, ensure_ascii=False),
                json.dumps(office_lines, ensure_ascii=False),
                sum(line["amount"] for line in office_lines),
                json.dumps(online_lines, ensure_ascii=False),
                sum(line["amount"] for line in online_lines),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sample")
        cursor.execute(
            "CREATE TABLE bench_sample (service_id bigint PRIMARY KEY, form_data jsonb,"
            " fee_lines_office jsonb, fee_total_office bigint, fee_lines_online jsonb,"
            " fee_total_online bigint)"
        )
        cursor.executemany("INSERT INTO bench_sample VALUES (%s, %s, %s, %s, %s, %s)", rows)
    print(f"bench_sample: {len(rows)} services")


# --- verify -------------------------------------------------------------------------------
def verify() -> None:
    """The generated data obeys the app's rules: valid identifiers, the numbering above, states
    of the workflow, and audit chains whose hashes the app recomputes to the same value."""
    from pishkhan.cases.models import ServiceRequest
    from pishkhan.core.audit import hash_of
    from pishkhan.core.models import AuditEvent

    requests = env_int("BENCH_REQUESTS", 1_000_000)
    citizens = env_int("BENCH_CITIZENS", 200_000)
    problems = []
    picks = sorted({1, requests, *((k * 7_368_787) % requests + 1 for k in range(200))})
    by_code = {tracking_code_of(n): n for n in picks}
    found = ServiceRequest.objects.filter(tracking_code__in=by_code).select_related(
        "citizen", "workflow"
    )
    seen = 0
    for request in found:
        seen += 1
        n = by_code[request.tracking_code]
        expected_citizen = national_code_of_citizen(citizen_index_of(n, citizens))
        if not is_valid_tracking_code(request.tracking_code):
            problems.append(f"n={n}: tracking code {request.tracking_code} fails its check digit")
        if request.citizen.national_code != expected_citizen:
            problems.append(f"n={n}: citizen {request.citizen.national_code} != {expected_citizen}")
        if not is_valid_national_code(request.citizen.national_code):
            problems.append(f"n={n}: national code {request.citizen.national_code} invalid")
        if request.status not in request.definition.states:
            problems.append(f"n={n}: status {request.status} not in the workflow")
        events = list(
            AuditEvent.objects.filter(
                subject_type="service_request", subject_id=str(request.pk)
            ).order_by("sequence")
        )
        if not events or events[-1].to_state != request.status:
            problems.append(f"n={n}: audit trail does not end in {request.status}")
        previous = ""
        for event in events:
            if hash_of(event) != event.hash or event.prev_hash != previous:
                problems.append(f"n={n}: audit event {event.sequence} does not verify")
            previous = event.hash
    if seen != len(by_code):
        problems.append(f"only {seen} of {len(by_code)} sampled tracking codes exist")
    total = ServiceRequest.objects.count()
    if total < requests:
        problems.append(f"{total} requests in the database, expected at least {requests}")
    for problem in problems[:20]:
        print("  " + problem)
    if problems:
        sys.exit(f"verify: {len(problems)} problems in the generated data")
    print(f"verify: {seen} sampled requests and their audit chains check out; {total} in total")


# --- pgbench scripts ----------------------------------------------------------------------
PGBENCH_CODES = r"""-- Generated by bench/prepare.py: do not edit.
-- The tracking code of generated request :n and the national code of its citizen, computed on the
-- client (pgbench meta-commands cost the server nothing), exactly as gen_data.sql made them.
\set body (:n * {multiplier} + {offset}) % {span} + 10000000000
{damm}
\set tc :body * 10 + :i
\set c (:n * {step}) % :citizens + 1
\set s 235 + 7 * ((:c / 100000) % 10) + 6 * ((:c / 10000) % 10) + 5 * ((:c / 1000) % 10) \
  + 4 * ((:c / 100) % 10) + 3 * ((:c / 10) % 10) + 2 * (:c % 10)
\set r :s % 11
\set nc 9980000000 + :c * 10 + (case when :r < 2 then :r else 11 - :r end)
"""

DAMM_ROWS = [
    "0317598642",
    "7092154863",
    "4206871359",
    "1750983426",
    "6123045978",
    "3674209581",
    "5869720134",
    "8945362017",
    "9438617205",
    "2581436790",
]


def damm_meta_commands() -> str:
    """Damm's check digit as pgbench meta-commands: each table row is one 10-digit number."""
    row = "case " + " ".join(f"when :i = {i} then {int(r)}" for i, r in enumerate(DAMM_ROWS))
    row += " end"
    lines = ["\\set i 0"]
    for position in range(11):
        divisor = 10 ** (10 - position)
        lines.append(f"\\set d (:body / {divisor}) % 10")
        lines.append(f"\\set i (({row}) / int(pow(10, 9 - :d))) % 10")
    return "\n".join(lines)


def codes_header() -> str:
    return PGBENCH_CODES.format(
        multiplier=MULTIPLIER,
        offset=OFFSET,
        span=SPAN,
        step=CITIZEN_STEP,
        damm=damm_meta_commands(),
    )


class Recorder:
    """Every statement the app runs, as Django hands it to the driver (SQL with %s placeholders
    and the parameters), and where transactions begin and commit (CaptureQueriesContext logs
    BEGIN and COMMIT)."""

    def __enter__(self) -> Recorder:
        self.executed: list[tuple[str, tuple[Any, ...]]] = []
        self.capture = CaptureQueriesContext(connection)
        self.capture.__enter__()
        self.wrapper = connection.execute_wrapper(self)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wrapper.__exit__(*exc)
        self.capture.__exit__(*exc)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.executed.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    def first_transaction(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The statements between the first BEGIN and its COMMIT."""
        statements = iter(self.executed)
        inside, result = False, []
        for query in self.capture.captured_queries:
            if query["sql"] == "BEGIN":
                inside = True
            elif query["sql"] == "COMMIT":
                if inside:
                    return result
            else:
                statement = next(statements)
                if inside:
                    result.append(statement)
        sys.exit("pgbench: the submission ran no BEGIN ... COMMIT transaction")


def literal(value: Any) -> str:
    from psycopg import sql as psycopg_sql

    return psycopg_sql.Literal(value).as_string(connection.connection)


def expression(value: Any, variables: dict[Any, str]) -> str:
    """A parameter as pgbench SQL: a variable expression where it holds a per-transaction value
    (whole, or inside a text or JSON value), else its literal."""
    from psycopg.types.json import Jsonb

    for known, variable in variables.items():
        if type(value) is type(known) and value == known:
            return variable
    if isinstance(value, Jsonb):
        text = (value.dumps or json.dumps)(value.obj)
        spliced = splice(text, variables)
        return f"({spliced})::jsonb" if spliced is not None else literal(value)
    if isinstance(value, str):
        spliced = splice(value, variables)
        if spliced is not None:
            return spliced
    return literal(value)


def splice(text: str, variables: dict[Any, str]) -> str | None:
    """'... <value> ...' as 'literal' || :variable || 'literal', or None if no value occurs."""
    for known, variable in variables.items():
        if isinstance(known, str) and len(known) >= 6 and known in text:
            before, after = text.split(known, 1)
            return f"{literal(before)} || {variable} || {literal(after)}"
    return None


def render(sql: str, params: tuple[Any, ...], variables: dict[Any, str]) -> str:
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        sys.exit(f"pgbench: cannot place the parameters of: {sql[:80]}")
    out = parts[0]
    for value, part in zip(params, parts[1:], strict=True):
        out += expression(value, variables) + part
    return out.replace("%%", "%")


def capture_lookup(outdir: Path) -> None:
    """The tracking page's own look-up query, with the codes made pgbench variables."""
    from pishkhan.cases.views import public

    n = 1
    citizens = env_int("BENCH_CITIZENS", 200_000)
    code = tracking_code_of(n)
    national = national_code_of_citizen(citizen_index_of(n, citizens))
    request = RequestFactory().post("/track/", {"tracking_code": code, "national_code": national})
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = "fa"
    with Recorder() as recorded:
        response = public.track(request)
    if response.status_code != 200:
        sys.exit(f"pgbench: the tracking page answered {response.status_code} for n={n}")
    lookup = next(
        (
            (sql, params)
            for sql, params in recorded.executed
            if code in params and national in params
        ),
        None,
    )
    if lookup is None:
        sys.exit("pgbench: no query of the tracking page looks up the code and national code")
    sql = render(*lookup, {code: ":tc", national: ":nc"})
    script = (
        codes_header().replace("\\set body", "\\set n random(1, :requests)\n\\set body", 1)
        + sql
        + ";\n"
    )
    (outdir / "track.sql").write_text(script, encoding="utf-8")
    # The same, failing (division by zero) on any look-up that finds nothing: run.sh runs it
    # first, to prove the client-side codes match the generated data.
    check = script.replace(sql + ";\n", f"SELECT 1 / count(*) FROM ({sql}) AS found;\n")
    (outdir / "track_check.sql").write_text(check, encoding="utf-8")
    ran = len(recorded.executed)
    print(f"pgbench: track.sql: the tracking page's look-up (the page ran {ran} queries)")


def capture_submit(outdir: Path) -> None:
    """The rows one counter submission writes, in its transaction, as a pgbench script."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pishkhan.accounts.identity import citizen_for
    from pishkhan.accounts.models import IdentityRecord, User
    from pishkhan.cases.demo import DEMO_PDF, sample_values
    from pishkhan.cases.services import Upload, submit
    from pishkhan.catalog.models import Channel, Service
    from pishkhan.core.files import check_upload
    from pishkhan.core.models import AuditEvent
    from pishkhan.offices.models import Office

    service = Service.objects.get(code=BENCH_SERVICE)
    office = Office.objects.get(licence_number="23-1001")
    operator = User.objects.get(username="operator-1001")
    record = IdentityRecord.objects.get(national_code="9990000115")
    citizen = citizen_for(record.national_code, record.mobile)

    def uploads() -> list[Upload]:
        made = []
        for document in service.documents.filter(is_mandatory=True):
            pdf = SimpleUploadedFile("meter-test.pdf", DEMO_PDF, "application/pdf")
            pdf.checked = check_upload(pdf, pdf.name, pdf.size, 10_000_000)
            made.append(Upload(document.pk, pdf))
        return made

    def file(key: str) -> Any:
        created, _ = submit(
            service=service,
            citizen=citizen,
            channel=Channel.OFFICE,
            actor=operator,
            office=office,
            form_values=sample_values(service, citizen),
            uploads=uploads(),
            idempotency_key=key,
        )
        return created

    # The first submission of a process also loads what the process keeps between requests
    # (the webhooks it would notify, read once per 10 s, inside the transaction); the steady
    # state is the second one's, and that is what pgbench runs.
    file("bench-warm-" + timezone.now().strftime("%Y%m%d%H%M%S%f"))
    key = "bench-capture-" + timezone.now().strftime("%Y%m%d%H%M%S%f")
    with Recorder() as recorded:
        created = file(key)
    event = AuditEvent.objects.get(
        subject_type="service_request", subject_id=str(created.pk), sequence=1
    )
    variables = {
        created.tracking_code: ":tc",
        key: "md5(:n || '-key')",
        event.hash: "md5(:n || '-h1') || md5(:n || '-h2')",
        created.pk: ":id",
        str(created.pk): ":id",
    }
    invoice = getattr(created, "invoice", None)
    if invoice is not None:  # the payments app's invoice: its verification code is unique too
        variables[invoice.verification_code] = "upper(substr(md5(:n || '-v'), 1, 16))"
    writes = [
        (sql, params)
        for sql, params in recorded.first_transaction()
        if not sql.lstrip().upper().startswith("SELECT")
    ]
    lines, tables = [], []
    for sql, params in writes:
        # An INSERT, or a chain of them in one statement (WITH r0 AS (INSERT ...), ... SELECT
        # their ids: cases.services.insert_row on PostgreSQL).
        if not re.match(r"\s*(INSERT INTO|WITH r0 AS \(INSERT INTO) ", sql):
            sys.exit(f"pgbench: unexpected write in a submission: {sql[:80]}")
        written = re.findall(r'INSERT INTO "(\w+)"', sql)
        tables.extend(written)
        statement = render(sql, params, variables)
        if written == ["cases_servicerequest"]:
            if "RETURNING" not in statement:
                sys.exit("pgbench: the request insert returns no id")
            lines.append(statement + " \\gset")
        else:
            lines.append(statement + ";")
    header = (
        f"-- Generated by bench/prepare.py from one real counter submission ({BENCH_SERVICE}):\n"
        f"-- exactly its writes, in its transaction ({len(writes)} statements): "
        f"{', '.join(tables)}.\n"
        "-- Unique values (tracking code, idempotency key, audit hash, invoice verification code)\n"
        "-- come from a per-client counter :k through the numbering of the generated data\n"
        "-- (n above any generated n).\n"
    )
    counter = "\\set k :k + 1\n\\set n 5000000000 + :client_id * 10000000 + :k\n"
    codes = codes_header().split("\n", 3)[3]  # without the header comments
    script = header + counter + codes + "BEGIN;\n" + "\n".join(lines) + "\nCOMMIT;\n"
    (outdir / "submit.sql").write_text(script, encoding="utf-8")
    print(
        f"pgbench: submit.sql writes {len(tables)} rows in {len(writes)} statements: "
        f"{', '.join(tables)}"
    )


# The staff sessions.py signs in as; each gets a TOTP device, as production staff have.
BENCH_STAFF = ("operator-1001", "officer-nocr-tehran")


def devices() -> None:
    """A confirmed TOTP device for each of BENCH_STAFF; sessions.py reads its key from the
    database and answers the sign-in's second step with the current code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pishkhan.accounts.models import User

    for username in BENCH_STAFF:
        user = User.objects.get(username=username)
        TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "people":
        people()
    elif command == "devices":
        devices()
    elif command == "samples":
        samples()
    elif command == "verify":
        verify()
    elif command == "pgbench":
        outdir = Path(sys.argv[2])
        outdir.mkdir(parents=True, exist_ok=True)
        capture_submit(outdir)
        capture_lookup(outdir)
        from pishkhan.cases.demo import DEMO_PDF

        (outdir / "doc.pdf").write_bytes(DEMO_PDF)  # the document the wrk scripts upload
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
