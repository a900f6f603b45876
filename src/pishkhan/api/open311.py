"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the catalogue and, for
agencies' systems, their requests: so tools built for the standard — city dashboards, 311
clients, analytics — read Pishkhan without a line written for it. docs/api.md, "Open311";
decision 40.

What maps, and what does not:

* **Services** are the catalogue's active services; a service's **definition** is its declared
  form fields as Open311 attributes (documents are not attributes: GeoReport v2 has no upload).
* **Service requests** are personal cases here, not public reports of potholes. So unlike a
  city's Open311 they are not public: ``requests`` and ``requests/<id>`` answer only an API
  client (``api_key``, or ``Authorization: Bearer``), within its scope (``visible_to``), and
  carry no name, national code or form. ``service_request_id`` is the tracking code.
* **Filing** (``POST requests``) is not open here: 501, saying where to file (an office's
  system files through ``/api/v1/office/requests/``, where the citizen's identity is checked
  and documents are uploaded; GeoReport v2 has neither).
* Both formats the standard names: XML (its default) and JSON; errors in its own shape,
  ``[{"code": 404, "description": "…"}]``, in the active language like the rest of the API.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pishkhan.accounts.roles import AGENCY_ROLES
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.selectors import agency_queue, with_workflows
from pishkhan.catalog.models import FieldKind, FormField, Service
from pishkhan.core.i18n import active_language
from pishkhan.core.identifiers import is_valid_tracking_code
from pishkhan.workflow.models import WorkflowDefinition

from .models import ApiClient

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"  # when these addresses last changed
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# In XML a list is an element holding one element per item: <services><service>…
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
WINDOW = dt.timedelta(days=90)  # the standard's default span of a query
MAX_PAGE_SIZE = 1000  # and its default number of requests
MAX_IDS = 100
TEHRAN = ZoneInfo("Asia/Tehran")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- answers in XML or JSON --------------------------------------------------------------


# Characters XML 1.0 cannot carry at all (ElementTree would write them, and no parser reads them).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return NOT_IN_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    else:
        element.text = _text(value)


