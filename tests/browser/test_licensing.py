"""Licensing journeys: apply → review → approve → the new office files a request; a refusal for
lack of capacity; a suspended office blocked at the counter."""

import datetime as dt
import re

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.jalali import format_jalali_date, format_jalali_numeric
from pishkhan.core.text import to_persian_digits

from .conftest import assert_accessible, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def citizen_sign_in(page, live, seed, mobile, next_path):
    page.goto(live.url + next_path)
    page.get_by_label("کد ملی").fill(demo_national_code(seed))
    page.get_by_label("شماره تلفن همراه").fill(mobile)
    page.get_by_role("button", name="ارسال کد").click()
    code = re.search(r"(\d{6})", live.latest_sms(mobile)).group(1)
    page.get_by_label(re.compile("کد ۶ رقمی")).fill(code)
    page.get_by_role("button", name="ورود", exact=True).click()


def apply_in(page, live, county_label, name, tmp_dir, seed=5, mobile="09141000005"):
    citizen_sign_in(page, live, seed, mobile, "/licensing/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("درخواست پروانه دفتر پیشخوان")
    page.get_by_label("نام پیشنهادی دفتر").fill(name)
    page.get_by_label(re.compile("^نوع")).select_option("urban")
    page.get_by_label("بهره‌بردار").select_option("company")
    page.get_by_label("نام شرکت").fill("شرکت خدمات نوین")
    page.get_by_label(re.compile("^شناسه ملی")).fill(
        "۱۰۱۹۹۳۴۵۶۷" + to_persian_digits(_check("1019934567"))
    )
    page.get_by_label("کد ملی مدیر").fill(demo_national_code(seed))
    page.get_by_label("تلفن همراه مدیر").fill(mobile)
    page.get_by_label(re.compile("^شهرستان")).select_option(label=county_label)
    card = tmp_dir / "card.pdf"
    card.write_bytes(PDF)
    page.get_by_label(re.compile("کارت ملی مدیر")).set_input_files(str(card))
    page.get_by_label(re.compile("^آگهی ثبت")).set_input_files(str(card))
    valid = format_jalali_numeric(dt.date.today() + dt.timedelta(days=365))
    page.get_by_label(re.compile("اعتبار آگهی")).fill(valid)
    page.get_by_label(re.compile("^نشانی")).fill("خیابان اصلی، پلاک ۱۰")
    page.get_by_label("کد پستی").fill("3351612345")
    page.locator("#id_phone").fill("02165000000")
    assert_accessible(page)
    page.get_by_role("button", name="ثبت درخواست").click()
    expect(page.locator(".application-status")).to_have_text("ثبت‌شده")
    return page.url


def _check(first_ten):
    from pishkhan.core.identifiers import legal_entity_check_digit

    return str(legal_entity_check_digit(first_ten))


def review(browser, live, application_url):
    ict = browser.new_context(locale="fa-IR").new_page()
    sign_in(ict, live.url, "ict-tehran")
    ict.goto(application_url)
    # The reviewer sees the manager's identity and opens the applicant's documents.
    expect(ict.locator(".manager-national-code")).to_have_text(re.compile("^[۰-۹]{10}$"))
    documents = ict.locator(".application-documents a")
    expect(documents).to_have_count(2)
    expect(ict.locator(".document-valid-until")).to_contain_text("معتبر تا")
    opened = ict.context.request.get(live.url + documents.first.get_attribute("href"))
    assert opened.ok and opened.headers["content-type"] == "application/pdf"
    assert opened.body() == PDF
    ict.get_by_role("button", name="شروع بررسی").click()
    ict.get_by_label(re.compile("توضیح یا علت")).fill("بازدید انجام شد؛ محل و تجهیزات مناسب است.")
    ict.get_by_role("button", name="ثبت نتیجه بازدید").click()
    expect(ict.locator(".application-status")).to_have_text("بازدید محل انجام شد")
    ict.context.close()


def test_apply_review_approve_then_the_new_office_files(
    page, browser, live_server_process, tmp_path
):
    live = live_server_process
    url = apply_in(page, live, "تهران — شهریار", "دفتر پیشخوان دولت شهریار مرکزی", tmp_path)
    review(browser, live, url)
    regulator = browser.new_context(locale="fa-IR").new_page()
    sign_in(regulator, live.url, "regulator")
    regulator.goto(url)
    assert_accessible(regulator)
    regulator.get_by_role("button", name="تایید و صدور پروانه").click()
    expect(regulator.locator(".application-status")).to_have_text("تاییدشده و پروانه صادرشده")
    licence = regulator.locator(".licence-number").inner_text()
    regulator.context.close()

    # The manager sets a password from the SMS link, signs in and files at the new counter.
    sms = live.latest_sms("09141000005")
    username = re.search(r"(manager-[\d-]+)", sms).group(1)
    link = re.search(r"(/accounts/set-password/\S+)", sms).group(1)
    manager = browser.new_context(locale="fa-IR").new_page()
    manager.goto(live.url + link)
    manager.locator("#id_new_password1").fill("Counter-office-2026!")
    manager.locator("#id_new_password2").fill("Counter-office-2026!")
    assert_accessible(manager)
    manager.get_by_role("button", name="ذخیره گذرواژه").click()
    manager.get_by_label("نام کاربری").fill(username)
    manager.get_by_label("گذرواژه").fill("Counter-office-2026!")
    manager.get_by_role("button", name="ورود", exact=True).click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("شهریار مرکزی")
    manager.get_by_role("link", name="درخواست تازه").click()
    manager.get_by_label("کد ملی").fill(demo_national_code(13))
    manager.get_by_label("شماره تلفن همراه").fill("09131000013")
    manager.get_by_role("button", name="بررسی و ادامه").click()
    manager.get_by_role("link", name="صدور گواهی تجرد").click()
    # The click does not wait for the form's page; reading its fields before it has
    # loaded found none, and the empty form was refused (a CI failure on 7564a67).
    expect(manager.get_by_role("heading", level=1)).to_have_text("صدور گواهی تجرد")
    for select in manager.locator("select").all():
        select.select_option(index=1)
    for box in manager.locator("input[type=text]:not([name=idempotency_key])").all():
        if not box.input_value():
            box.fill("نمونه")
    document = tmp_path / "doc.pdf"
    document.write_bytes(PDF)
    for upload in manager.locator("input[type=file]").all():
        upload.set_input_files(str(document))
    manager.get_by_role("button", name="ثبت درخواست").click()
    expect(manager.locator(".request-status")).to_have_text("ثبت‌شده")
    assert licence.startswith("۲۳-")
    manager.context.close()


def test_approval_refused_for_lack_of_capacity(page, browser, live_server_process, tmp_path):
    live = live_server_process
    url = apply_in(
        page, live, "تهران — تهران", "دفتر پیشخوان دولت تهران مرکز", tmp_path, 4, "09151000004"
    )
    review(browser, live, url)
    regulator = browser.new_context(locale="fa-IR").new_page()
    sign_in(regulator, live.url, "regulator")
    regulator.goto(url)
    expect(regulator.locator(".capacity-state")).to_contain_text("تکمیل")
    regulator.get_by_role("button", name="تایید و صدور پروانه").click()
    expect(regulator.locator(".alert-danger").first).to_contain_text("ظرفیت شهرستان تهران")
    expect(regulator.locator(".application-status")).to_have_text("بازدید محل انجام شد")
    regulator.context.close()


def test_a_suspended_office_is_blocked_at_the_counter(page, browser, live_server_process):
    live = live_server_process
    sign_in(page, live.url, "regulator")
    page.goto(live.url + "/regulator/offices/10-2001/")
    page.get_by_label("علت").first.fill("اضافه‌دریافت از شهروندان")
    until_date = dt.date.today() + dt.timedelta(days=14)
    until = format_jalali_numeric(until_date)
    page.get_by_label("تعلیق تا تاریخ").fill(to_persian_digits(until))
    assert_accessible(page)
    page.get_by_role("button", name="تعلیق پروانه").click()
    expect(page.locator(".office-status")).to_have_text("تعلیق‌شده")

    operator = browser.new_context(locale="fa-IR").new_page()
    sign_in(operator, live.url, "operator-2001")
    # Said once: the status with its end date and the reason; no way into a new request.
    expect(operator.locator(".office-blocked")).to_contain_text(
        "وضعیت پروانه: تعلیق‌شده تا " + format_jalali_date(until_date) + ". علت: اضافه‌دریافت"
    )
    expect(operator.get_by_role("link", name="درخواست تازه")).to_have_count(0)
    # Even typed in, the first step asks the identity registry nothing and shows no form.
    operator.goto(live.url + "/office/new/")
    expect(operator.locator(".office-blocked")).to_contain_text("این دفتر نمی‌تواند درخواست ثبت کند")
    expect(operator.get_by_label("کد ملی")).to_have_count(0)
    assert_accessible(operator)
    operator.context.close()


def test_regulator_runs_the_ranking(page, live_server_process):
    sign_in(page, live_server_process.url, "regulator")
    page.get_by_role("link", name="رتبه‌بندی دفاتر").click()
    page.get_by_role("button", name="اجرای رتبه‌بندی شش ماه گذشته").click()
    expect(page.locator(".alert-success")).to_contain_text("رتبه‌بندی انجام شد")
    expect(page.locator(".ranking-table tbody tr").first).to_be_visible()
    ranks = page.locator(".office-rank").all_inner_texts()
    assert set(ranks) <= {"۱", "۲", "۳"} and "۱" in ranks
    assert_accessible(page)
