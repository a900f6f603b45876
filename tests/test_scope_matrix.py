"""Nobody sees what is outside their scope, through any page, fragment, download or the API.

For pairs of users of the same role whose scopes do not overlap (A, B), both ways round:

1. **Crawl** as A and as B with the test client over the demo data: follow links, form actions
   (GET forms with their default values), ``hx-get``/``hx-post`` targets and download links, up
   to ``PAGES`` pages each. Downloads (PDFs, attachments, exports) are collected, not opened.
2. **A's objects, asked for by B**: every URL of A's crawl that names an object (a number, a
   tracking code, a licence number or an id, in the path or the query) and that B's own crawl
   never reached is requested by B. If B reaches no page at that path at all, the answer must
   be **404**: nothing else is acceptable, since every signed-in page answers a role it is not
   for, and anything out of scope, with the same 404 (``accounts.access.roles_required``,
   design.md "Out of scope = 404, never 403 with details"; B is signed in, so a redirect to
   sign-in would only say that the session is missing). The one other "not found" accepted is
   Django's admin's own: an object outside the admin's list sends B back to the admin's index
   (302 to ``/admin/``), with no word of the object — exactly what B gets for an id that does
   not exist (decision 64). If B does reach that path (its own page
   with A's value in the query, e.g. ``/agency/?service=…``), the answer must be a 4xx, or B's own
   page showing nothing of A's: see 3.
3. **Tampering**: in the URLs B reaches, each value that names a place or an object (office,
   province, county, agency, a tracking code, an application's or a complaint's id, a
   document's id…) is replaced by A's value for the same slot, and A's province, office and
   agency are also added as ``?province=``, ``?office=``, ``?county=``, ``?agency=`` to every
   page B reaches without a query. The answer must be a 4xx, or B's own page: no string that
   names A's data (``Secrets``) that B's untampered page does not show already, the same
   tables and charts (dashboards, settlement) and, for CSV exports, the same file.
4. **Acts**: every POST form on A's pages that acts on an object B does not reach (decide,
   answer, pay, complain, rate, upload, manage staff, fees, capacity, licences) is posted by B
   with A's values: 404, and A's data unchanged (``state_of``). B's own POST forms are posted
   with A's ids in their object fields (an operator, a county): 404 or refused, A unchanged.
5. **Every answer B gets** (pages, fragments, downloads, JSON) is read for A's secrets, and so
   are the pages of B's own crawl: a list that shows B one of A's objects as B's own (the
   admin's, decision 62) would otherwise hide it from 2, which asks only for what B did not
   reach.

The API is checked the same way with the tokens of two agencies' systems and two offices'
counter software: A's queue gives A's tracking codes and documents; B's token asks for each
request, document, step, payment and Open311 record: a JSON 404 each, nothing changed.

Public by design, and so not leaks (each checked for what it must not show, below):
``/verify/<code>/`` (whoever holds the paper: a receipt's official figures, a certificate's
holder with a masked national code); ``/track/`` (the tracking code **and** the national code,
decision 18: a right code with a wrong national code says nothing); the catalogue
(``/``, ``/services/…``) and the office finder and office pages (``/offices/…``): public
registers; ``/sandbox-gateway/<authority>/``: the stand-in for a bank's page, reached only
with the payment's unguessable authority, showing the amount and nothing of the citizen;
``/feedback/rate/<token>/``: the rating link sent by SMS, whose signed token is the proof (no
page links to it, so no crawl reaches it).

The admin is crawled for agencies' administrators (its own budget): another agency's service,
fee or workflow is the admin's "not found" — among them a workflow A's administrator has
started and not yet given a service (``more_users``), whose name is one of A's secrets. Beyond
the crawl, every model in the admin and every page of one object is asked for by B with A's
object and with an id that does not exist: the answers must be the same (decision 64). Pairs
are disjoint by construction, so A's secrets are read from A's own scope, never by subtracting
B's (a leaky ``visible_to(B)`` would hide its own leak). Bounded: ``PAGES`` pages per user
(``PAGES_PER_ROUTE`` of a kind), ``PER_KIND`` objects of each kind asked for; the whole matrix
is about two thousand requests.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

PAGES = 45  # pages crawled per user: enough to reach every kind of page in the demo data
START = [
    "/",
    "/portal/",
    "/portal/data-access/",
    "/office/",
    "/offices/manage/",
    "/agency/",
    "/agency/insights/",
    "/regulator/",
    "/province/",
    "/province/requests/",
    "/insights/",
    "/settlement/",
    "/feedback/complaints/",
    "/feedback/repayments/",
]
PAGES_PER_ROUTE = 6
ADMIN_PAGES = 25
# The admin's sorting, searching, filtering and deleting pages: variants of pages already seen.
ADMIN_SKIP = re.compile(r"[?&](o|q|_changelist_filters|_popup|_to_field)=|/delete/$|/jsi18n/")
SKIP = ("/admin", "/accounts/", "/i18n", "/static", "/dev/", "/api/docs", "/api/swagger")
# Public registers and the catalogue: the same for everyone, never crawled for objects.
PUBLIC = ("/offices/", "/services/", "/verify/", "/track/", "/sandbox-gateway/")
# Query keys that name no object (paging, periods, filters of kind and state).
NEUTRAL_KEYS = {
    "page",
    "preset",
    "start",
    "end",
    "table",
    "export",
    "status",
    "kind",
    "q",
    "sla",
    "channel",
    "format",
    "next",
    "grain",
    "period",
    "day",
}
DOWNLOAD = re.compile(r"/pdf/$|/attachments/\d+/$|/documents/\d+/$|[?&]export=")
LINK = re.compile(r'(?:href|hx-get|hx-post|src)="(/[^"#]*)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
TABLES = re.compile(r"<table\b.*?</table>|<script[^>]*application/json[^>]*>.*?</script>", re.S)
CSRF = re.compile(r'<input[^>]*name="csrfmiddlewaretoken"[^>]*>')

# (A, B): the same role, scopes that do not overlap. Users marked * are made by ``_more_users``.
PAIRS = [
    ("9990000018", "9990000026"),  # citizens (Tehran, Isfahan)
    ("operator-1001", "operator-2001"),  # operators of offices in Tehran and Isfahan
    ("manager-1001", "manager-2001"),  # * their managers
    ("officer-nocr-tehran", "officer-abfa-isfahan"),  # officers of two agencies
    ("officer-nocr-tehran", "officer-nocr-fars"),  # one agency, two provinces
    ("agencyadmin-nocr", "agencyadmin-abfa"),  # * two agencies' administrators
    ("supervisor-tehran", "supervisor-isfahan"),  # supervisors of two provinces
    ("sanjesh-tehran", "sanjesh-isfahan"),  # * Assessment Center officers of two provinces
    ("ict-tehran", "ict-isfahan"),  # * provincial ICT offices
    ("workgroup-tehran", "workgroup-isfahan"),  # * provincial working groups
]


# Pages a role's crawl must reach, so that the checks cover them: the supervisor's list of the
# province's requests and a request's read-only page (decision 67).
MUST_REACH = {
    "provincial_supervisor": (r"/province/requests/", r"/province/requests/\d{12}/"),
}


@pytest.fixture
def more_users(settings):
    """The second of each pair where the demo has only one; and no second factor, no limits."""
    from pishkhan.accounts.models import User
    from pishkhan.accounts.roles import Role
    from pishkhan.catalog.models import Agency
    from pishkhan.catalog.services import ensure_agency_admin_group
    from pishkhan.core.models import Province
    from pishkhan.offices.models import Office

    settings.PISHKHAN_STAFF_OTP = False
    settings.PISHKHAN_TRACK_PER_MINUTE = settings.PISHKHAN_VERIFY_PER_MINUTE = 10**9
    isfahan = Province.objects.get(sci_code="10")
    for username, role, extra in [
        (
            "manager-2001",
            Role.OFFICE_MANAGER,
            {"office": Office.objects.get(licence_number="10-2001")},
        ),
        (
            "agencyadmin-abfa",
            Role.AGENCY_ADMIN,
            {"agency": Agency.objects.get(code="abfa"), "is_staff": True},
        ),
        (
            "sanjesh-isfahan",
            Role.ASSESSMENT_OFFICER,
            {"agency": Agency.objects.get(code="moe-sanjesh"), "province": isfahan},
        ),
        ("ict-isfahan", Role.PROVINCIAL_ICT, {"province": isfahan}),
        ("workgroup-isfahan", Role.WORKING_GROUP, {"province": isfahan}),
    ]:
        if "office" in extra:
            extra["province"] = extra["office"].province
        user = User.objects.create(username=username, role=role, **extra)
        if role == Role.AGENCY_ADMIN:  # as the demo's: the admin, for the agency's services
            user.groups.add(ensure_agency_admin_group())
    # The civil registry's administrator has started a workflow and given it no service yet:
    # its own, and no other agency's to read or take (decision 62).
    from pishkhan.workflow.models import WorkflowDefinition

    starter = Client()
    starter.force_login(User.objects.get(username="agencyadmin-nocr"))
    started = starter.post(
        "/admin/workflow/workflowdefinition/add/",
        {
            "key": "nocr_birth_check",
            "name_fa": "بررسی ولادت ثبت احوال",
            "name_en": "",
            "definition": json.dumps(WorkflowDefinition.objects.current("default").definition),
        },
    )
    assert started.status_code == 302
    # Office 23-1001 (the demo's complaints are all about it) has been ordered to give an
    # overcharge back, so that its manager has a complaint page to open.
    from pishkhan.feedback.models import Complaint
    from pishkhan.feedback.services import resolve_complaint

    for pk in Complaint.objects.filter(status="open", kind="overcharge").values_list(
        "pk", flat=True
    ):
        regulator = User.objects.get(username="regulator")
        resolve_complaint(pk, regulator, upheld=True, reason="x", repay_rials=50_000)
    return {user.username: user for user in User.objects.all()}


@dataclass
class Crawl:
    """What one user reached: pages opened, every link seen, and the POST forms on the pages."""

    pages: dict[str, str] = field(default_factory=dict)  # URL -> HTML
    links: set[str] = field(default_factory=set)
    posts: dict[str, dict[str, str]] = field(default_factory=dict)  # action -> fields
    requests: int = 0


def _links_of(page_url: str, body: str) -> tuple[set[str], dict[str, dict[str, str]]]:
    links = {html.unescape(link) for link in LINK.findall(body)}
    posts: dict[str, dict[str, str]] = {}
    for attributes, inner in FORM.findall(body):
        action = re.search(r'action="([^"]*)"', attributes)
        target = html.unescape(action.group(1)) if action and action.group(1) else page_url
        fields = _form_fields(inner)
        if "post" in attributes.lower():
            if not target.startswith(SKIP) or _admin_page(target):
                posts.setdefault(target, fields)
        else:
            fields = {k: v for k, v in fields.items() if v}
            links.add(target + ("?" + urlencode(fields) if fields else ""))
    return {link for link in links if not link.startswith(SKIP) or _admin_page(link)}, posts


def _form_fields(inner: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", inner):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if re.search(r'type="(checkbox|radio)"', tag) and "checked" not in tag:
            fields.setdefault(name.group(1), "")
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', inner, re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', options) or re.search(
            r'<option[^>]*value="([^"]+)"', options
        )
        fields[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name in re.findall(r'<textarea[^>]*name="([^"]+)"', inner):
        fields[name] = "x"
    return fields


def crawl(client: Client, user) -> Crawl:
    seen = Crawl()
    start = [*START, *seeds(user)]
    if user.office_id:
        # The counter's filing steps start from identifying a citizen (a POST): their signed
        # address names the office and the citizen.
        from pishkhan.core.demo import demo_national_code

        identified = client.post(
            "/office/new/", {"national_code": demo_national_code(11), "mobile": "09121000011"}
        )
        seen.requests += 1
        if identified.status_code == 302:
            start.append(identified["Location"])
    _walk(client, seen, start, PAGES, lambda url: not url.startswith(SKIP))
    if user.is_staff:
        # The admin, where agencies' administrators manage their services, fees and workflows:
        # its own budget, its object pages rather than its sorting and filtering variants.
        _walk(client, seen, ["/admin/"], ADMIN_PAGES, _admin_page)
    return seen


def _admin_page(url: str) -> bool:
    return url.startswith(("/admin/catalog/", "/admin/workflow/", "/admin/$")) or url == "/admin/"


def _walk(client: Client, seen: Crawl, todo: list[str], budget: int, wanted) -> None:
    opened: set[str] = set()
    per_route: dict[str, int] = {}
    start = len(seen.pages)
    while todo and len(seen.pages) - start < budget:
        url = todo.pop(0)
        if url in opened or not wanted(url) or DOWNLOAD.search(url) or ADMIN_SKIP.search(url):
            continue
        route = route_of(url)
        if per_route.get(route, 0) >= PAGES_PER_ROUTE:
            continue  # a few of each kind (forms of 30 services) leave the budget for the rest
        per_route[route] = per_route.get(route, 0) + 1
        opened.add(url)
        page = client.get(url)
        seen.requests += 1
        cache.clear()  # rate limits would stop the walk
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        body = page.content.decode()
        seen.pages[url] = body
        links, posts = _links_of(url, body)
        seen.links |= links | {url}
        for target, fields in posts.items():
            seen.posts.setdefault(target, fields)
        # Public registers last: they are the same for everyone and name no one's objects.
        todo += sorted(link for link in links if not link.startswith(PUBLIC))
        todo += sorted(link for link in links if link.startswith(PUBLIC))[:3]


def seeds(user) -> list[str]:
    """Pages no link leads to: an applicant reaches their licence application from the message
    after applying."""
    from pishkhan.licensing.models import LicenceApplication

    return [
        f"/licensing/applications/{pk}/"
        for pk in LicenceApplication.objects.filter(applicant=user).values_list("pk", flat=True)
    ]


def names_object(url: str) -> bool:
    parts = urlsplit(url)
    if any(re.search(r"\d", segment) for segment in parts.path.split("/")):
        return True
    return any(
        key not in NEUTRAL_KEYS and re.search(r"\d", value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )


def slots(url: str) -> dict[tuple[str, str], str]:
    """The object-naming values of a URL by slot: (route, path argument) or (route, ?key)."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return {}
    route = match.view_name
    found = {(route, name): str(value) for name, value in match.kwargs.items()}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in NEUTRAL_KEYS and value:
            found[(route, "?" + key)] = value
    return found


