"""The prep artifact as Markdown (to paste into a doc) or one self-contained HTML page.

The HTML carries everything inside the file: styles, the clip's audio (mp3, base64 in the page)
and the trend chart (inline SVG, no script), so it opens from disk or as a calendar attachment
and prints cleanly.
"""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Callable
from pathlib import Path

from clipfinder.coaching.loop import FollowUp
from clipfinder.coaching.prep import ClipView, Prep
from clipfinder.coaching.trend import Week
from clipfinder.errors import BadInput, ClipfinderError
from clipfinder.pipeline.meaning import MEANING
from clipfinder.pipeline.sounds import SOUND
from clipfinder.read.export import cut_audio
from clipfinder.read.stats import ANCHOR_TALK_RATIO
from clipfinder.records import ClipHit
from clipfinder.text import clock, num, pct, printable

FORMATS = ("md", "html")


def render_prep(prep: Prep, fmt: str, page: Path | None = None) -> str:
    """The prep as `fmt`. For Markdown written to the file `page`, the clips' audio is written
    beside it, named after it (alice-prep-clip12.mp3), so the document can link it; HTML always
    embeds it."""
    if fmt == "md":
        # a document often lands on a terminal: names and texts must not carry control characters
        return printable(markdown(prep, page), keep_newlines=True)
    if fmt == "html":
        return html_page(prep)
    raise BadInput(f"unknown prep format '{fmt}'; choose md or html")


# -- shared wording ---------------------------------------------------------------------------


def talk_anchor() -> str:
    """The published talk ratio as people quote it: 43% (43:57)."""
    talk = round(ANCHOR_TALK_RATIO * 100)
    return f"{talk}% ({talk}:{100 - talk})"


def _focus_line(prep: Prep) -> str:
    if prep.focus is None:
        return "No skill in focus."
    weeks = prep.rotation.weeks_in_focus
    return f"**{prep.focus.skill}**, in focus since {prep.focus.since} ({weeks} weeks)."


def _followup_lines(item: FollowUp | None) -> list[str]:
    if item is None:
        return ["No earlier commitment recorded."]
    verdict = item.verdict.value.upper()
    if item.met:
        verdict += ": the skill showed up on a call within 72 hours"
    c = item.commitment
    lines = [f'"{c.text}" ({c.skill}, {c.date}): {verdict}.']
    for call in item.calls:
        window = "within 72 h" if call.within_72h else "after the 72 h window"
        lines.append(f"call {call.call_id} on {call.date} ({window}): {call.evidence()}")
    if item.no_call_in_window:
        lines.append("No call in the 72-hour window" + (" (still open)." if item.window_open else "."))
    return lines


def _clip_heading(view: ClipView) -> str:
    h = view.hit
    return (
        f"clip {h.clip_id}: {h.skill}, call {h.call_id} ({h.account or 'no account'}, {h.date[:10]}), "
        f"{clock(h.start_s, hours=False)}-{clock(h.end_s, hours=False)}, moment at "
        f'{clock(h.match_start_s, hours=False)} "{h.phrase}", confidence {h.confidence:.2f}'
        + (" (the words only sound like it: listen first)" if h.kind == SOUND else "")
        + (" (said in other words, close to this rubric example)" if h.kind == MEANING else "")
        + (" [speakers uncertain]" if h.speakers_uncertain else "")
    )


def _metric_rows(prep: Prep) -> list[tuple[str, str, str, str]]:
    week, before = prep.metrics.this_week, prep.metrics.last_4_weeks
    low, high = prep.metrics.anchor_questions
    return [
        ("calls", str(week.calls), str(before.calls), ""),
        (
            "rep talk ratio",
            pct(week.talk_ratio),
            pct(before.talk_ratio),
            talk_anchor(),
        ),
        (
            "rep questions per call",
            num(week.rep_questions),
            num(before.rep_questions),
            f"{low}-{high} (discovery)",
        ),
        ("longest rep monologue, s", num(week.rep_monologue_s, 0), num(before.rep_monologue_s, 0), ""),
        ("patience, s", num(week.patience_s, 2), num(before.patience_s, 2), ""),
    ]


# -- Markdown ---------------------------------------------------------------------------------


