"""Take the README screenshot from a running demo (`make run`), signing in the way a newcomer
does: ask for a link, open it from /dev/mail, confirm. Usage: screenshot.py BASE_URL OUT.png [EMAIL]"""

import os
import sys

from playwright.sync_api import sync_playwright


def _mails_to(page, base: str, email: str):
    page.goto(f"{base}/dev/mail")
    return page.locator("tbody tr", has_text=email)


def sign_in_through_dev_mailbox(page, base: str, email: str) -> None:
    before = _mails_to(page, base, email).count()
    page.goto(f"{base}/login")
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    for _ in range(40):  # the worker sends within a second or two
        rows = _mails_to(page, base, email)
        if rows.count() > before:
            break
        page.wait_for_timeout(250)
    rows.first.get_by_role("link").click()
    page.locator("pre a").first.click()
    page.get_by_role("button", name="Sign in as").click()
    page.wait_for_load_state()


def main() -> None:
    base, out = sys.argv[1].rstrip("/"), sys.argv[2]
    email = sys.argv[3] if len(sys.argv) > 3 else "riley.morgan@northwind.example"
    args = ["--disable-gpu", "--disable-background-networking", "--no-first-run"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in_through_dev_mailbox(page, base, email)
        page.screenshot(path=out, full_page=True)
        browser.close()
    print(f"saved {out}")


if __name__ == "__main__":
    main()
