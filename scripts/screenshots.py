"""Screenshots of the console for people to look at: each demo role's pages at 1440 px and 390 px.

Needs a running demo (see docs/console.md):

    MALLOPS_DATA_DIR=/tmp/demo-data .venv/bin/mallops migrate -v0
    MALLOPS_DATA_DIR=/tmp/demo-data .venv/bin/mallops demo-data
    MALLOPS_DATA_DIR=/tmp/demo-data .venv/bin/mallops serve --port 8765 &
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8765

PNGs go to var/screenshots/<role>/<page>-<width>.png. The script also reports any page that scrolls
sideways at the phone width (a design rule: docs/console.md) and exits 1 when one does. Chromium is Debian's
(env MALLOPS_CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium), driven by Playwright.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

DEMO_PASSWORD = "mallops-demo"
ROOT = Path(__file__).resolve().parents[1]

# role (demo username) -> pages (name, path); the merchant pages are also taken at phone width
PAGES: dict[str, list[tuple[str, str]]] = {
    "admin": [
        ("dashboard", "/"),
        ("merchants", "/merchants/"),
        ("buyers", "/buyers/"),
        ("orders", "/orders/"),
        ("promotions", "/promotions/"),
        ("calendar", "/calendar/"),
        ("audit", "/audit/"),
        ("not-found", "/no-such-page/"),
    ],
    "reviewer": [
        ("dashboard", "/"),
        ("review-queue", "/review/"),
        ("review-detail", "/review/ a[href*='/review/listings/']"),
        ("forbidden", "/audit/"),
    ],
    "cs-agent": [
        ("service-queue", "/service/"),
        ("ticket", "/service/ a[href*='/service/tickets/']"),
        ("aftersales", "/aftersales/"),
        ("aftersales-request", "/aftersales/ a[href*='/aftersales/requests/']"),
    ],
    "cs-supervisor": [("service-kpis", "/service/dashboard/")],
    "data-ops": [
        ("analytics", "/analytics/"),
        ("funnel", "/analytics/funnel/"),
        ("retention", "/analytics/retention/"),
        (
            "funnel-run",
            "/analytics/funnel/?step_1=page_view&step_2=add_to_cart&step_3=checkout&step_4=order_paid",
        ),
        ("retention-run", "/analytics/retention/?start_event=signup&return_event=order_paid&periods=14"),
        ("purchase", "/analytics/purchase/"),
        ("costs", "/analytics/costs/"),
        ("insights", "/analytics/insights/"),
        ("segment-buyers", "/analytics/segments/high_value/"),
    ],
    "auditor": [("audit", "/audit/"), ("privacy-requests", "/privacy/requests/")],
    "merchant1": [
        ("dashboard", "/"),
        ("orders", "/orders/merchant/"),
        ("stock", "/orders/merchant/stock/"),
        ("products", "/review/mine/products/"),
        ("product-new", "/review/mine/products/new/"),
        ("stock-item", "/orders/merchant/stock/ [data-testid=merchant-stock] tbody a"),
        ("listings", "/review/mine/"),
        ("aftersales", "/aftersales/merchant/"),
        ("tickets", "/service/store/"),
        ("promotions", "/promotions/"),
    ],
}
PHONE_ROLES = {"merchant1", "admin", "reviewer"}
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


def chromium_path() -> str:
    path = os.environ.get("MALLOPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        sys.exit(f"Chromium not found at {path}: apt-get install chromium, or set MALLOPS_CHROMIUM")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--out", default=str(ROOT / "var" / "screenshots"))
    parser.add_argument("--roles", nargs="*", default=list(PAGES), help="demo usernames (default: all)")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    args = parser.parse_args(argv)

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    sideways: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            for role in args.roles:
                widths = WIDTHS if role in PHONE_ROLES else {"desktop": WIDTHS["desktop"]}
                for label, (width, height) in widths.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=1
                    )
                    page = context.new_page()
                    page.goto(f"{args.base_url}/login/")
                    page.fill("input[name=username]", role)
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("load")
                    for name, path in PAGES[role]:
                        if args.only and args.only not in name:
                            continue
                        try:
                            # "PATH SELECTOR": open PATH, then follow its first link matching SELECTOR
                            path, _, follow = path.partition(" ")
                            page.goto(f"{args.base_url}{path}", wait_until="load", timeout=60_000)
                            if follow:
                                page.locator(follow).first.click()
                                page.wait_for_load_state("load")
                            page.wait_for_timeout(300)  # charts draw after load
                        except PlaywrightError as error:
                            print(f"{role} {path}: {error.message.splitlines()[0]}")
                            continue
                        target = out / role / f"{name}-{width}.png"
                        target.parent.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(target), full_page=args.full_page)
                        too_wide = page.evaluate(
                            "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
                        )
                        if too_wide and label == "phone":
                            sideways.append(f"{role} {path}")
                        print(f"{target.relative_to(out)}{'  (scrolls sideways)' if too_wide else ''}")
                        if label == "phone" and name == "dashboard":
                            # the menu behind the 菜单 button
                            page.click("label.menu-button")
                            menu = out / role / f"menu-open-{width}.png"
                            page.screenshot(path=str(menu))
                            print(menu.relative_to(out))
                            page.click("label.menu-button")
                    context.close()
        finally:
            browser.close()
    if sideways:
        print("Pages that scroll sideways at phone width:", *sideways, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
