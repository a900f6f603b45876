"""Sign in over HTTP the way people do, and hand the load generators what they need.

    sessions.py BASE_URL OUTFILE

Writes OUTFILE as shell variables (sourced by run.sh, read by the wrk scripts through the
environment): the operator's session, CSRF token and the counter form of the bench service for a
citizen identified at the counter; the Tehran civil-registration officer's session; a citizen's
session from the one-time-code sign-in of the portal (the code is read from the SMS outbox, as the
demo's SMS backend keeps it there); the form fields of each submit page. A page that does not
answer as expected stops the bench with the reason, except the portal, which is reported as not
measured.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request

SERVICE = "gas-meter-test"
PASSWORD = "pishkhan-demo-1405"
# Values for the bench service's declared fields (by key); any other required field stops the run.
FIELD_VALUES = {"subscription_number": "12345", "current_reading": "100", "meter_serial": ""}
COUNTER_CITIZEN = ("9990000115", "09121000011")  # in the identity registry, filed for at 1001
PORTAL_CITIZEN = ("9990000018", "09121000001")  # demo citizen (Tehran) signing in online
OTP_PATH = "/accounts/login/code/"  # the staff sign-in's second step


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode(errors="replace")

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        if not self.cookie("csrftoken"):
            self.request(path)
        return self.request(path, {"csrfmiddlewaretoken": self.cookie("csrftoken"), **data})

    def staff_login(self, username: str) -> None:
        """Password, then the TOTP code of the device prepare.py gave them (staff's second
        factor is on in the bench, as in production)."""
        self.request("/accounts/login/")
        status, location, _ = self.post_form(
            "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        if status == 302 and urllib.parse.urlparse(location).path == OTP_PATH:
            status, location, _ = self.post_form(OTP_PATH, {"token": totp_code(username)})
            if status != 302 or urllib.parse.urlparse(location).path == OTP_PATH:
                sys.exit(f"sessions: {username}'s TOTP code was refused (HTTP {status})")
        if status != 302 or not self.cookie("sessionid"):
            sys.exit(f"sessions: {username} could not sign in (HTTP {status})")

    def cookie_header(self) -> str:
        return f"sessionid={self.cookie('sessionid')}; csrftoken={self.cookie('csrftoken')}"


def form_fields(html: str, path: str) -> tuple[list[str], str]:
    """(field=value pairs, the mandatory document fields) of the bench service's form page."""
    names = sorted(set(re.findall(r'name="(field_[\w]+)"', html)))
    documents = [
        re.search(r'name="(document_\d+)"', tag).group(1)  # type: ignore[union-attr]
        for tag in re.findall(r'<input[^>]*name="document_\d+"[^>]*>', html)
        if re.search(r"\srequired[\s>/=]", tag)
    ]
    if not documents:
        sys.exit(f"sessions: {path} shows no mandatory document field")
    pairs = []
    for name in names:
        key = name.removeprefix("field_")
        if key in FIELD_VALUES:
            value = FIELD_VALUES[key]
        else:
            select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
            options = re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []
            if not options:
                sys.exit(f"sessions: no value for the field {key} of {SERVICE}")
            value = options[0]
        if value:
            pairs.append(f"{name}={value}")
    return pairs, " ".join(documents)


def totp_code(username: str) -> str:
    """The current code of the user's TOTP device (made by ``prepare.py devices``)."""
    import psycopg
    from django_otp.oath import totp

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        row = connection.execute(
            "SELECT d.key, d.step, d.t0, d.digits FROM otp_totp_totpdevice d"
            " JOIN accounts_user u ON u.id = d.user_id"
            " WHERE u.username = %s AND d.confirmed ORDER BY d.id LIMIT 1",
            [username],
        ).fetchone()
    if row is None:
        sys.exit(f"sessions: {username} has no TOTP device (prepare.py devices)")
    key, step, t0, digits = row
    return f"{totp(bytes.fromhex(key), step=step, t0=t0, digits=digits):0{digits}d}"