def answer(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under ``root`` (lists become one element per item)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, default=_text).encode()
    else:
        element = ET.Element(root)
        _fill(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, "utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    response = answer(fmt, "errors", [{"code": status, "description": description}], status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def format_of(path: str) -> str:
    """The format an address under /open311/ asks for; XML (the standard's default) if none."""
    return "json" if path.rstrip("/").endswith(".json") else "xml"


def endpoint(
    methods: tuple[str, ...] = ("GET", "HEAD"),
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """An Open311 address: the methods it takes, the jurisdiction check, errors in its shape.
    No cookies are read, so no CSRF token is asked of other systems' POSTs."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        _("This address does not accept the %(method)s method.")
                        % {"method": request.method},
                    )
                jurisdiction = request.GET.get("jurisdiction_id")
                if jurisdiction not in (None, "", settings.PISHKHAN_OPEN311_JURISDICTION):
                    raise Open311Error(
                        404,
                        _("This server answers for the jurisdiction %(jurisdiction)s only.")
                        % {"jurisdiction": settings.PISHKHAN_OPEN311_JURISDICTION},
                    )
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)

        return wrapper

    return decorator


# --- discovery and services ----------------------------------------------------------------


@endpoint()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    site = settings.PISHKHAN_SITE_URL
    return answer(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": f"{site}/",
            "key_service": _(
                "Keys are API clients' tokens, given to agencies' systems by the national "
                "administrator (pishkhan api-client create)."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{site}/open311/v2",
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _services() -> QuerySet[Service]:
    fields = FormField.objects.exclude(kind=FieldKind.FILE)
    return (
        Service.objects.active()
        .select_related("agency")
        .prefetch_related(Prefetch("fields", queryset=fields, to_attr="declared"))
        .order_by("agency__code", "code")
    )


def _by_language(obj: Any, name: str, language: str) -> str:
    return str(getattr(obj, f"{name}_{language}") or getattr(obj, f"{name}_fa"))


@endpoint()
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    language = active_language()
    return answer(
        fmt,
        "services",
        [
            {
                "service_code": service.code,
                "service_name": _by_language(service, "name", language),
                "description": _by_language(service, "description", language),
                "metadata": bool(service.declared),  # type: ignore[attr-defined]
                "type": "realtime",  # a request gets its tracking code when filed
                "keywords": "",
                "group": _by_language(service.agency, "name", language),
            }
            for service in _services()
        ],
    )


def _datatype(field: FormField) -> tuple[str, str]:
    """Open311's datatype for a declared field, and what its values look like."""
    if field.kind == FieldKind.CHOICE:
        return "singlevaluelist", ""
    if field.kind == FieldKind.NUMBER:
        if field.min_value is not None and field.max_value is not None:
            return "number", _("A whole number from %(minimum)s to %(maximum)s.") % {
                "minimum": field.min_value,
                "maximum": field.max_value,
            }
        return "number", _("A whole number.")
    shapes = {
        FieldKind.JALALI_DATE: _("A Jalali (Solar Hijri) date, YYYY/MM/DD."),
        FieldKind.NATIONAL_CODE: _("A national code: 10 digits."),
        FieldKind.MOBILE: _("A mobile number: 11 digits starting 09."),
        FieldKind.POSTAL_CODE: _("A postal code: 10 digits."),
    }
    if field.kind in shapes:
        return "string", str(shapes[FieldKind(field.kind)])
    long_text = field.max_length is None or field.max_length > 255
    return ("text" if long_text else "string"), ""


def _attribute(field: FormField, order: int, language: str) -> dict[str, Any]:
    datatype, shape = _datatype(field)
    help_text = _by_language(field, "help", language)
    attribute: dict[str, Any] = {
        "variable": True,
        "code": field.key,
        "datatype": datatype,
        "required": field.is_required,
        "datatype_description": " ".join(part for part in (shape, help_text) if part),
        "order": order,
        "description": _by_language(field, "label", language),
    }
    if datatype == "singlevaluelist":
        attribute["values"] = [
            {"key": choice["value"], "name": choice.get(f"label_{language}") or choice["label_fa"]}
            for choice in field.choices
        ]
    return attribute


@endpoint()
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = _services().filter(code=code).first() if len(code) <= 80 else None
    if service is None:
        raise Open311Error(404, _("No active service has this code."))
    language = active_language()
    declared = service.declared  # type: ignore[attr-defined]
    return answer(
        fmt,
        "service_definition",
        {
            "service_code": service.code,
            "attributes": [
                _attribute(field, order, language) for order, field in enumerate(declared, 1)
            ],
        },
    )


# --- service requests: for API clients, in their scope ---------------------------------------


def _client(request: HttpRequest) -> Any:
    """The API client's service account, from ``api_key`` or ``Authorization: Bearer``."""
    token = request.GET.get("api_key", "")
    header = request.headers.get("Authorization", "").split()
    if not token and len(header) == 2 and header[0].lower() == "bearer":
        token = header[1]
    if not token:
        raise Open311Error(
            401,
            _(
                "Service requests are personal: this address needs an API client's key "
                "(api_key=… or Authorization: Bearer …)."
            ),
        )
    client = ApiClient.objects.for_token(token)
    if client is None:
        raise Open311Error(403, _("This token is not valid or was revoked."))
    if client.user.role not in AGENCY_ROLES:
        raise Open311Error(403, _("This client is not an agency's system."))
    return client.user


def _moment(request: HttpRequest, name: str) -> dt.datetime | None:
    given = request.GET.get(name, "").strip()
    if not given:
        return None
    try:  # the parsers raise ValueError for a well-formed impossible date (2026-13-45)
        moment = parse_datetime(given) if "T" in given else None
        day = None if moment else parse_date(given) if len(given) == 10 else None
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise Open311Error(
            400,
            _("%(name)s must be an ISO 8601 date-time, e.g. %(example)s.")
            % {"name": name, "example": "2026-12-01T08:30:00+03:30"},
        )
    if day is not None:
        moment = dt.datetime.combine(day, dt.time(), TEHRAN)
    assert moment is not None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=TEHRAN)


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _("end_date comes before start_date."))
    if end - start > WINDOW:
        raise Open311Error(400, _("Ask for at most 90 days at a time."))
    return start, end


def _whole(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    given = request.GET.get(name, "").strip()
    if not given:
        return default
    if not given.isascii() or not given.isdigit() or not 1 <= int(given) <= maximum:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(maximum)s.")
            % {"name": name, "maximum": maximum},
        )
    return int(given)


