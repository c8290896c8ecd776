"""Exporting clips: the window's audio (cut with pydub), subtitles, and a JSON manifest."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipfinder.errors import BadInput, CannotWrite
from clipfinder.files import free_stem, output_folder, replacing, write_text
from clipfinder.pipeline.audio import decode_window
from clipfinder.read.formats import render
from clipfinder.read.search import get_clip
from clipfinder.records import ClipHit, Segment
from clipfinder.store.index import Index
from clipfinder.text import join_words

AUDIO_FORMATS = {
    # our name: (pydub/ffmpeg format, codec, extension)
    "mp3": ("mp3", "libmp3lame", "mp3"),
    "wav": ("wav", None, "wav"),
    "ogg": ("ogg", "libvorbis", "ogg"),
    "m4a": ("ipod", "aac", "m4a"),
}
SUBTITLE_FORMATS = ("srt", "vtt", "none")
MANIFEST_STEM = "manifest"


@dataclass(frozen=True)
class Exported:
    """One exported clip: where its files went."""

    clip: ClipHit
    audio: Path
    subtitles: Path | None
    channels: tuple[str, ...] | None  # roles of the audio's channels, as in the recording


def ffmpeg_binary() -> str:
    """ffmpeg on PATH, else the one the imageio-ffmpeg package ships (no system install needed)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def safe_name(*parts: object) -> str:
    """A file name from metadata that cannot leave its folder: letters, digits, '.', '_' and '-'."""
    name = "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", str(p)).strip("-.") or "x" for p in parts)
    return name[:120]


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: the clips' files and the manifest listing them."""

    clips: list[Exported]
    manifest: Path


def export_clips(
    index: Index,
    clip_ids: list[int],
    out_dir: Path,
    fmt: str = "mp3",
    subtitles: str = "srt",
    overwrite: bool = False,
) -> ExportReport:
    """Cut each clip's audio into `out_dir`, with subtitles and a manifest of everything written.

    A file already in the folder is never replaced unless `overwrite`: the new one gets a
    numbered name (clip12_discovery_alice-2.mp3, manifest-2.json). Each file appears whole or
    not at all (files.py).
    """
    if fmt not in AUDIO_FORMATS:
        raise BadInput(f"unknown audio format '{fmt}'; choose one of {', '.join(AUDIO_FORMATS)}")
    if subtitles not in SUBTITLE_FORMATS:
        raise BadInput(f"unknown subtitle format '{subtitles}'; choose one of {', '.join(SUBTITLE_FORMATS)}")
    if not clip_ids:
        raise BadInput("no clips to export: give clip ids, or --skill/--rep with --top")
    clips = [get_clip(index, clip_id) for clip_id in clip_ids]  # all found before anything is written
    root = output_folder(out_dir).resolve()
    audio_ext = "." + AUDIO_FORMATS[fmt][2]
    suffixes = [audio_ext] + ([] if subtitles == "none" else [f".{subtitles}"])
    done = []
    for clip in clips:
        stem = free_stem(root, safe_name(f"clip{clip.clip_id}", clip.skill, clip.rep), suffixes, overwrite)
        audio_path = _inside(root, stem + audio_ext)
        cut_audio(Path(clip.path), clip.start_s, clip.end_s, audio_path, fmt)
        subtitle_path = None
        if subtitles != "none":
            subtitle_path = _inside(root, f"{stem}.{subtitles}")
            write_text(subtitle_path, render(clip_segments(index, clip), subtitles, offset=clip.start_s))
        done.append(Exported(clip, audio_path, subtitle_path, index.find_call(clip.call_id).channels))
    manifest = _inside(root, free_stem(root, MANIFEST_STEM, [".json"], overwrite) + ".json")
    write_text(manifest, json.dumps([_manifest_item(e) for e in done], indent=2) + "\n")
    return ExportReport(done, manifest)


def cut_audio(source: Path, start_s: float, end_s: float, target: Path, fmt: str) -> None:
    """Write [start_s, end_s] of `source` to `target`, decoding only that window."""
    if not source.exists():
        raise BadInput(
            f"the recording {source} is no longer there; if it moved, `clipfinder ingest` its new folder: "
            "the call is found by its content and its path updated, without transcribing it again"
        )
    with warnings.catch_warnings():
        # pydub warns about ffmpeg before we point it at one, and about audioop on new Pythons.
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
        from pydub.exceptions import CouldntEncodeError
    samples, rate = decode_window(source, start_s, end_s)
    segment = AudioSegment(data=samples.tobytes(), sample_width=2, frame_rate=rate, channels=samples.shape[1])
    container, codec, _ext = AUDIO_FORMATS[fmt]
    AudioSegment.converter = ffmpeg_binary()
    with replacing(target) as part:
        try:
            segment.export(str(part), format=container, codec=codec, parameters=["-loglevel", "error"]).close()
        except CouldntEncodeError as exc:  # ffmpeg failed: a full disk, a folder that went away
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "ffmpeg failed"
            raise CannotWrite(f"cannot write {target}: {reason}") from None


def clip_segments(index: Index, clip: ClipHit) -> list[Segment]:
    """The call's segments cut to the clip's window: only the words inside it, times unchanged."""
    return window_segments(index.segments(clip.call_id), clip.start_s, clip.end_s)


def window_segments(segments: list[Segment], start_s: float, end_s: float) -> list[Segment]:
    """`segments` cut to [start_s, end_s]: only the words inside it (50 ms leeway), times unchanged.
    A sentence the window cuts shows "..." where its words go on outside the window."""
    out = []
    for seg in segments:
        words = tuple(w for w in seg.words if w.start >= start_s - 0.05 and w.end <= end_s + 0.05)
        if not words:
            continue
        start = max(words[0].start, start_s)
        end = min(words[-1].end, end_s)
        text = join_words(w.text for w in words)
        if len(words) < len(seg.words):
            if seg.words[0].start < words[0].start:
                text = "... " + text
            if seg.words[-1].end > words[-1].end:
                text += " ..."
        out.append(Segment(start, end, text, seg.speaker, words, seg.channel))
    return out


def _inside(root: Path, name: str) -> Path:
    path = (root / name).resolve()
    if path.parent != root:
        raise BadInput(f"refusing to write {name!r} outside {root}")
    return path


def _manifest_item(e: Exported) -> dict[str, Any]:
    c = e.clip
    return {
        "clip_id": c.clip_id,
        "call_id": c.call_id,
        "skill": c.skill,
        "rep": c.rep,
        "account": c.account,
        "date": c.date,
        "source": c.path,
        "start_s": c.start_s,
        "end_s": c.end_s,
        "duration_s": round(c.end_s - c.start_s, 3),
        "phrase": c.phrase,
        "score": c.score,
        "speaker": c.speaker,
        "audio": e.audio.name,
        "subtitles": e.subtitles.name if e.subtitles else None,
        "text": c.text,
    }