def with_slot(url: str, slot: tuple[str, str], value: str) -> str | None:
    parts = urlsplit(url)
    if slot[1].startswith("?"):
        query = [
            (key, value if key == slot[1][1:] else old)
            for key, old in parse_qsl(parts.query, keep_blank_values=True)
        ]
        return parts.path + "?" + urlencode(query)
    old = slots(url).get(slot)
    segments = parts.path.split("/")
    if old is None or segments.count(old) != 1:
        return None
    segments[segments.index(old)] = value
    return "/".join(segments) + ("?" + parts.query if parts.query else "")


@dataclass
class Secrets:
    """Strings that name A's data: A's requests' tracking codes, their citizens' national codes
    and mobiles, A's licence applications' proposed names and managers. The pairs' scopes do not
    overlap, so nothing is taken out with B's own ``visible_to`` (which would hide its leak)."""

    strings: set[str]

    def leaked(self, body: str, baseline: str = "", asked: str = "") -> set[str]:
        # What B typed into the address may be said back (a 404 page names the address).
        return {s for s in self.strings if s in body and s not in baseline and s not in asked}


def secrets_of(a, b) -> Secrets:
    from pishkhan.accounts.roles import Role
    from pishkhan.cases.models import ServiceRequest
    from pishkhan.licensing.models import LicenceApplication

    only_a = ServiceRequest.objects.visible_to(a)
    strings: set[str] = set()
    for code, national_code, mobile in only_a.values_list(
        "tracking_code", "citizen__national_code", "citizen__mobile"
    ):
        strings |= {code, national_code, mobile}
    applications = LicenceApplication.objects.visible_to(a)
    for name, national_code in applications.values_list("office_name", "manager_national_code"):
        strings |= {name, national_code}
    if a.role == Role.AGENCY_ADMIN:
        # The workflows A reads that no service uses yet: ones A's agency has started.
        from pishkhan.catalog.models import Service
        from pishkhan.workflow.models import WorkflowDefinition

        unused = WorkflowDefinition.objects.visible_to(a).exclude(
            key__in=Service.objects.values("workflow_key")
        )
        strings |= set(unused.values_list("name_fa", flat=True))
    strings.discard("")
    if b.national_code:
        strings.discard(b.national_code)
    return Secrets(strings)


