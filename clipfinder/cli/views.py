"""Plain-text tables and JSON shapes for the reading commands: layout only, from records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clipfinder.coaching.loop import FollowUp
from clipfinder.coaching.trend import Week
from clipfinder.jobs.ingest import FAILED, INDEXED, NOT_AUDIO, SKIPPED, UPDATED, IngestReport
from clipfinder.pipeline.encoder import INSTALL_HINT
from clipfinder.pipeline.meaning import MEANING
from clipfinder.pipeline.rubric import Rubric
from clipfinder.pipeline.sounds import SOUND
from clipfinder.pipeline.whisper_model import BASE_HINT
from clipfinder.read.formats import transcript_lines
from clipfinder.read.missed import MissedReport
from clipfinder.read.search import Found
from clipfinder.read.stats import ANCHOR_DISCOVERY_QUESTIONS, ANCHOR_TALK_RATIO, CallStats, RepAverage
from clipfinder.records import PROSPECT, REP, Call, ClipHit, Metrics, Segment, VoiceSampleRow
from clipfinder.text import clock, num, pct, printable, speaker_label


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces; a cell's control characters are escaped, so a
    name holding a newline or an escape sequence cannot break the table or the terminal."""
    cells = [[str(h) for h in headers]] + [["" if c is None else printable(str(c)) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def short_path(path: str) -> str:
    """The path relative to the current folder when it lies below it (tables stay readable)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def calls_json(found: list[tuple[Call, Metrics]]) -> list[dict[str, Any]]:
    out = []
    for c, m in found:
        out.append(
            {
                "call_id": c.id,
                "path": c.path,
                "rep": c.rep,
                "account": c.account,
                "date": c.date,
                "title": c.title,
                "duration_s": c.duration_s,
                "layout": c.layout,
                "channels": list(c.channels) if c.channels else None,
                "speakers": c.attribution.method,
                "speakers_confidence": c.attribution.confidence,
                "speakers_uncertain": c.attribution.uncertain,
                "voices": c.attribution.voices,
                "talk_ratio": m.talk_ratio,
                "model": c.model,
                "language": c.language,
                "language_probability": c.language_probability,
                "off_language": c.off_language,
                "sha256": c.sha256,
                "ingested_at": c.ingested_at,
            }
        )
    return out


def calls_table(found: list[tuple[Call, Metrics]]) -> str:
    if not found:
        return "No calls indexed yet."
    rows = [
        (
            c.id,
            c.date[:16].replace("T", " "),
            c.rep,
            c.account or "-",
            clock(c.duration_s, hours=False),
            (c.layout if c.layout == "stereo" else f"mono, {c.attribution.describe()}") + _language_note(c),
            pct(m.talk_ratio) + ("?" if c.attribution.uncertain and c.layout == "mono" else ""),
            short_path(c.path),
        )
        for c, m in found
    ]
    return table(("id", "date", "rep", "account", "length", "audio", "rep talk", "path"), rows)


def _language_note(call: Call) -> str:
    if not call.off_language:
        return ""
    return f"; NOT {call.expected_language} ({call.language} {call.language_probability:.2f})"


def stats_table(items: list[CallStats], reps: list[RepAverage]) -> str:
    if not items:
        return "No calls indexed yet."
    per_call = _per_call_table(items)
    other = [f"{i.call.id} ({i.call.language} {i.call.language_probability:.2f})" for i in items if i.call.off_language]
    if other:
        per_call += "\nNot in the rubric's language (no clips): call " + ", ".join(other)
    low, high = ANCHOR_DISCOVERY_QUESTIONS
    talk = round(ANCHOR_TALK_RATIO * 100)
    return (
        f"{per_call}\n\nAverages per rep (* calls with known speakers / all calls)\n{_per_rep_table(reps)}\n\n"
        f"Anchors (Gong Labs): rep talk {talk}:{100 - talk} talk:listen; "
        f"{low}-{high} questions on a discovery call.\n"
        "Speakers by: channels (stereo, exact); voiceprint N (mono, the rep's enrolled voice, confidence 0-1);\n"
        "guess (mono, no voiceprint: the first voice to hold a turn). ? marks numbers that may be wrong:\n"
        "`clipfinder enroll` the rep. Mono calls without the diarize extra show n/a; ?N counts their questions."
    )


def _per_call_table(items: list[CallStats]) -> str:
    rows = [
        (
            c.id,
            c.date[:10],
            c.rep,
            c.account or "-",
            pct(m.talk_ratio) + ("?" if c.attribution.uncertain and m.talk_ratio is not None else ""),
            c.attribution.describe(),
            num(m.longest_monologue_s.get(REP), 0),
            num(m.longest_monologue_s.get(PROSPECT), 0),
            _questions(m.questions),
            num(m.interactivity),
            num(m.patience_s, 2),
        )
        for c, m in ((i.call, i.metrics) for i in items)
    ]
    headers = (
        "call",
        "date",
        "rep",
        "account",
        "rep talk",
        "speakers by",
        "rep mono s",
        "prosp mono s",
        "questions r/p",
        "switches/min",
        "patience s",
    )
    return table(headers, rows)


def _per_rep_table(reps: list[RepAverage]) -> str:
    rows = [
        (
            r.rep,
            f"{r.calls_with_roles}/{r.calls}" + (f" ({r.calls_uncertain}?)" if r.calls_uncertain else ""),
            pct(r.talk_ratio),
            num(r.longest_monologue_s[REP], 0),
            num(r.questions[REP]),
            num(r.interactivity),
            num(r.patience_s, 2),
        )
        for r in reps
    ]
    return table(("rep", "calls*", "rep talk", "rep mono s", "rep questions", "switches/min", "patience s"), rows)


def _questions(q: dict[str, int | None]) -> str:
    if q.get(REP) is None:
        return f"?{q.get('unknown', 0)}"
    return f"{q[REP]}/{q[PROSPECT]}"


def found_text(found: Found) -> str:
    """`search`: the clips, then the transcript passages outside them, then how they were found."""
    parts = [search_table(found.clips)] if found.clips or not found.passages else []
    if found.passages:
        rows = [
            (
                p.call_id,
                p.date[:10],
                p.rep,
                p.account or "-",
                f"{clock(p.start_s, hours=False)}-{clock(p.end_s, hours=False)}",
                p.speaker,
                _shorten(p.said),
            )
            for p in found.passages
        ]
        parts.append(
            "In transcripts, outside the clips (clipfinder transcript CALL --from START --to END):\n"
            + table(("call", "date", "rep", "account", "window", "said by", "passage"), rows)
        )
    if found.fallback_note:
        parts.append(found.fallback_note)
    return "\n\n".join(parts)


def search_table(hits: list[ClipHit]) -> str:
    if not hits:
        return "No clips found."
    rows = [
        (
            h.clip_id,
            h.date[:10],
            h.rep,
            h.account or "-",
            h.skill,
            f"{clock(h.start_s, hours=False)}-{clock(h.end_s, hours=False)}",
            f"{h.confidence:.2f}",
            _excerpt(h),
        )
        for h in hits
    ]
    note = ""
    if any(h.kind == SOUND for h in hits):
        note += '\n~"..." the model wrote words that sound like the phrase; listen before you use the clip.'
    if any(h.kind == MEANING for h in hits):
        note += '\n≈"..." said in other words: the rubric example closest to what was said.'
    if any(h.speakers_uncertain for h in hits):
        note += "\n[Rep?] a mono call whose rep voice was guessed or weakly matched: `clipfinder enroll` the rep."
    return table(("clip", "date", "rep", "account", "skill", "window", "conf", "moment"), rows) + note


def clip_text(hit: ClipHit, segments: Sequence[Segment]) -> str:
    """One clip as `clipfinder clip` shows it: where it is, how sure, and what is said in it."""
    when = hit.date[:16].replace("T", " ")
    heard = {
        SOUND: " (the words only sound like the phrase: listen first)",
        MEANING: ": said in other words, close to the rubric example below",
    }.get(hit.kind, "")
    speakers = "; speakers uncertain: `clipfinder enroll` the rep" if hit.speakers_uncertain else ""
    head = [
        f"clip {hit.clip_id}: {hit.skill}, confidence {hit.confidence:.2f} ({hit.kind}){heard}",
        f"call {hit.call_id}: {hit.rep}, {hit.account or 'no account'}, {when}{speakers}",
        f"window {clock(hit.start_s, hours=False)}-{clock(hit.end_s, hours=False)}, moment at "
        f"{clock(hit.match_start_s, hours=False)} [{speaker_label(hit.speaker)}] "
        + ("like " if hit.kind == MEANING else "")
        + f'"{hit.phrase}"',
        "",
    ]
    return "\n".join(head + transcript_lines(segments))


def _shorten(text: str, most: int = 70) -> str:
    return text if len(text) <= most else text[: most - 3].rsplit(" ", 1)[0] + " ..."


def _excerpt(hit: ClipHit) -> str:
    speaker = speaker_label(hit.speaker) + ("?" if hit.speakers_uncertain else "")
    heard = {SOUND: "~", MEANING: "≈"}.get(hit.kind, "")
    return f'@{clock(hit.match_start_s, hours=False)} [{speaker}] {heard}"{hit.phrase}"'


def skills_json(rubric: Rubric, counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "name": s.name,
            "speaker": s.speaker,
            "expected": s.expected,
            "clips": counts.get(s.id, 0),
            "phrases": list(s.phrases),
            "threshold": s.threshold,
            "examples": list(s.examples),
            "counter_examples": list(s.counter_examples),
            "meaning_threshold": s.meaning_threshold,
            "description": s.description,
        }
        for s in rubric.skills
    ]


def skills_table(rubric: Rubric, counts: dict[str, int]) -> str:
    rows = [(s.id, s.name, s.speaker, "yes" if s.expected else "", counts.get(s.id, 0)) for s in rubric.skills]
    return f"Rubric: {rubric.source}\n" + table(("skill", "name", "said by", "expected", "clips"), rows)


def missed_text(report: MissedReport) -> str:
    c = report.call
    when = c.date[:16].replace("T", " ")
    head = f"Call {c.id}: {c.rep}, {c.account or 'no account'}, {when}, {clock(c.duration_s, hours=False)}"
    if c.off_language:
        body = (
            f"Not matched against the rubric: the call does not sound like {c.expected_language} "
            f"(the language check heard {c.language}, {c.language_probability:.2f})"
        )
    elif report.missed:
        lines = [f"  {s.id}: {s.name}: {c.absence()}" for s, c in zip(report.missed, report.clarity)]
        body = "Expected skills not found:\n" + "\n".join(lines)
    else:
        body = "Every expected skill came up."
    who = "Someone (mono call: speakers unknown)" if c.attribution.method == "none" else "The prospect"
    if report.prospect_last_s is None:
        tail = "The prospect never spoke."
    else:
        left = max(0.0, c.duration_s - report.prospect_last_s)
        tail = f"{who} last spoke at {clock(report.prospect_last_s, hours=False)}; the call ran {left:.0f} s more."
    heard = ", ".join(report.heard) or "none"
    return f"{head}\n{body}\nSkills heard: {heard}\n{tail}"


def voices_table(rows: list[VoiceSampleRow]) -> str:
    if not rows:
        return "No voices yet: `clipfinder enroll REP AUDIO...`, or ingest a rep's stereo calls with the diarize extra."
    body = [(r.rep, r.id, f"{r.seconds:.1f}", f"call {r.call_id}" if r.call_id else short_path(r.source)) for r in rows]
    return table(("rep", "sample", "speech s", "from"), body)


def followup_text(items: list[FollowUp]) -> str:
    if not items:
        return 'No commitments yet: clipfinder commit --rep NAME "TEXT"'
    out = []
    for item in items:
        c = item.commitment
        out.append(f"[{item.verdict.value.upper()}] {c.rep}, {c.date}, {c.skill}: {c.text}")
        for call in item.calls:
            window = "within 72 h" if call.within_72h else "after 72 h"
            out.append(f"    call {call.call_id} {call.date} ({window}): {call.evidence()}; check by {call.check_by}")
        if item.no_call_in_window:
            out.append("    no call in the 72-hour window" + (" yet (still open)" if item.window_open else ""))
    return "\n".join(out)


def trend_table(rows: list[Week]) -> str:
    body = [
        (
            r.week,
            r.calls,
            pct(r.talk_ratio),
            num(r.rep_questions),
            f"{r.skill_calls}/{r.calls}" if r.calls else "-",
            r.self_score if r.self_score is not None else "-",
        )
        for r in rows
    ]
    skill = rows[0].skill if rows else "skill"
    return table(("week of", "calls", "rep talk", "rep questions", f"{skill} calls", "self-score"), body)


def ingest_summary(report: IngestReport) -> str:
    """What an ingest run did, and what the manager may want to do about it."""
    indexed, skipped, failed, not_audio = (report.having(s) for s in (INDEXED, SKIPPED, FAILED, NOT_AUDIO))
    updated = report.having(UPDATED)
    audio_min = sum(o.audio_s or 0 for o in indexed) / 60
    lines = [
        f"{len(indexed)} indexed ({audio_min:.1f} audio min in {report.elapsed_s:.1f} s), "
        + (f"{len(updated)} updated, " if updated else "")
        + f"{len(skipped)} skipped, {len(failed)} failed, {len(not_audio)} not audio"
    ]
    lines += [f"  updated {o.detail}" for o in updated]
    if skipped:
        lines.append(
            "  skipped files are already indexed, or copies of another file in this run (same bytes); "
            "--force transcribes indexed ones again"
        )
    lines += [f"  not audio {o.path}" for o in not_audio]
    lines += [f"  FAILED {o.detail}" for o in failed]
    if report.reattributed:
        lines.append(f"  {report.reattributed} mono calls re-attributed with a voiceprint learnt from stereo calls")
    lines += [f"  not in the rubric's language (indexed, no clips): {o.path}" for o in report.off_language]
    if not report.language_checked:
        lines.append(f"  unclear calls were not checked for their language: {BASE_HINT}")
    if report.examples_hint:
        lines.append(f"  {report.examples_hint}")
    if report.undiarized:
        lines.append(
            f"  {report.undiarized} mono calls have no speakers (no talk ratio, no rep/prospect filter): "
            f"{INSTALL_HINT}, then `clipfinder ingest --force` them"
        )
    return "\n".join(lines)
