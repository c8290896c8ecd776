"""Audio by id: a clip's window, a window of a call, the whole recording. Files are sent with
HTTP range support (Starlette's FileResponse), so the browser can seek."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from clipfinder.errors import BadInput
from clipfinder.read.listen import clip_audio, recording, window_audio
from clipfinder.web.common import index_of, served

AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".webm": "audio/webm",
}


async def clip_audio_file(request: Request) -> Response:
    def cut() -> Path:
        with index_of(request) as index:
            return clip_audio(index, request.path_params["clip_id"], served(request).cache)

    return FileResponse(await run_in_threadpool(cut), media_type="audio/mpeg")


async def window_audio_file(request: Request) -> Response:
    try:
        start, end = float(request.query_params["start"]), float(request.query_params["end"])
    except (KeyError, ValueError):
        raise BadInput("a window needs start and end in seconds (?start=12.5&end=42.5)") from None

    def cut() -> Path:
        with index_of(request) as index:
            return window_audio(index, request.path_params["call_id"], start, end, served(request).cache)

    return FileResponse(await run_in_threadpool(cut), media_type="audio/mpeg")


async def recording_file(request: Request) -> Response:
    def find() -> Path:
        with index_of(request) as index:
            return recording(index, request.path_params["call_id"])

    path = await run_in_threadpool(find)
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))