def state_of(a) -> dict[str, list]:
    """A's data that B's acts must leave as it is."""
    from pishkhan.accounts.models import User
    from pishkhan.cases.models import Attachment, DataAccess, ServiceRequest
    from pishkhan.feedback.models import Complaint, Rating
    from pishkhan.licensing.models import ApplicationDocument, CountyCapacity, LicenceApplication
    from pishkhan.offices.models import Office, OfficeService
    from pishkhan.payments.models import Invoice, Payment

    requests = ServiceRequest.objects.visible_to(a)
    offices = Office.objects.filter(pk__in=requests.values("office_id"))
    if a.office_id:
        offices = Office.objects.filter(pk=a.office_id)
    state = {
        "requests": list(requests.values_list("pk", "status", "version").order_by("pk")),
        "attachments": list(
            Attachment.objects.filter(request__in=requests).values_list("pk").order_by("pk")
        ),
        "access": [DataAccess.objects.filter(request__in=requests).count()],
        "invoices": list(Invoice.objects.filter(request__in=requests).values().order_by("pk")),
        "payments": list(
            Payment.objects.filter(invoice__request__in=requests).values().order_by("pk")
        ),
        "complaints": list(Complaint.objects.filter(request__in=requests).values().order_by("pk")),
        "ratings": list(Rating.objects.filter(request__in=requests).values().order_by("pk")),
        "offices": list(offices.values().order_by("pk")),
        "offerings": list(OfficeService.objects.filter(office__in=offices).values().order_by("pk")),
        "staff": list(
            User.objects.filter(office__in=offices).values_list("pk", "is_active").order_by("pk")
        ),
        "applications": list(LicenceApplication.objects.visible_to(a).values().order_by("pk")),
        "documents": [
            ApplicationDocument.objects.filter(
                application__in=LicenceApplication.objects.visible_to(a)
            ).count()
        ],
    }
    if a.agency_id:
        from pishkhan.catalog.models import Fee, Service
        from pishkhan.workflow.models import WorkflowDefinition

        services = Service.objects.filter(agency_id=a.agency_id)
        state["services"] = list(services.values().order_by("pk"))
        state["fees"] = list(Fee.objects.filter(service__in=services).values().order_by("pk"))
        state["workflows"] = [WorkflowDefinition.objects.count()]
    if a.province_id:
        state["capacity"] = list(
            CountyCapacity.objects.filter(county__province_id=a.province_id).values().order_by("pk")
        )
    return state


