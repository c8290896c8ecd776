"""The pages: team (home), search, call, rep and prep. Each parses the request, calls library
functions, renders a template."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from clipfinder.coaching import loop
from clipfinder.coaching.prep import build_prep
from clipfinder.coaching.render import html_page, talk_anchor, trend_chart
from clipfinder.coaching.team import team
from clipfinder.coaching.trend import trend
from clipfinder.errors import BadInput
from clipfinder.read.formats import speaker_turns
from clipfinder.read.missed import missed_skills
from clipfinder.read.search import Found, find, is_searched, known_skills
from clipfinder.read.stats import ANCHOR_DISCOVERY_QUESTIONS, ANCHOR_TALK_RATIO, call_stats
from clipfinder.records import ClipHit, Passage, Word
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.web.common import index_of, page, rep_of, served

RESULTS = 20


@dataclass(frozen=True)
class Result:
    """One search result as the page shows it: a clip, or a transcript passage outside clips."""

    kind: str  # "clip" or "passage"
    call_id: int
    rep: str
    account: str | None
    date: str
    start_s: float
    end_s: float
    audio: str  # URL of its audio window
    words: list[Word]  # what is said in the window, for the karaoke highlight
    found: tuple[float, float]  # the words that made it a clip, or that the search found
    searched: frozenset[int]  # positions in `words` of the searched words
    clip: ClipHit | None = None


def team_page(request: Request) -> Response:
    now = served(request).now
    with index_of(request) as index:
        rows = team(index, now)
    return page(request, "team.html", rows=rows, anchor=ANCHOR_TALK_RATIO, anchor_text=talk_anchor())


def search_page(request: Request) -> Response:
    q = request.query_params
    fields = {k: (q.get(k) or "").strip() or None for k in ("q", "skill", "rep", "account", "since", "until", "conf")}
    with index_of(request) as index:
        skills, reps = known_skills(index), index.reps()
        searched = any(fields.values())
        results: list[Result] = []
        note = None
        if searched:
            conf = _number(fields["conf"], "the lowest confidence")
            found = find(
                index,
                fields["q"],
                skill=fields["skill"],
                rep=fields["rep"],
                account=fields["account"],
                since=fields["since"],
                until=fields["until"],
                min_confidence=conf,
                limit=RESULTS,
            )
            note = found.fallback_note
            for h in found.clips:
                audio = f"/clips/{h.clip_id}/audio.mp3"
                results.append(_result(index, found, "clip", h, audio, (h.match_start_s, h.match_end_s), h))
            for p in found.passages:
                audio = f"/calls/{p.call_id}/window.mp3?start={p.start_s:.2f}&end={p.end_s:.2f}"
                results.append(_result(index, found, "passage", p, audio, (p.hit_start_s, p.hit_end_s)))
    return page(
        request, "search.html", fields=fields, skills=skills, reps=reps, results=results, searched=searched, note=note
    )


def _result(
    index: Index,
    found: Found,
    kind: str,
    item: ClipHit | Passage,
    audio: str,
    at: tuple[float, float],
    clip: ClipHit | None = None,
) -> Result:
    """A clip or passage with the words of its window, the searched ones marked."""
    words = queries.window_words(index, item.call_id, item.start_s, item.end_s)
    marks = frozenset(i for i, w in enumerate(words) if is_searched(w.text, found.terms))
    window = (item.call_id, item.rep, item.account, item.date, item.start_s, item.end_s)
    return Result(kind, *window, audio, words, at, marks, clip)


def call_page(request: Request) -> Response:
    call_id = request.path_params["call_id"]
    with index_of(request) as index:
        call = index.find_call(call_id)
        turns = speaker_turns(index.segments(call.id))
        clips = queries.call_clips(index, call.id)
        missed = missed_skills(index, str(call.id))
        [stats] = call_stats(index, call=str(call.id))
    return page(
        request,
        "call.html",
        call=call,
        turns=turns,
        clips=clips,
        missed=missed,
        metrics=stats.metrics,
        anchor=ANCHOR_TALK_RATIO,
        anchor_text=talk_anchor(),
        questions_anchor=ANCHOR_DISCOVERY_QUESTIONS,
    )


def rep_page(request: Request) -> Response:
    now = loop.parse_moment(served(request).now)
    with index_of(request) as index:
        rep = loop.canonical_rep(index, rep_of(request))
        focus = loop.current_focus(index, rep, now)
        history = loop.focus_history(index, rep)
        follow = loop.followup(index, rep, now)
        all_scores = loop.scores(index, rep)
        rotation = loop.rotation_advice(index, rep, now)
        chart = trend_chart(trend(index, rep, None, 8, now), focus.skill) if focus else ""
        pins = [(p, queries.get_clip(index, p.clip_id)) for p in loop.pins(index, rep)]
        calls = index.calls(rep)
        skills = known_skills(index)
    return page(
        request,
        "rep.html",
        rep=rep,
        focus=focus,
        history=list(reversed(history)),
        followups=list(reversed(follow)),
        scores=list(reversed(all_scores)),
        rotation=rotation,
        chart=chart,
        pins=list(reversed(pins)),
        calls=sorted(calls, key=lambda c: c.date, reverse=True),
        skills=skills,
        session=request.query_params.get("date") or "",
    )


def prep_page(request: Request) -> Response:
    """The prep as `clipfinder prep --format html` writes it; ?download=1 saves it as a file (the
    clips' audio inside it); on the page the audio comes from the server."""
    when = request.query_params.get("date") or served(request).now
    download = bool(request.query_params.get("download"))
    with index_of(request) as index:
        rep = loop.canonical_rep(index, rep_of(request))
        built = build_prep(index, rep, when)
        body = html_page(built, None if download else lambda hit: f"/clips/{hit.clip_id}/audio.mp3")
    headers = {}
    if download:
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in rep) or "rep"
        headers["Content-Disposition"] = f'attachment; filename="{name}-prep-{built.session[:10]}.html"'
    return HTMLResponse(body, headers=headers)


def _number(value: str | None, what: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise BadInput(f"{what} is a number from 0 to 1 (got {value!r})") from None
