"""What the pages, forms and audio routes share: the server's settings, the index opened per
request, the templates, and the CSRF check."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from clipfinder.errors import BadInput
from clipfinder.store.index import Index
from clipfinder.text import clock, num, pct, speaker_label

CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Served:
    """One running server: its index, where cut audio is kept, and its secrets."""

    db: Path
    cache: Path
    csrf: str  # every form carries it; a POST without it is refused
    token: str | None  # when set, every request must carry it (cookie, or ?token= once)
    now: str | None = None  # a fixed "now" (tests and screenshots); None is the clock
    writable: bool | None = None  # None: asked of the file system on each request

    @property
    def read_only(self) -> bool:
        """The index cannot be written: the file, or the folder SQLite keeps its journal in."""
        if self.writable is not None:
            return not self.writable
        return not (os.access(self.db, os.W_OK) and os.access(self.db.parent, os.W_OK))


def served(request: Request) -> Any:
    return request.app.state.served


@contextmanager
def index_of(request: Request) -> Iterator[Index]:
    """The index, opened for this request and closed after it."""
    with Index.existing(served(request).db) as index:
        yield index


def rep_segment(name: object) -> str:
    """A rep's name as one URL path segment. Encoded twice: the server decodes a path before
    routing, so a "/" in a name ("EMEA/Ana") would otherwise split it; `rep_of` decodes the rest."""
    return quote(quote(str(name), safe=""), safe="")


def rep_of(request: Request) -> str:
    """The rep named in the path (see `rep_segment`)."""
    return unquote(request.path_params["rep"])


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("clipfinder.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters.update(
        clock=lambda s: clock(s, hours=False),
        pct=pct,
        num=num,
        speaker=speaker_label,
        day=lambda d: (d or "")[:10],
        when=lambda d: (d or "")[:16].replace("T", " "),
        q=lambda s: quote(str(s), safe=""),
        segment=rep_segment,
        zip=zip,
    )
    return env


TEMPLATES = _environment()


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page rendered from `template` with what every page shows (banner, messages, CSRF)."""
    s = served(request)
    body = TEMPLATES.get_template(template).render(
        request=request,
        read_only=s.read_only,
        csrf=s.csrf,
        message=request.query_params.get("done"),
        error=request.query_params.get("error"),
        **context,
    )
    return HTMLResponse(body, status_code=status)


async def checked_form(request: Request) -> dict[str, str]:
    """The POSTed form's fields, once its CSRF token is right (BadInput otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), served(request).csrf.encode()):
        raise Forbidden("this form has expired or did not come from this page: reload the page and try again")
    if served(request).read_only:
        raise Forbidden(f"{served(request).db} is read-only: nothing can be changed from this page")
    return {k: v for k, v in form.items() if isinstance(v, str)}


class Forbidden(BadInput):
    """A request the server refuses (403): no CSRF token, a read-only index."""


def local_target(value: str | None, fallback: str) -> str:
    """Where a form sends the browser back to: a path on this server only."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return fallback