def tables_of(body: str) -> list[str]:
    return [CSRF.sub("", block) for block in TABLES.findall(body)]


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


class Checker:
    """B's client, asking; every answer read for A's secrets. Collects what went wrong."""

    def __init__(self, client: Client, secrets: Secrets) -> None:
        self.client = client
        self.secrets = secrets
        self.failures: list[str] = []
        self.requests = 0
        self.checked: dict[str, int] = {}

    def count(self, area: str) -> None:
        self.checked[area] = self.checked.get(area, 0) + 1

    def ask(self, method: str, url: str, data: dict | None = None, **extra):
        self.requests += 1
        answer = getattr(self.client, method)(url, data or {}, **extra)
        cache.clear()
        if answer.status_code >= 500:
            sent = str(data or "")[:200]
            self.failures.append(f"{method.upper()} {url} {sent}: {answer.status_code}")
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        answer.body = body
        return answer

    def expect_404(self, method: str, url: str, data: dict | None = None, **extra) -> None:
        answer = self.ask(method, url, data, **extra)
        self.no_secrets(url, answer.body)
        missing = missing_admin_object(url)
        if missing is not None:
            # Django's admin answers an object outside its list by going back to its index,
            # with a message that the id does not exist: its way of saying "not found". Exactly
            # that, as for an id that does not exist (decision 64): never a 403 that says the
            # object is there.
            expected = self.ask(method, missing, data, **extra)
            if (answer.status_code, answer.get("Location")) != (
                expected.status_code,
                expected.get("Location"),
            ) or (answer.status_code, answer.get("Location")) != (302, "/admin/"):
                self.failures.append(
                    f"{method.upper()} {url}: {answer.status_code} {answer.get('Location')}, "
                    f"for no such id {expected.status_code} {expected.get('Location')}"
                )
            return
        if answer.status_code != 404:
            self.failures.append(f"{method.upper()} {url}: {answer.status_code}, not 404")

    def no_secrets(self, url: str, body: bytes, baseline: bytes = b"") -> None:
        leaked = self.secrets.leaked(
            body.decode("utf-8", "replace"), baseline.decode("utf-8", "replace"), url
        )
        if leaked:
            self.failures.append(f"{url}: shows A's {sorted(leaked)}")

    def expect_own(self, url: str, baseline_url: str, baseline: bytes | None) -> None:
        """A tampered URL: a 4xx, or B's own page (nothing of A's; same tables; same CSV)."""
        answer = self.ask("get", url)
        if 400 <= answer.status_code < 500:
            self.no_secrets(url, answer.body)
            return
        if answer.status_code in (301, 302):
            target = answer["Location"]
            # Back to the same page (the admin's "?e=1" for a filter it does not know) or to a
            # page naming nothing says nothing.
            same = urlsplit(target).path in (urlsplit(url).path, urlsplit(baseline_url).path)
            if names_object(target) and not same:
                self.failures.append(f"GET {url}: redirected to {target}")
            return
        if answer.status_code != 200:
            self.failures.append(f"GET {url}: {answer.status_code}")
            return
        self.no_secrets(url, answer.body, baseline or b"")
        if baseline is None:
            return
        kind = answer.get("Content-Type", "")
        if kind.startswith("text/csv"):
            if csv_rows(answer.body) != csv_rows(baseline):
                self.failures.append(f"GET {url}: a different export than B's own")
        elif (
            kind.startswith("text/html")
            and not url.startswith("/admin/")  # a filter there narrows B's own list
            and tables_of(answer.body.decode()) != tables_of(baseline.decode())
        ):
            self.failures.append(f"GET {url}: different tables than B's own {baseline_url}")


MISSING_ID = "2000000000"  # no row of any table has it (and it fits a 32-bit key)


def missing_admin_object(url: str) -> str | None:
    """The same admin page of one object, for an id that does not exist; None for any other
    URL."""
    if not url.startswith("/admin/"):
        return None
    for slot in slots(url):
        if slot[1] in ("object_id", "pk"):
            return with_slot(url, slot, MISSING_ID)
    return None


