"""The web app over a coached copy of the fixture index: in-process (TestClient) and as a real
server on a free port for the browser tests."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from clipfinder import Index
from clipfinder.coaching.loop import add_commitment, add_score, set_focus
from clipfinder.web.app import LOOPBACK_NAMES, create_app

NOW = "2026-11-20T09:00"  # the Monday-morning view of the fixture calls (11-16 to 11-24)


@pytest.fixture
def coached_db(db_copy) -> Path:
    with Index(db_copy) as index:
        set_focus(index, "alice", "discovery", "2026-10-26")
        add_score(index, "alice", 4, when="2026-11-13")
        add_commitment(index, "alice", "Ask how they handle onboarding today", when="2026-11-13T17:00")
    return db_copy


@pytest.fixture
def client(coached_db, tmp_path) -> TestClient:
    app = create_app(coached_db, cache=tmp_path / "audio", allowed_hosts=LOOPBACK_NAMES, now=NOW)
    return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/reps/alice") -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def live(coached_db, tmp_path):
    """A real uvicorn server in a thread: its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(coached_db, cache=tmp_path / "audio", allowed_hosts=LOOPBACK_NAMES, now=NOW)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
