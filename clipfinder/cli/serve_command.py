"""`clipfinder serve`: the manager's web page over the index."""

from __future__ import annotations

import contextlib
import secrets
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from clipfinder.cli.app import DbOption, app, say
from clipfinder.errors import BadInput, ClipfinderError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on. Anything but 127.0.0.1/localhost needs an access token."),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            help="Access token for a server other machines can reach. Default there: a new random one, "
            "printed in the address.",
            show_default=False,
        ),
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the page in a browser.")] = False,
) -> None:
    """Serve the manager's web page: team, search and play, calls, reps, prep. Ctrl-C stops it.

    Local and offline: nothing is loaded from the internet. The page changes the coaching log
    (focus, commitments, scores, pins) through the same functions as the CLI; when the database
    file is read-only, it only shows.

    Example: clipfinder serve --db demo.db
    """
    from clipfinder.store.index import Index, default_db_path

    path = Path(db or default_db_path())
    if not path.exists():
        raise ClipfinderError(f"no database at {path}; run `clipfinder ingest FOLDER` first (or pass --db)")
    if not 1 <= port <= 65535:
        raise BadInput(f"--port must be between 1 and 65535 (got {port})")
    with Index.existing(path):  # a broken or foreign file is a clear error now, not on the first page
        pass
    local = host in LOOPBACK
    if not local and token is None:
        token = secrets.token_urlsafe(18)
    if token is not None and len(token) < 12:
        raise BadInput("--token must be at least 12 characters")

    _check_free(host, port)

    import uvicorn

    from clipfinder.web.app import LOOPBACK_NAMES, create_app

    web = create_app(path, token=token, allowed_hosts=LOOPBACK_NAMES if local else None)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    say(f"clipfinder: serving {path} at {address}  (Ctrl-C stops)")
    if not no_browser and sys.stdout.isatty():
        import webbrowser

        webbrowser.open(address)
    config = uvicorn.Config(web, host=host, port=port, log_level="warning", access_log=False)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops cleanly on Ctrl-C, then passes it on
        uvicorn.Server(config).run()
    say("clipfinder: stopped")


def _check_free(host: str, port: int) -> None:
    """A clear error now for a host that is not this machine's or a port in use (uvicorn would
    only log it)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadInput(f"cannot listen on {host}:{port}: {reason}; try another --port or --host") from None
