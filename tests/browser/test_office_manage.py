"""An office manager adds an operator (who sets a password from the SMS link and signs in) and
changes the office's fee for a service."""

import re

from playwright.sync_api import expect

from .conftest import assert_accessible, sign_in


def test_manager_adds_an_operator_and_sets_a_fee(page, browser, live_server_process):
    live = live_server_process
    sign_in(page, live.url, "manager-1001")
    page.get_by_role("link", name="مدیریت دفتر").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("مدیریت دفتر")
    assert_accessible(page)
    live.register_identity("0790419904", "09125550001", "سمیه", "نادری")
    page.locator("#id_op-first_name").fill("سمیه")
    page.locator("#id_op-last_name").fill("نادری")
    page.locator("#id_op-national_code").fill("0790419904")
    page.locator("#id_op-mobile").fill("09125550001")
    page.get_by_role("button", name="ساخت حساب").click()
    expect(page.locator(".alert-success")).to_contain_text("پیوند تعیین گذرواژه")

    row = page.locator('tr[data-service="nocr-single-status-certificate"]')
    row.get_by_label("کارمزد این دفتر").fill("۲۰۰۰۰۰")
    row.get_by_role("button", name="ذخیره").click()
    expect(page.locator(".alert-success")).to_contain_text("خدمات دفتر به‌روز شد")
    expect(
        page.locator('tr[data-service="nocr-single-status-certificate"] input[name=fee]')
    ).to_have_value("۲۰۰٬۰۰۰")  # shown as the office reads it

    sms = live.latest_sms("09125550001")
    username = re.search(r"(operator-[\d-]+)", sms).group(1)
    link = re.search(r"(/accounts/set-password/\S+)", sms).group(1)
    operator = browser.new_context(locale="fa-IR").new_page()
    operator.goto(live.url + link)
    operator.locator("#id_new_password1").fill("Operator-password-2026!")
    operator.locator("#id_new_password2").fill("Operator-password-2026!")
    operator.get_by_role("button", name="ذخیره گذرواژه").click()
    operator.get_by_label("نام کاربری").fill(username)
    operator.get_by_label("گذرواژه").fill("Operator-password-2026!")
    operator.get_by_role("button", name="ورود", exact=True).click()
    expect(operator.get_by_role("link", name="درخواست تازه")).to_be_visible()
    operator.context.close()


def test_a_refused_fee_is_marked_in_its_row_and_an_operator_is_deactivated(
    page, live_server_process
):
    live = live_server_process
    sign_in(page, live.url, "manager-1001")
    page.goto(live.url + "/offices/manage/")
    row = page.locator('tr[data-service="nocr-single-status-certificate"]')
    row.get_by_label("کارمزد این دفتر").fill("۹" * 23)
    row.locator("button[value=set_fee]").click()
    row = page.locator('tr[data-service="nocr-single-status-certificate"]')
    fee = row.get_by_label("کارمزد این دفتر")
    expect(fee).to_have_value("۹" * 23)  # what was typed, not the old fee
    expect(fee).to_have_attribute("aria-invalid", "true")
    expect(row.locator(".invalid-feedback")).to_contain_text("بیشتر از سقف")
    expect(page.locator(".alert-danger").first).to_contain_text("گواهی تجرد")
    assert "9223372036854775807" not in page.content()
    assert_accessible(page)

    # A new operator, then deactivated: marked in the list, and they cannot sign in.
    live.register_identity("0013542419", "09125550007", "رضا", "احمدی")
    page.locator("#id_op-first_name").fill("رضا")
    page.locator("#id_op-last_name").fill("احمدی")
    page.locator("#id_op-national_code").fill("0013542419")
    page.locator("#id_op-mobile").fill("09125550007")
    page.get_by_role("button", name="ساخت حساب").click()
    username = re.search(r"operator-[\d-]+", page.locator(".alert-success").inner_text()).group(0)
    page.get_by_role("button", name=f"غیرفعال کردن {username}").click()
    expect(page.locator(".alert-success")).to_contain_text("غیرفعال شد")
    member = page.locator(f'.staff-list li[data-username="{username}"]')
    expect(member.locator(".staff-inactive")).to_be_visible()
    expect(member.get_by_role("button", name=f"فعال کردن دوباره {username}")).to_be_visible()
    assert_accessible(page)