def signed_in(username: str, users) -> Client:
    # A server error is a failure the checker names with what was sent (``Checker.ask``).
    client = Client(raise_request_exception=False)
    client.force_login(users[username])
    return client


def scope_values(user) -> dict[str, list[str]]:
    """A's places and organisations, to put into B's addresses."""
    from pishkhan.core.models import County
    from pishkhan.offices.models import Office

    values: dict[str, list[str]] = {}
    province_id = user.province_id or (user.office.province_id if user.office_id else None)
    if province_id:
        from pishkhan.core.models import Province

        province = Province.objects.get(pk=province_id)
        values["province"] = [province.sci_code, str(province.pk)]
        county = County.objects.filter(province=province).order_by("pk").first()
        values["county"] = [county.sci_code, str(county.pk)]
        office = Office.objects.filter(province=province).order_by("pk").first()
        if office:
            values["office"] = [office.licence_number, str(office.pk)]
    if user.office_id:
        values["office"] = [user.office.licence_number, str(user.office_id)]
    if user.agency_id:
        values["agency"] = [user.agency.code, str(user.agency_id)]
    return values


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-vs-{b}" for a, b in PAIRS])
def test_no_user_reaches_the_other_scope(pair, more_users):
    first, second = (more_users[name] for name in pair)
    crawls = {
        user.username: crawl(signed_in(user.username, more_users), user) for user in (first, second)
    }
    for user in (first, second):
        paths = {urlsplit(url).path for url in crawls[user.username].pages}
        for pattern in MUST_REACH.get(user.role, ()):
            assert any(re.fullmatch(pattern, path) for path in paths), (user.username, pattern)
    totals = []
    for a, b in ((first, second), (second, first)):
        checker = check_pair(a, b, crawls[a.username], crawls[b.username], more_users)
        totals.append(checker)
        assert not checker.failures, "\n".join(checker.failures)
    reached = sum(len(c.pages) for c in crawls.values())
    asked = sum(c.requests for c in totals) + sum(c.requests for c in crawls.values())
    print(pair, "pages", reached, "requests", asked, [c.checked for c in totals])
    assert reached >= 2  # both signed in and saw their pages
    assert asked < 800  # bounded: a pair is a few hundred requests


def check_pair(a, b, seen_a: Crawl, seen_b: Crawl, users) -> Checker:
    secrets = secrets_of(a, b)
    # A page of B's that links to one of A's objects (an admin list, a queue) shows it too.
    secrets.strings |= {
        urlsplit(url).path
        for url in seen_a.links - seen_b.links
        if names_object(urlsplit(url).path) and not url.startswith(PUBLIC)
    } - {urlsplit(url).path for url in seen_b.links}
    checker = Checker(signed_in(b.username, users), secrets)
    before = state_of(a)
    b_paths = {urlsplit(url).path for url in seen_b.links}
    # 1. B's own pages, as B's crawl found them: a list (the admin's) that shows one of A's
    # objects to B as B's own would hide it from the checks below, which ask only for what B
    # did not reach.
    for url in sorted(seen_b.pages):
        if not url.startswith(PUBLIC):
            checker.count("B's own pages")
            checker.no_secrets(url, seen_b.pages[url].encode())
    # 2. A's objects, asked for by B (a few of each kind: the checks are the same for all).
    mine = (u for u in seen_a.links - seen_b.links if names_object(u) and not u.startswith(PUBLIC))
    for url in sample(mine):
        path = urlsplit(url).path
        if path in b_paths or (nationwide(b) and route_of(url).startswith("insights:")):
            # B's own page with A's value in the query, or a place B's reach covers: an agency
            # administrator's dashboards of any province, with the agency's figures only.
            baseline = seen_b.pages.get(path)
            checker.count("A's value on B's page")
            checker.expect_own(url, path, baseline.encode() if baseline is not None else None)
        else:
            checker.count(area_of(url))
            checker.expect_404("get", url)
    # 3. Tampering: A's values in B's addresses.
    a_slots: dict[tuple[str, str], set[str]] = {}
    for url in seen_a.links:
        for slot, value in slots(url).items():
            a_slots.setdefault(slot, set()).add(value)
    b_slots: dict[tuple[str, str], set[str]] = {}
    for url in seen_b.links:
        for slot, value in slots(url).items():
            b_slots.setdefault(slot, set()).add(value)
    tampered: dict[str, str] = {}
    for url in sorted(seen_b.links):
        if url.startswith(PUBLIC):
            continue
        for slot in slots(url):
            for value in sorted(a_slots.get(slot, set()) - b_slots.get(slot, set()))[:1]:
                changed = with_slot(url, slot, value)
                if changed and changed not in seen_b.links:
                    tampered.setdefault(changed, url)
    theirs = scope_values(a)
    for url in sorted(seen_b.pages):
        if url.startswith(PUBLIC) or urlsplit(url).query:
            continue
        for key, values in theirs.items():
            for value in values:  # as a code and as an id: a view may read either
                tampered.setdefault(f"{url}?{urlencode({key: value})}", url)
    for url in sample(tampered):
        original = tampered[url]
        baseline = seen_b.pages.get(original)
        if DOWNLOAD.search(original) and "export=csv" in original:
            own = checker.ask("get", original)
            baseline_bytes = own.body if own.status_code == 200 else None
        else:
            baseline_bytes = baseline.encode() if baseline is not None else None
        checker.count("tampered")
        checker.expect_own(url, original, baseline_bytes)
    # 4. Acts on A's objects.
    for target in sample(seen_a.posts):
        fields = seen_a.posts[target]
        # Forms whose address names no object (filing a new request, with a prefilled value in
        # the query) act on nothing of A's.
        if target.startswith(PUBLIC) or target in seen_b.posts:
            continue
        if not names_object(urlsplit(target).path):
            continue
        checker.count("POST " + area_of(target))
        checker.expect_404("post", target, fields)
    for target in sample(t for t in seen_b.posts if not t.startswith(PUBLIC)):
        fields = seen_b.posts[target]
        a_fields = next(
            (f for t, f in seen_a.posts.items() if slots(t).keys() == slots(target).keys()), {}
        )
        # A's ids in B's own forms (an operator, a county, an inline row); not the counts of a
        # formset's rows, which name nothing.
        swaps = [
            (name, a_fields[name])
            for name, value in sorted(fields.items())
            if re.fullmatch(r"[0-9]+", a_fields.get(name, ""))
            and a_fields[name] != value
            and "FORMS" not in name
        ]
        for name, theirs_value in swaps[:PER_KIND]:
            checker.count("POST tampered")
            # Refused, or a form error (a server error is a failure, ``ask``): either way
            # nothing of A's may change (below).
            answer = checker.ask("post", target, {**fields, name: theirs_value})
            checker.no_secrets(target, answer.body)
    after = state_of(a)
    for key in before:
        if before[key] != after[key]:
            checker.failures.append(f"{b.username}'s requests changed {a.username}'s {key}")
    return checker


