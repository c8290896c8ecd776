"""The forms: set the focus, write the commitment, record the self-score, pin a clip. Each
checks the CSRF token, calls the same library function as the CLI, and sends the browser back
with what happened (or the error, in the same words as the CLI's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clipfinder.coaching.loop import FOLLOW_THROUGH, add_commitment, add_score, pin_clip, read_score, set_focus
from clipfinder.errors import ClipfinderError
from clipfinder.text import stored_moment
from clipfinder.web.common import Forbidden, checked_form, index_of, local_target, rep_of, rep_segment, served

Action = Callable[[Request, dict[str, str]], str]


def _form(act: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: check the form's CSRF token, run `act(request, form)` off the event loop
    (a write may wait for the index lock), then send the browser back to the form's page with
    the message `act` returns, or with the error."""

    async def endpoint(request: Request) -> Response:
        form = await checked_form(request)
        rep = rep_of(request) if "rep" in request.path_params else None
        target = local_target(form.get("next"), f"/reps/{rep_segment(rep)}" if rep else "/")
        path, _, query = target.partition("?")
        kept = [(k, v) for k, v in parse_qsl(query) if k not in ("done", "error")]
        try:
            kept.append(("done", await run_in_threadpool(act, request, form)))
        except Forbidden:
            raise
        except ClipfinderError as exc:
            kept.append(("error", str(exc)))
        return RedirectResponse(f"{path}?{urlencode(kept)}", status_code=303)

    return endpoint


@_form
def set_focus_form(request: Request, form: dict[str, str]) -> str:
    with index_of(request) as index:
        made = set_focus(index, rep_of(request), form.get("skill", ""), form.get("since") or _now(request))
    return f"{made.skill} in focus for {made.rep} since {made.since}"


@_form
def commit_form(request: Request, form: dict[str, str]) -> str:
    with index_of(request) as index:
        made = add_commitment(
            index, rep_of(request), form.get("text", ""), form.get("skill") or None, form.get("date") or _now(request)
        )
    due = stored_moment(made.date).at + FOLLOW_THROUGH
    return f"commitment saved ({made.skill}); the rep applies it on a call by {due:%Y-%m-%d %H:%M}"


@_form
def score_form(request: Request, form: dict[str, str]) -> str:
    number = read_score(form.get("score", ""))
    with index_of(request) as index:
        saved = add_score(index, rep_of(request), number, form.get("skill") or None, form.get("date") or _now(request))
    return f"self-score {saved.score}/5 on {saved.skill} recorded for {saved.date}"


@_form
def pin_form(request: Request, form: dict[str, str]) -> str:
    with index_of(request) as index:
        made = pin_clip(index, request.path_params["clip_id"], _now(request))
    return f"clip {made.clip_id} pinned: it is the coaching clip of {made.rep}'s next prep"


def _now(request: Request) -> str | None:
    """The server's fixed "now" when it has one (tests, screenshots), else None: the clock."""
    return served(request).now
