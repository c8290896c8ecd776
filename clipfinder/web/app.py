"""The ASGI app of `clipfinder serve`: routes, the access token, security headers and the one
place errors become pages (a ClipfinderError is its message on a page with a 4xx status;
anything unexpected is a one-line 500 page, never a traceback).

Safety: audio is found by clip or call id only, never by a path in the request; static files
come from the package (no listings); every POST needs the server's CSRF token; templates escape
all metadata; a token guards every request when the server is reachable from other machines.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from clipfinder.errors import ClipfinderError, IndexBusy, NotFound
from clipfinder.read.listen import default_cache
from clipfinder.web import actions, media, pages
from clipfinder.web.common import Forbidden, Served, page

TOKEN_COOKIE = "clipfinder_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "media-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]
log = logging.getLogger("clipfinder.web")


def create_app(
    db: Path,
    *,
    token: str | None = None,
    cache: Path | None = None,
    allowed_hosts: list[str] | None = None,
    now: str | None = None,
    writable: bool | None = None,
) -> Starlette:
    """The web app over the index at `db`. `allowed_hosts` (Host header names) guards a server on
    127.0.0.1 against DNS rebinding; `now` fixes the clock (tests, screenshots); `writable=False`
    serves a writable index read-only (default: as the file system allows)."""
    routes = [
        Route("/", pages.team_page),
        Route("/search", pages.search_page),
        Route("/calls/{call_id:int}", pages.call_page),
        Route("/calls/{call_id:int}/audio", media.recording_file),
        Route("/calls/{call_id:int}/window.mp3", media.window_audio_file),
        Route("/clips/{clip_id:int}/audio.mp3", media.clip_audio_file),
        Route("/clips/{clip_id:int}/pin", actions.pin_form, methods=["POST"]),
        Route("/reps/{rep}", pages.rep_page),
        Route("/reps/{rep}/prep", pages.prep_page),
        Route("/reps/{rep}/focus", actions.set_focus_form, methods=["POST"]),
        Route("/reps/{rep}/commit", actions.commit_form, methods=["POST"]),
        Route("/reps/{rep}/score", actions.score_form, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("clipfinder.web", "static")]), name="static"),
    ]
    middleware = [Middleware(_Guard)]
    if allowed_hosts:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={ClipfinderError: _domain_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.served = Served(Path(db), cache or default_cache(), secrets.token_urlsafe(32), token, now, writable)
    return app


class _Guard(BaseHTTPMiddleware):
    """The access token (when the server has one) and the security headers on every response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        site, mode = request.headers.get("sec-fetch-site"), request.headers.get("sec-fetch-mode")
        if site == "cross-site" and not (mode == "navigate" and request.method == "GET"):
            # another website's page asking for audio or posting: never (a link to a page is fine)
            return _secured(PlainTextResponse("Requests from other websites are refused.", status_code=403))
        token = request.app.state.served.token
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and _same(given, token):
                # once: keep it in a cookie and drop it from the address bar
                kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                response: Response = RedirectResponse(request.url.path + (f"?{kept}" if kept else ""), 303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return _secured(response)
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not _same(cookie, token):
                text = "This clipfinder server needs its access token: open the address `clipfinder serve` printed."
                return _secured(PlainTextResponse(text, status_code=401))
        return _secured(await call_next(request))


def _same(given: str, secret: str) -> bool:
    """Constant-time comparison of any two strings (compare_digest refuses non-ASCII text)."""
    return hmac.compare_digest(given.encode(), secret.encode())


def _secured(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _status(exc: ClipfinderError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, IndexBusy):
        return 503
    return 400


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClipfinderError)
    return page(request, "error.html", status=_status(exc), problem=str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    problem = "There is no such page here." if exc.status_code == 404 else str(exc.detail)
    return page(request, "error.html", status=exc.status_code, problem=problem)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected %s on %s: %s", type(exc).__name__, request.url.path, exc)
    problem = (
        f"Unexpected {type(exc).__name__}: {exc}. This is a bug in clipfinder; please report it with what you clicked."
    )
    return PlainTextResponse(problem, status_code=500)
