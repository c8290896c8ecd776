"""Finding clips: by skill, rep, account, date and free text (FTS5, with a fuzzy fallback)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.rubric import Rubric
from clipfinder.records import ClipHit, Passage
from clipfinder.store import queries
from clipfinder.store.clips import clip_terms, transcript_terms
from clipfinder.store.index import Index
from clipfinder.store.settings import stored_clip_seconds, stored_rubric
from clipfinder.text import join_words, parse_moment

DEFAULT_LIMIT = 20
MOST_HITS = 100_000  # more clips than any page or export needs at once
# A typo'd query word is replaced by index terms at least this similar (0-100).
FUZZY_CUTOFF = 80


@dataclass
class Found:
    """What a search found: clips, and (for a text search) passages of transcripts outside them."""

    clips: list[ClipHit]
    passages: list[Passage] = field(default_factory=list)
    # set when no word matched as typed and the typo fallback searched for these index terms
    fallback: dict[str, list[str]] | None = None
    # each searched word and the index terms it was searched as (empty without text)
    terms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fallback_note(self) -> str | None:
        """One line for the user, when the typo fallback was used."""
        if self.fallback is None:
            return None
        used = "; ".join(f"{w} -> {', '.join(t[:4])}{', ...' if len(t) > 4 else ''}" for w, t in self.fallback.items())
        return f"no exact match; showing results for words that look like yours ({used})"


def search(
    index: Index,
    text: str | None = None,
    *,
    skill: str | None = None,
    rep: str | None = None,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[ClipHit]:
    """Clips matching every filter given, best-ranked first.

    `text` is searched as plain words (all must appear; FTS5 syntax has no effect). When no
    clip has them, each word is replaced by the index's terms that look like it, so a typo
    ("objcetion") still finds "objection".
    """
    return find(
        index, text, skill=skill, rep=rep, account=account, since=since, until=until, limit=limit, transcripts=False
    ).clips


def find(
    index: Index,
    text: str | None = None,
    *,
    skill: str | None = None,
    rep: str | None = None,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_LIMIT,
    min_confidence: float | None = None,
    transcripts: bool = True,
) -> Found:
    """Clips matching every filter, best first; with `text` (and no skill filter) also up to
    `limit` passages of whole transcripts that hold the words outside those clips, each a
    clip-length window around them. A typo falls back to the index terms that look like it.
    `min_confidence` (0-1) keeps the clips at least that sure; it leaves passages out."""
    if not 1 <= limit <= MOST_HITS:
        raise BadInput(
            f"the number of clips asked for (--limit, --top) must be between 1 and {MOST_HITS} (got {limit})"
        )
    if min_confidence is not None and not 0 <= min_confidence <= 1:
        raise BadInput(f"the lowest confidence is a number from 0 to 1 (got {min_confidence})")
    if skill is not None:
        skills = known_skills(index)
        same = [k for k in skills if k.lower() == skill.strip().lower()]  # any case, like rep names
        if not same:
            raise NotFound(f"unknown skill '{skill}'; the skills are: {', '.join(skills)}")
        skill = same[0]
    if rep is not None:
        index.require_rep(rep)
    first = None if since is None else parse_moment(since, "--since").day.isoformat()
    last = None if until is None else parse_moment(until, "--until").day.isoformat()
    calls = {"rep": rep, "account": account, "since": first, "until": last}

    def clips(fts: str | None) -> list[ClipHit]:
        return queries.find_clips(index, skill=skill, fts=fts, min_confidence=min_confidence, limit=limit, **calls)

    if text is None or not text.strip():
        return Found(clips(None))
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower())
    if not words:
        return Found([])
    with_passages = transcripts and skill is None and min_confidence is None

    def passages(fts: str, alike: dict[str, list[str]]) -> list[Passage]:
        return _passages(index, fts, alike, found, limit, calls) if with_passages else []

    exact = " AND ".join(_quote(w) for w in words)
    found = clips(exact)
    around = passages(exact, {w: [w] for w in words})
    if found or around:
        return Found(found, around, terms={w: [w] for w in words})
    alike = _alike(words, clip_terms(index) if not with_passages else transcript_terms(index))
    if alike is None:
        return Found([])
    fuzzy = " AND ".join("(" + " OR ".join(_quote(t) for t in terms) + ")" for terms in alike.values())
    found = clips(fuzzy)
    return Found(found, passages(fuzzy, alike), fallback=alike, terms=alike)


def known_skills(index: Index) -> list[str]:
    """The rubric's skill ids, then any skill that still has clips from an earlier rubric."""
    ids = [s.id for s in stored_rubric(index).skills]
    return ids + [skill for skill in queries.clip_skills(index) if skill not in ids]


