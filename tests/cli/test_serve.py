"""`clipfinder serve` as a user starts it: a real process, a real port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ..conftest import run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from clipfinder.cli.app import main; main()", "serve", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    return process, first


def get(url: str, opener: urllib.request.OpenerDirector | None = None) -> tuple[int, str]:
    deadline = time.monotonic() + 20
    opener = opener or urllib.request.build_opener()
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_prints_its_address_serves_the_team_and_stops_on_ctrl_c(db_copy):
    port = free_port()
    process, said = start("--db", str(db_copy), "--port", str(port))
    try:
        assert said.strip() == f"clipfinder: serving {db_copy} at http://127.0.0.1:{port}/  (Ctrl-C stops)"
        status, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and 'data-rep="alice"' in page
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err and out.strip() == "clipfinder: stopped"


def test_another_host_gets_a_token_in_its_address(db_copy):
    port = free_port()
    process, said = start("--db", str(db_copy), "--port", str(port), "--host", "0.0.0.0")
    try:
        token = said.strip().split("?token=")[1].split()[0]
        assert len(token) >= 20
        assert get(f"http://127.0.0.1:{port}/")[0] == 401
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps cookies
        assert get(f"http://127.0.0.1:{port}/?token={token}", browser)[0] == 200
        assert get(f"http://127.0.0.1:{port}/search?q=price", browser)[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--db", "nowhere.db"], "no database at nowhere.db"),
        (["--port", "70000"], "--port must be between 1 and 65535"),
        (["--host", "0.0.0.0", "--token", "short"], "--token must be at least 12 characters"),
    ],
)
def test_bad_options_are_one_line_errors(db_copy, args, says):
    if "--db" not in args:
        args = [*args, "--db", str(db_copy)]
    result = run("serve", "--no-browser", *args)
    assert result.exit_code == 1 and says in result.output and "Traceback" not in result.output


def test_a_port_in_use_is_a_clear_error(db_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, _ = start("--db", str(db_copy), "--port", str(port))
        out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