def markdown(prep: Prep, page: Path | None) -> str:
    out = [f"# 1-on-1 prep: {prep.rep}, {prep.session}", "", f"Since the last session ({prep.period_start}).", ""]
    out += ["## Focus skill", "", _focus_line(prep), f"Rotation: {prep.rotation.advice}.", ""]
    out += ["## Last week's commitment", ""] + [f"- {line}" for line in _followup_lines(prep.last_commitment)] + [""]
    out += ["## Open with: a positive moment", ""]
    out += _md_clip(prep.positive, prep.positive_note, page)
    out += ["## The coaching clip", ""]
    out += _md_clip(prep.clip, prep.clip_note, page)
    for alt in prep.alternates:
        out += ["Alternate: " + _clip_heading(alt), ""]
    out += ["## Talk metrics", "", "| | this week | last 4 weeks | anchor |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _metric_rows(prep)]
    uncertain = prep.metrics.this_week.uncertain_calls
    if uncertain:
        out.append(f"\n{uncertain} of this week's calls have a guessed rep voice (mono): `clipfinder enroll` the rep.")
    out += ["", "## Trend", "", "| week | calls | talk ratio | skill on calls | self-score |", "|---|---|---|---|---|"]
    out += [
        f"| {t.week} | {t.calls} | {pct(t.talk_ratio)} | {pct(t.skill_hit_rate)} | "
        f"{t.self_score if t.self_score is not None else '-'} |"
        for t in prep.trend
    ]
    out += ["", "## Accounts this period (for the deal review)", ""]
    if not prep.accounts:
        out.append("No calls this period.")
    for a in prep.accounts:
        out.append(
            f"- **{a.account}**: {a.calls} calls, last {a.last_call[:10]} ({a.days_since} days ago); "
            f"seen: {', '.join(a.skills_seen) or 'none'}; not detected: {a.absence()}"
        )
    out += ["", "## Agenda (30 min)", ""]
    out += [f"- {begin}-{end} **{title}**: {text}" for begin, end, title, text in prep.agenda]
    out += [""] + [f"- {r}" for r in prep.reminders]
    out += ["", "## New commitment", "", "Skill: ______  What, on which call, by when: ______________________", ""]
    out += [f"> {n}" for n in prep.notes]
    return "\n".join(out).rstrip() + "\n"


def _md_clip(view: ClipView | None, note: str, page: Path | None) -> list[str]:
    if view is None:
        return [note + ".", ""]
    out = [_clip_heading(view), f"({note})", ""]
    if page is not None:
        name = f"{page.stem}-clip{view.hit.clip_id}.mp3"
        try:
            cut_audio(Path(view.hit.path), view.hit.start_s, view.hit.end_s, page.with_name(name), "mp3")
            out += [f"Audio: [{name}]({name})", ""]
        except ClipfinderError as exc:  # the recording moved or broke: the document is still worth having
            out += [f"No audio: {exc}", ""]
    else:
        out += [f"Audio: `clipfinder export {view.hit.clip_id} --out DIR` (or `prep --out FILE.md` writes it)", ""]
    out += [f"> {line}" for line in view.lines] + [""]
    return out


# -- HTML -------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:820px;margin:24px auto;padding:0 16px;
color:#1d2733;line-height:1.45}
h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #d5dbe3}
.sub{color:#5b6776}.met{color:#11703a;font-weight:600}.notmet{color:#a4261b;font-weight:600}
.pending{color:#8a6100;font-weight:600}
blockquote{margin:.5em 0;padding:.4em .8em;background:#f4f6f9;border-left:3px solid #8aa2c0;font-size:.95em}
table{border-collapse:collapse;font-size:.95em}td,th{padding:3px 10px;border-bottom:1px solid #e3e7ec;text-align:left}
audio{width:100%;margin:.4em 0}.box{border:1px dashed #8aa2c0;padding:1.5em;margin-top:.5em}
section{break-inside:avoid}
@media print{audio{display:none}body{margin:0;max-width:none}a{color:inherit}}
"""


def html_page(prep: Prep, audio_url: Callable[[ClipHit], str] | None = None) -> str:
    """The prep as one HTML page. The clips' audio is inside it (a file that stands alone), or,
    with `audio_url`, loaded from where that says (the web page, which serves the clips itself)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>1-on-1 prep: {e(prep.rep)} {e(prep.session[:10])}</title><style>{STYLE}</style></head><body>",
        f"<h1>1-on-1 prep: {e(prep.rep)}</h1>",
        f"<p class='sub'>Session {e(prep.session)} &middot; since the last session ({e(prep.period_start)})</p>",
        "<section><h2>Focus skill</h2>",
        f"<p>{_inline_md(_focus_line(prep))}<br>Rotation: {e(prep.rotation.advice)}.</p></section>",
        "<section id='commitment'><h2>Last week's commitment</h2>",
        _html_followup(prep.last_commitment),
        "</section><section id='positive'><h2>Open with: a positive moment</h2>",
        _html_clip(prep.positive, prep.positive_note, "positive", audio_url),
        "</section><section id='coaching-clip'><h2>The coaching clip</h2>",
        _html_clip(prep.clip, prep.clip_note, "coaching", audio_url),
    ]
    for alt in prep.alternates:
        parts.append(f"<p class='sub'>Alternate: {e(_clip_heading(alt))}</p>")
    parts.append("</section><section id='metrics'><h2>Talk metrics</h2><table>")
    parts.append("<tr><th></th><th>this week</th><th>last 4 weeks</th><th>anchor</th></tr>")
    for row in _metric_rows(prep):
        parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
    parts.append("</table>")
    uncertain = prep.metrics.this_week.uncertain_calls
    if uncertain:
        parts.append(
            f"<p class='sub'>{uncertain} of this week's calls have a guessed rep voice (mono): "
            "<code>clipfinder enroll</code> the rep.</p>"
        )
    parts.append("</section><section id='trend'><h2>Trend</h2>")
    parts.append(trend_chart(prep.trend, prep.focus.skill if prep.focus else None))
    parts.append("</section><section id='accounts'><h2>Accounts this period (for the deal review)</h2>")
    if not prep.accounts:
        parts.append("<p>No calls this period.</p>")
    else:
        parts.append("<table><tr><th>account</th><th>calls</th><th>last call</th><th>days since</th>")
        parts.append("<th>skills seen</th><th>not detected</th></tr>")
        for a in prep.accounts:
            cells = (
                a.account,
                str(a.calls),
                a.last_call[:10],
                str(a.days_since),
                ", ".join(a.skills_seen) or "none",
                a.absence(),
            )
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</section><section id='agenda'><h2>Agenda (30 min)</h2><table>")
    for begin, end, title, text in prep.agenda:
        parts.append(f"<tr><td>{begin}-{end}</td><td><b>{e(title)}</b></td><td>{e(text)}</td></tr>")
    parts.append("</table><ul>" + "".join(f"<li>{e(r)}</li>" for r in prep.reminders) + "</ul></section>")
    parts.append("<section id='new-commitment'><h2>New commitment</h2>")
    parts.append(
        "<div class='box'>Skill: ____________ &nbsp; What, on which call, by when:<br><br><br></div></section>"
    )
    parts += [f"<p class='sub'>{e(n)}</p>" for n in prep.notes]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _inline_md(text: str) -> str:
    escaped = html.escape(text)
    pieces = escaped.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(pieces))


def _html_followup(item: FollowUp | None) -> str:
    lines = _followup_lines(item)
    if item is None:
        return f"<p>{html.escape(lines[0])}</p>"
    css = {True: "met", False: "notmet", None: "pending"}[item.met]
    head = f"<p class='{css}' data-met='{str(item.met).lower()}'>{html.escape(lines[0])}</p>"
    return head + "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines[1:]) + "</ul>"


def _html_clip(view: ClipView | None, note: str, role: str, audio_url: Callable[[ClipHit], str] | None = None) -> str:
    if view is None:
        return f"<p>{html.escape(note)}.</p>"
    try:
        src = "data:audio/mpeg;base64," + clip_audio_b64(view) if audio_url is None else audio_url(view.hit)
        player = f"<audio id='{role}-audio' controls preload='metadata' src='{html.escape(src)}'></audio>"
    except ClipfinderError as exc:  # the recording moved or broke: the page is still worth having
        player = f"<p class='sub'>No audio: {html.escape(str(exc))}</p>"
    quote = "<br>".join(html.escape(line) for line in view.lines)
    return (
        f"<p><b>{html.escape(_clip_heading(view))}</b><br><span class='sub'>{html.escape(note)}</span></p>"
        f"{player}<blockquote>{quote}</blockquote>"
    )


def clip_audio_b64(view: ClipView) -> str:
    """The clip's window cut to mp3 (decoding only that window), base64 for a data URI."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "clip.mp3"
        cut_audio(Path(view.hit.path), view.hit.start_s, view.hit.end_s, target, "mp3")
        return base64.b64encode(target.read_bytes()).decode("ascii")


def _chart_frame(left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    """The chart's box, its 0-100% grid, the 1-5 score axis on the right and the talk anchor."""

    def y(fraction: float) -> float:
        return top + plot_h * (1 - fraction)

    out = [f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='#fbfcfd' stroke='#d5dbe3'/>"]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' stroke='#eef1f5'/>")
        out.append(f"<text x='{left - 6}' y='{y(tick) + 4:.1f}' font-size='10' text-anchor='end'>{tick:.0%}</text>")
    for score in range(1, 6):
        out.append(
            f"<text x='{left + plot_w + 6}' y='{y(score / 5) + 4:.1f}' font-size='10' fill='#c2570c'>{score}</text>"
        )
    anchor = y(ANCHOR_TALK_RATIO)
    out.append(
        f"<line x1='{left}' x2='{left + plot_w}' y1='{anchor:.1f}' y2='{anchor:.1f}' stroke='#5b6776' "
        "stroke-dasharray='4 3'/>"
    )
    out.append(
        f"<text x='{left + 4}' y='{anchor - 4:.1f}' font-size='10' fill='#5b6776'>{ANCHOR_TALK_RATIO:.0%} anchor</text>"
    )
    return out


def trend_chart(rows: list[Week], skill: str | None) -> str:
    """Inline SVG: weekly rep talk ratio (line, with the 43% anchor), the focus skill's share of
    calls (bars) and the self-scores (dots, 1-5 on the right axis)."""
    if not rows:
        return "<p>No focus skill, so no trend.</p>"
    width, height, left, right, top, bottom = 640, 230, 44, 40, 16, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(rows)

    def y(fraction: float) -> float:
        return top + plot_h * (1 - fraction)

    out = [
        f"<svg id='trend-chart' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='weekly talk ratio, skill rate and self-scores'>",
        *_chart_frame(left, top, plot_w, plot_h),
    ]
    points = []
    for i, row in enumerate(rows):
        cx = left + step * (i + 0.5)
        if row.skill_hit_rate is not None:
            bar_h = plot_h * row.skill_hit_rate
            out.append(
                f"<rect class='skill-bar' x='{cx - step * 0.3:.1f}' y='{y(row.skill_hit_rate):.1f}' "
                f"width='{step * 0.6:.1f}' height='{bar_h:.1f}' fill='#9fd3b0'/>"
            )
        if row.talk_ratio is not None:
            points.append((cx, y(row.talk_ratio)))
        if row.self_score is not None:
            out.append(
                f"<circle class='score-dot' cx='{cx:.1f}' cy='{y(row.self_score / 5):.1f}' r='5' fill='#f28c28'/>"
            )
        out.append(
            f"<text x='{cx:.1f}' y='{top + plot_h + 14}' font-size='10' text-anchor='middle'>{row.week[5:]}</text>"
        )
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f"<polyline id='talk-line' points='{path}' fill='none' stroke='#1f5fbf' stroke-width='2.5'/>")
        out += [f"<circle cx='{px:.1f}' cy='{py:.1f}' r='3.5' fill='#1f5fbf'/>" for px, py in points]
    legend_y = height - 10
    label = html.escape(skill or "skill")
    out.append(
        f"<text x='{left}' y='{legend_y}' font-size='11'><tspan fill='#1f5fbf'>&#9632; rep talk ratio</tspan>"
        f"  <tspan fill='#4f9c6a'>&#9632; {label}: share of calls</tspan>"
        "  <tspan fill='#f28c28'>&#9679; self-score (1-5, right)</tspan>  (weeks starting Monday)</text>"
    )
    out.append("</svg>")
    return "".join(out)