def rubric_clip_counts(index: Index) -> tuple[Rubric, dict[str, int]]:
    """The index's rubric and how many clips each skill has."""
    return stored_rubric(index), queries.clip_counts(index)


def get_clip(index: Index, clip_id: int) -> ClipHit:
    return queries.get_clip(index, clip_id)


def _quote(word: str) -> str:
    """An FTS5 string literal: whatever the word holds, it is matched as text."""
    return '"' + word.replace('"', '""') + '"'


def _alike(words: list[str], terms: list[str]) -> dict[str, list[str]] | None:
    """Each word's look-alike index terms (None when a word has none)."""
    from rapidfuzz import fuzz, process

    if not terms:
        return None
    out = {}
    for word in words:
        scores = process.cdist([word], terms, scorer=fuzz.ratio, workers=1)[0]
        close = {terms[i] for i in range(len(terms)) if scores[i] >= FUZZY_CUTOFF}
        # Terms are stored stemmed ("objection" -> "object"): compare a stem with the word's start.
        close |= {
            t
            for t in terms
            if len(t) >= 4
            and t[0] == word[0]
            and max(fuzz.ratio(word[: len(t)], t), fuzz.ratio(word[: len(t) + 1], t)) >= FUZZY_CUTOFF
        }
        if not close:
            return None
        out[word] = sorted(close)
    return out


def _passages(
    index: Index, fts: str, alike: dict[str, list[str]], clips: list[ClipHit], limit: int, calls: dict[str, str | None]
) -> list[Passage]:
    """Transcript windows around segments matching `fts`, leaving out words already in a clip found
    and windows that overlap an earlier passage of the same call."""
    seconds = stored_clip_seconds(index)
    taken: dict[int, list[tuple[float, float]]] = {}
    for c in clips:
        taken.setdefault(c.call_id, []).append((c.start_s, c.end_s))
    out: list[Passage] = []
    rows = queries.find_segments(index, fts, limit=limit * 3, **calls)
    for call_id, path, rep, account, date, seg_idx, speaker, seg_start, seg_end, duration in rows:
        words = queries.segment_words(index, call_id, seg_idx)
        hit = [(a, b) for a, b, w in words if is_searched(w, alike)] or [(seg_start, seg_end)]
        hit_start, hit_end = hit[0][0], hit[-1][1]
        start = max(0.0, min((hit_start + hit_end - seconds) / 2, duration - seconds))
        end = min(duration, start + seconds)
        if any(start < b and a < end for a, b in taken.get(call_id, [])):
            continue  # it would repeat part of a clip found, or of an earlier passage
        taken.setdefault(call_id, []).append((start, end))
        text = join_words(w.text for w in queries.window_words(index, call_id, start, end))
        said = join_words(w for a, b, w in words)
        out.append(Passage(call_id, path, rep, account, date, speaker, start, end, hit_start, hit_end, said, text))
        if len(out) == limit:
            break
    return out


def is_searched(word: str, terms: dict[str, list[str]]) -> bool:
    """Whether a transcript word is one of the searched words (`Found.terms`). The index matches
    stems ("pricing" finds "price"), so a word counts when it shares all but the last three
    letters of a term longer than four; a short term only takes a plain ending ("go", "goes")."""
    plain = re.sub(r"[^\w']", "", word.lower())
    for options in terms.values():
        for t in options:
            if plain == t or (len(t) <= 4 and plain in (t + "s", t + "es", t + "ed", t + "ing")):
                return True
            if len(t) > 4 and len(os.path.commonprefix([plain, t])) >= len(t) - 3:
                return True
    return False