def outbox_code(mobile: str) -> str:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        row = connection.execute(
            "SELECT body FROM notify_outboxmessage WHERE recipient = %s ORDER BY id DESC LIMIT 1",
            [mobile],
        ).fetchone()
    found = re.search(r"\d{6}", row[0] if row else "")
    return found.group(0) if found else ""


def main() -> None:
    base, outfile = sys.argv[1], sys.argv[2]
    out: dict[str, str] = {}

    # The counter: operator-1001 identifies a citizen and opens the bench service's form.
    operator = Browser(base)
    operator.staff_login("operator-1001")
    status, location, _ = operator.post_form(
        "/office/new/", {"national_code": COUNTER_CITIZEN[0], "mobile": COUNTER_CITIZEN[1]}
    )
    if status != 302:
        sys.exit(f"sessions: identifying the citizen at the counter answered HTTP {status}")
    path = urllib.parse.urlparse(location).path + f"{SERVICE}/"
    status, _, html = operator.request(path)
    if status != 200:
        sys.exit(f"sessions: the counter form {path} answered HTTP {status}")
    fields, document = form_fields(html, path)
    out.update(
        BENCH_OFFICE_PATH=path,
        BENCH_OFFICE_COOKIE=operator.cookie_header(),
        BENCH_OFFICE_CSRF=operator.cookie("csrftoken"),
        BENCH_OFFICE_FIELDS="&".join(fields),
        BENCH_OFFICE_DOCUMENT=document,
    )

    # The back office: the Tehran civil-registration officer's queue.
    officer = Browser(base)
    officer.staff_login("officer-nocr-tehran")
    status, _, html = officer.request("/agency/")
    if status != 200 or "agency-queue" not in html:
        sys.exit(f"sessions: the officer's queue answered HTTP {status}")
    out.update(BENCH_QUEUE_COOKIE=officer.cookie_header())

    # Public tracking: only a CSRF cookie.
    visitor = Browser(base)
    status, _, _ = visitor.request("/track/")
    if status != 200 or not visitor.cookie("csrftoken"):
        sys.exit(f"sessions: /track/ answered HTTP {status} without a CSRF cookie")
    out.update(BENCH_TRACK_CSRF=visitor.cookie("csrftoken"))

    # The portal: a citizen signs in with a one-time code and opens the same service online.
    out.update(portal(base))

    with open(outfile, "w", encoding="utf-8") as handle:
        for name, value in out.items():
            handle.write(f"export {name}={shlex.quote(value)}\n")
    print(
        "sessions: operator, officer, visitor" + (", citizen" if "BENCH_PORTAL_PATH" in out else "")
    )


def portal(base: str) -> dict[str, str]:
    citizen = Browser(base)
    status, _, _ = citizen.request("/portal/login/")
    if status != 200:
        return {"BENCH_PORTAL_SKIP": f"/portal/login/ answered HTTP {status}"}
    status, location, _ = citizen.post_form(
        "/portal/login/", {"national_code": PORTAL_CITIZEN[0], "mobile": PORTAL_CITIZEN[1]}
    )
    if status != 302:
        return {"BENCH_PORTAL_SKIP": f"requesting a sign-in code answered HTTP {status}"}
    code = outbox_code(PORTAL_CITIZEN[1])
    if not code:
        return {"BENCH_PORTAL_SKIP": "no one-time code in the SMS outbox"}
    code_path = urllib.parse.urlparse(location).path or "/portal/login/code/"
    status, _, _ = citizen.post_form(code_path, {"code": code})
    if status != 302:
        return {"BENCH_PORTAL_SKIP": f"entering the one-time code answered HTTP {status}"}
    path = f"/portal/new/{SERVICE}/"
    status, _, html = citizen.request(path)
    if status != 200:
        return {"BENCH_PORTAL_SKIP": f"the online form {path} answered HTTP {status}"}
    fields, document = form_fields(html, path)
    return {
        "BENCH_PORTAL_PATH": path,
        "BENCH_PORTAL_COOKIE": citizen.cookie_header(),
        "BENCH_PORTAL_CSRF": citizen.cookie("csrftoken"),
        "BENCH_PORTAL_FIELDS": "&".join(fields),
        "BENCH_PORTAL_DOCUMENT": document,
    }


if __name__ == "__main__":
    main()