PER_KIND = 2


def route_of(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return urlsplit(url).path


def sample(urls) -> list[str]:
    """At most ``PER_KIND`` URLs of each route and set of query keys, in a stable order."""
    kept: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for url in sorted(urls):
        keys = tuple(sorted(k for k, _v in parse_qsl(urlsplit(url).query)))
        group = kept.setdefault((route_of(url), keys), [])
        if len(group) < PER_KIND:
            group.append(url)
    return [url for group in kept.values() for url in group]


def nationwide(user) -> bool:
    """Places are not this role's boundary: an agency administrator sees the agency's figures
    in every province (design.md: own agency, nationwide)."""
    from pishkhan.accounts.roles import Role

    return user.role == Role.AGENCY_ADMIN


def area_of(url: str) -> str:
    path = urlsplit(url).path
    for prefix, area in [
        ("/admin/", "admin"),
        ("/portal/", "portal"),
        ("/office/", "office"),
        ("/offices/manage/", "office management"),
        ("/agency/insights/", "insights"),
        ("/agency/", "agency"),
        ("/requests/", "attachments"),
        ("/licensing/", "licensing"),
        ("/regulator/", "licensing"),
        ("/receipts/", "payments"),
        ("/pay/", "payments"),
        ("/counter/", "payments"),
        ("/settlement/", "payments"),
        ("/feedback/", "feedback"),
        ("/certificates/", "education"),
        ("/province/", "insights"),
        ("/insights/", "insights"),
    ]:
        if path.startswith(prefix):
            return area
    return path


# --- the admin: another agency's object is answered as one that does not exist --------------


def _admin_object_urls(model_admin) -> list[tuple[str, str, str]]:
    """(name, argument, method) of each page of one object a ModelAdmin has: change, delete,
    history, and its own (the TOTP device's secret and QR code)."""
    found = []
    for pattern in model_admin.get_urls():
        arguments = list(getattr(pattern.pattern, "converters", {}))
        if pattern.name and len(arguments) == 1 and arguments[0] in ("object_id", "pk"):
            found.append((pattern.name, arguments[0], "get"))
            if pattern.name.endswith(("_change", "_delete")):
                found.append((pattern.name, arguments[0], "post"))
    return found


def _as_missing(body: bytes, url: str, missing_url: str, theirs: str, missing: str) -> str:
    """A page, with what B typed (the address, the id the admin's message repeats) said as for
    the missing id, and without the per-page tokens."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body.decode())
    text = text.replace(url, missing_url)
    for digits in (str, persian):  # the message quotes it: “…” in English, «…» in Persian
        for left, right in ("“”", "«»"):
            text = text.replace(left + digits(theirs) + right, left + digits(missing) + right)
    return text


def test_the_admin_answers_another_agencys_object_as_a_missing_one(more_users):
    """For every model in the admin and every page of one object (change, delete, history and a
    model's own, both GET and POST where they take one), B — an agency's administrator — gets
    for A's object exactly what it gets for an id that does not exist: the same status, the
    same redirect, the same page after it (the index, with the admin's "does not exist"
    message); never a 403 or a server error that says the object is there. A's object is one
    outside B's admin list; where that list is every row (B has no permission on the model),
    any row. A's second factor is made for the check (the demo has none)."""
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    a, b = more_users["agencyadmin-nocr"], more_users["agencyadmin-abfa"]
    TOTPDevice.objects.create(user=a, name="phone", confirmed=True)
    client = signed_in(b.username, more_users)
    asking = RequestFactory().get("/admin/")
    asking.user = b
    failures: list[str] = []
    checked: set[str] = set()
    for model, model_admin in admin.site._registry.items():
        rows = model._default_manager.order_by("pk")
        theirs = rows.exclude(pk__in=model_admin.get_queryset(asking).values("pk")).first()
        theirs = theirs or rows.first()
        if theirs is None:
            continue
        last = rows.last()
        missing = str(last.pk + 1000)
        for name, argument, method in _admin_object_urls(model_admin):
            their_url = reverse(f"admin:{name}", kwargs={argument: theirs.pk})
            missing_url = reverse(f"admin:{name}", kwargs={argument: missing})
            answers = []
            for url in (their_url, missing_url):
                answer = getattr(client, method)(url, follow=True)
                answers.append(
                    (
                        answer.status_code,
                        [target for target, _status in answer.redirect_chain],
                        _as_missing(
                            answer.content, their_url, missing_url, str(theirs.pk), missing
                        ),
                    )
                )
            checked.add(model._meta.label)
            (status, chain, body), missing_answer = answers
            if status >= 500 or (status, chain, body) != missing_answer:
                failures.append(
                    f"{method.upper()} {their_url}: {status} {chain}, but for no such id "
                    f"{missing_answer[0]} {missing_answer[1]}"
                )
    # The agency's own models (scoped lists) and one the agency may not open at all.
    assert {
        "catalog.Service",
        "catalog.Fee",
        "workflow.WorkflowDefinition",
        "otp_totp.TOTPDevice",
        "accounts.User",
    } <= checked
    assert not failures, "\n".join(failures)


def test_the_matrix_sees_an_admin_403(more_users, monkeypatch):
    """The admin's check has teeth: a ModelAdmin that lists every service and refuses another
    agency's by a per-object permission (403, where a missing id goes back to the index) fails
    the check B's requests for A's objects go through."""
    from django.contrib.admin import ModelAdmin

    from pishkhan.catalog.admin import ServiceAdmin
    from pishkhan.catalog.models import Service

    def per_object(self, request, obj=None):
        if obj is not None and not Service.objects.editable_by(request.user).contains(obj):
            return False
        return ModelAdmin.has_view_permission(self, request, obj)

    monkeypatch.setattr(ServiceAdmin, "get_queryset", ModelAdmin.get_queryset)
    monkeypatch.setattr(ServiceAdmin, "has_view_permission", per_object)
    monkeypatch.setattr(ServiceAdmin, "has_change_permission", per_object)
    theirs = Service.objects.filter(agency__code="nocr").order_by("pk").first()
    checker = Checker(signed_in("agencyadmin-abfa", more_users), Secrets(set()))
    checker.expect_404("get", f"/admin/catalog/service/{theirs.pk}/change/")
    assert checker.failures == [
        f"GET /admin/catalog/service/{theirs.pk}/change/: 403 None, for no such id 302 /admin/"
    ]


# --- the API: tokens of two agencies' systems, and of two offices' counter software ---------

API_PAIRS = [
    (("--agency", "nocr", "--province", "23"), ("--agency", "abfa", "--province", "10")),
    (("--agency", "nocr", "--province", "23"), ("--agency", "nocr", "--province", "07")),
    (
        ("--agency", "moe-sanjesh", "--province", "23", "--role", "assessment"),
        ("--agency", "moe-sanjesh", "--province", "10", "--role", "assessment"),
    ),
    (("--office", "23-1001"), ("--office", "10-2001")),
]


def api_client(*args: str) -> tuple[Client, object]:
    from django.core.management import call_command

    from pishkhan.api.models import ApiClient

    name = "scope " + " ".join(args)
    out = io.StringIO()
    call_command("api_client", "create", name, *args, stdout=out)
    token = re.search(r"Token \(shown once[^:]*\): (\S+)", out.getvalue()).group(1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, ApiClient.objects.get(name=name).user


def api_objects(user) -> list:
    """A's requests, read from the data (not through ``visible_to``): the agency's (and its child
    agencies') in the province, or the office's."""
    from django.db.models import Q

    from pishkhan.cases.models import ServiceRequest

    rows = ServiceRequest.objects.order_by("pk")
    if user.office_id:
        return list(rows.filter(office_id=user.office_id))
    rows = rows.filter(Q(agency_id=user.agency_id) | Q(agency__parent_id=user.agency_id))
    return list(rows.filter(province_id=user.province_id))


def json_404(answer) -> bool:
    if answer.status_code != 404:
        return False
    body = json.loads(answer.content)
    error = body["error"] if isinstance(body, dict) else body[0]
    return bool(error.get("message") or error.get("description"))


@pytest.mark.parametrize("pair", API_PAIRS, ids=["agencies", "provinces", "assessment", "offices"])
def test_no_token_reaches_another_scope(pair, settings):
    from pishkhan.cases.models import ServiceRequest

    settings.PISHKHAN_STAFF_OTP = False
    (client_a, a), (client_b, b) = api_client(*pair[0]), api_client(*pair[1])
    failures: list[str] = []
    checked = 0
    for mine, me, them in ((client_a, a, b), (client_b, b, a)):
        objects = api_objects(them)
        secrets = {item.tracking_code for item in objects} | {
            item.citizen.national_code for item in objects
        }
        before = state_of(them)
        office = bool(me.office_id)
        for item in objects[: PER_KIND * 2]:
            code = item.tracking_code
            attachment = item.attachments.order_by("pk").first()
            if office:
                asks = [
                    ("get", f"/api/v1/office/requests/{code}/", None),
                    (
                        "post",
                        f"/api/v1/office/requests/{code}/payment/",
                        {"method": "cash", "amount_rials": 1000},
                    ),
                ]
            else:
                asks = [
                    ("get", f"/api/v1/agency/requests/{code}/", None),
                    (
                        "post",
                        f"/api/v1/agency/requests/{code}/actions/",
                        {"action": "approve", "version": item.version, "comment": "x"},
                    ),
                    ("get", f"/open311/v2/requests/{code}.json", None),
                ]
                if attachment is not None:
                    asks.append(
                        ("get", f"/api/v1/agency/requests/{code}/documents/{attachment.pk}/", None)
                    )
            for method, url, data in asks:
                checked += 1
                if data is None:
                    answer = getattr(mine, method)(url)
                else:
                    answer = mine.post(url, data, content_type="application/json")
                if not json_404(answer):
                    failures.append(f"{me.username} {method.upper()} {url}: {answer.status_code}")
        if not office:
            # Lists: the queue in every state, filtered by A's services; Open311 by A's codes.
            services = sorted({item.service.code for item in objects})[:PER_KIND]
            lists = [
                f"/api/v1/agency/requests/?state={state}" for state in ("submitted", "approved")
            ]
            lists += [f"/api/v1/agency/requests/?service={code}" for code in services]
            codes = ",".join(item.tracking_code for item in objects[:10])
            lists += [
                "/open311/v2/requests.json",
                f"/open311/v2/requests.json?service_request_id={codes}",
            ]
            for url in lists:
                checked += 1
                answer = mine.get(url)
                shown = answer.content.decode()
                leaked = {s for s in secrets if s and s in shown and s not in url}
                if answer.status_code >= 500 or leaked:
                    failures.append(
                        f"{me.username} GET {url}: {answer.status_code} {sorted(leaked)}"
                    )
        if before != state_of(them):
            failures.append(f"{me.username} changed {them.username}'s requests")
        assert ServiceRequest.objects.filter(pk__in=[o.pk for o in objects]).count() == len(objects)
    print(pair, "API requests", checked)
    assert checked >= 4
    assert not failures, "\n".join(failures)


def test_the_matrix_sees_a_leak(more_users, monkeypatch):
    """The checks have teeth: with citizens' scoping broken (every request visible to every
    citizen), the citizens' pair fails — B opens A's request pages and sees A's tracking codes."""
    from pishkhan.accounts.roles import Role
    from pishkhan.cases.models import ServiceRequestQuerySet

    kept = ServiceRequestQuerySet.visible_to

    def leaky(self, user):
        if getattr(user, "role", None) == Role.CITIZEN:
            return self.all()
        return kept(self, user)

    a, b = more_users["9990000018"], more_users["9990000026"]
    seen_a = crawl(signed_in(a.username, more_users), a)
    seen_b = crawl(signed_in(b.username, more_users), b)
    monkeypatch.setattr(ServiceRequestQuerySet, "visible_to", leaky)
    failures = check_pair(a, b, seen_a, seen_b, more_users).failures
    assert any("/portal/requests/" in f and "not 404" in f for f in failures), failures


def test_the_matrix_sees_a_supervisors_leak(more_users, monkeypatch):
    """And for the supervisors' pair: with their scoping broken (every province's requests
    visible), B opens A's read-only request pages and the pair fails."""
    from pishkhan.accounts.roles import Role
    from pishkhan.cases.models import ServiceRequestQuerySet

    kept = ServiceRequestQuerySet.visible_to

    def leaky(self, user):
        if getattr(user, "role", None) == Role.PROVINCIAL_SUPERVISOR:
            return self.all()
        return kept(self, user)

    a, b = more_users["supervisor-tehran"], more_users["supervisor-isfahan"]
    seen_a = crawl(signed_in(a.username, more_users), a)
    seen_b = crawl(signed_in(b.username, more_users), b)
    monkeypatch.setattr(ServiceRequestQuerySet, "visible_to", leaky)
    failures = check_pair(a, b, seen_a, seen_b, more_users).failures
    assert any("/province/requests/" in f and "not 404" in f for f in failures), failures


# --- public by design: what each shows to anyone, and what it must not ----------------------


def persian(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _without_tokens(body: bytes) -> str:
    return CSRF.sub("", body.decode())


def test_public_pages_show_only_what_they_are_for(client, settings):
    """Tracking with A's right code and B's national code says exactly what an unknown code
    says (page, htmx fragment and API); verification pages of receipts and certificates, the
    office register and the sandbox gateway name no citizen (a certificate shows its holder's
    national code masked, by design)."""
    from pishkhan.accounts.models import User
    from pishkhan.cases.models import ServiceRequest
    from pishkhan.core.identifiers import new_tracking_code
    from pishkhan.education.models import Certificate
    from pishkhan.payments.models import Invoice, SandboxTransaction

    settings.PISHKHAN_TRACK_PER_MINUTE = settings.PISHKHAN_VERIFY_PER_MINUTE = 10**9
    a = User.objects.get(username="9990000018")
    b = User.objects.get(username="9990000026")
    theirs = ServiceRequest.objects.filter(citizen=a).order_by("pk").first()
    unknown = new_tracking_code()
    assert not ServiceRequest.objects.filter(tracking_code=unknown).exists()
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "track-answer"}
    for extra in ({}, htmx):
        answers = [
            client.post("/track/", {"tracking_code": code, "national_code": national}, **extra)
            for code, national in (
                (theirs.tracking_code, b.national_code),
                (unknown, b.national_code),
                (theirs.tracking_code, a.national_code),
            )
        ]
        wrong, nothing, right = answers
        assert wrong.status_code == nothing.status_code != 200
        # The form says back what was typed, in Persian digits: that is all it may say.
        said = _without_tokens(wrong.content).replace(
            persian(theirs.tracking_code), persian(unknown)
        )
        assert said.replace(theirs.tracking_code, unknown) == _without_tokens(nothing.content)
        assert right.status_code == 200 and theirs.service.name_fa in right.content.decode()
        assert theirs.service.name_fa not in wrong.content.decode()
        cache.clear()
    api = [
        client.post(
            "/api/v1/track/",
            {"tracking_code": code, "national_code": b.national_code},
            content_type="application/json",
        )
        for code in (theirs.tracking_code, unknown)
    ]
    assert api[0].status_code == api[1].status_code == 404
    assert api[0].json() == api[1].json()

    citizens = User.objects.filter(role="citizen")
    private = {c.national_code for c in citizens} | {c.mobile for c in citizens if c.mobile}
    private |= {c.last_name for c in citizens if c.last_name}
    pages = [
        f"/verify/{code}/"
        for code in Invoice.objects.exclude(verification_code="").values_list(
            "verification_code", flat=True
        )[:3]
    ]
    pages += ["/offices/23-1001/", "/offices/10-2001/", "/offices/?province=23"]
    pages += [
        f"/sandbox-gateway/{authority}/"
        for authority in SandboxTransaction.objects.values_list("authority", flat=True)[:2]
    ]
    assert len(pages) >= 6
    for url in pages:
        answer = client.get(url)
        assert answer.status_code == 200, url
        shown = {s for s in private if s in answer.content.decode()}
        assert not shown, (url, shown)
        cache.clear()
    for certificate in Certificate.objects.select_related("request__citizen")[:2]:
        answer = client.get(f"/verify/{certificate.verification_code}/")
        assert answer.status_code == 200
        assert certificate.request.citizen.national_code not in answer.content.decode()
