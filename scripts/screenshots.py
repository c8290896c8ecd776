"""`make screenshots`: the web page's screenshots in docs/, taken in the machine's Chromium.

Serves demo.db (made by `make demo`) as it looks on the Monday-morning of the demo's 1-on-1
(2026-11-20 09:00), opens each page with Playwright and saves docs/web-<page>.png.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clipfinder.web.app import LOOPBACK_NAMES, create_app  # noqa: E402

NOW = "2026-11-20T09:00"
PAGES = {
    "team": "/",
    "search": "/search?q=price",
    "call": "/calls/1",
    "rep": "/reps/alice",
}


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    db = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "demo.db")
    if not db.exists():
        sys.exit(f"no {db}: run `make demo` first")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no Chromium on this machine: apt-get install chromium")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as cache:
        app = create_app(db, cache=Path(cache), allowed_hosts=LOOPBACK_NAMES, now=NOW)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            for name, url in PAGES.items():
                page.goto(f"http://127.0.0.1:{port}{url}")
                page.wait_for_load_state("networkidle")
                target = ROOT / "docs" / f"web-{name}.png"
                page.screenshot(path=str(target), full_page=name != "rep")
                print(f"wrote {target.relative_to(ROOT)}")
            browser.close()
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":
    main()