def _codes(request: HttpRequest, name: str) -> list[str]:
    return [code.strip() for code in request.GET.get(name, "").split(",") if code.strip()]


def _tracking_codes(request: HttpRequest) -> list[str]:
    codes = [code.replace("-", "") for code in _codes(request, "service_request_id")]
    if len(codes) > MAX_IDS:
        raise Open311Error(
            400, _("Ask for at most %(count)s requests at a time.") % {"count": MAX_IDS}
        )
    bad = [code for code in codes if not is_valid_tracking_code(code)]
    if bad:
        raise Open311Error(
            400, _("Not a tracking code: %(codes)s.") % {"codes": ", ".join(bad[:5])}
        )
    return codes


def _visible(user: Any) -> QuerySet[ServiceRequest]:
    # visible_to, with the agencies also as a list of ids, so PostgreSQL can use an index.
    return (
        agency_queue(user)
        .select_related("service", "agency")
        .only(
            "tracking_code",
            "status",
            "submitted_at",
            "updated_at",
            "sla_due_on",
            "workflow_id",
            "service__code",
            "service__name_fa",
            "service__name_en",
            "agency__name_fa",
            "agency__name_en",
        )
    )


def _request(item: ServiceRequest, language: str) -> dict[str, Any]:
    definition = item.definition
    due = dt.datetime.combine(item.sla_due_on, dt.time(23, 59, 59), TEHRAN)
    return {
        "service_request_id": item.tracking_code,
        "status": "closed" if item.status in definition.final else "open",
        "status_notes": definition.state_label(item.status, language),
        "service_name": _by_language(item.service, "name", language),
        "service_code": item.service.code,
        "description": "",
        "agency_responsible": _by_language(item.agency, "name", language),
        "service_notice": "",
        "requested_datetime": item.submitted_at,
        "updated_datetime": item.updated_at,
        "expected_datetime": due,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def _answer_requests(fmt: str, items: list[ServiceRequest]) -> HttpResponse:
    language = active_language()
    rows = [_request(item, language) for item in with_workflows(items)]
    return answer(fmt, "service_requests", rows)


@endpoint(methods=("GET", "HEAD", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        raise Open311Error(
            501,
            _(
                "Filing through Open311 is not open: citizens file at a counter office or "
                "online at /portal/, and offices' systems at /api/v1/office/requests/."
            ),
        )
    user = _client(request)
    found = _visible(user)
    codes = _tracking_codes(request)
    if codes:  # the standard: service_request_id overrides every other argument
        return _answer_requests(fmt, list(found.filter(tracking_code__in=codes)))
    start, end = _window(request)
    found = found.filter(submitted_at__gte=start, submitted_at__lte=end)
    if service_codes := _codes(request, "service_code"):
        found = found.filter(service__code__in=[code[:80] for code in service_codes])
    statuses = set(_codes(request, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status is open, closed, or both (open,closed)."))
    if len(statuses) == 1:
        closed = _closed()
        found = found.filter(closed) if "closed" in statuses else found.exclude(closed)
    page_size = _whole(request, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = _whole(request, "page", 1, 1_000_000)
    start_at = (page - 1) * page_size
    return _answer_requests(
        fmt, list(found.order_by("-submitted_at", "-pk")[start_at : start_at + page_size])
    )


def _closed() -> Q:
    """Requests in a final state of their own workflow version: open or closed is the
    workflow's, not a column, and the versions are few."""
    by_final: dict[frozenset[str], list[int]] = {}
    for pk in WorkflowDefinition.objects.values_list("pk", flat=True):
        final = WorkflowDefinition.parsed_by_id(pk).final
        by_final.setdefault(final, []).append(pk)
    closed = Q(pk__in=[])
    for final, ids in by_final.items():
        closed |= Q(workflow_id__in=ids, status__in=sorted(final))
    return closed


@endpoint()
def request_detail(request: HttpRequest, fmt: str, tracking_code: str) -> HttpResponse:
    user = _client(request)
    code = tracking_code.replace("-", "")
    item = _visible(user).filter(tracking_code=code).first() if code.isdigit() else None
    if item is None or len(code) != 12:
        # Outside the scope is the same answer as unknown.
        raise Open311Error(404, _("No request in your scope has this tracking code."))
    return _answer_requests(fmt, [item])


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other address under /open311/, whatever the method."""
    return error(format_of(request.path), 404, _("Nothing was found at this address."))
