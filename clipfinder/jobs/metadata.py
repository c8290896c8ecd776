"""Who, with whom and when: a recording's metadata from its sidecar, a manifest, or defaults.

Sidecar: a JSON object beside the recording, named after the whole file name plus ".json"
(`call1.mp3.json`, looked for first) or after its stem (`call1.json`). Manifest: a CSV with a
`path` column (relative to the CSV's folder, or absolute) and the same fields as columns.
Without either: rep = the parent folder's name, date = the file's modification time.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from clipfinder.errors import BadMetadata
from clipfinder.pipeline.speakers import parse_channels
from clipfinder.records import CallMeta
from clipfinder.text import has_control, parse_iso

FIELDS = ("rep", "account", "date", "title", "channels")


def sidecar_path(recording: Path) -> Path | None:
    """The sidecar of a recording, if it has one."""
    for candidate in (recording.with_name(recording.name + ".json"), recording.with_suffix(".json")):
        if candidate.is_file() and candidate != recording:
            return candidate
    return None


def read_manifest(path: Path) -> dict[Path, dict[str, str]]:
    """Read a manifest CSV into {resolved recording path: fields}."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or []]
            if "path" not in columns:
                raise BadMetadata(
                    f"{path}: the manifest needs a 'path' column (it has: {', '.join(columns) or 'none'})"
                )
            unknown = sorted(set(columns) - {"path", *FIELDS})
            if unknown:
                raise BadMetadata(
                    f"{path}: unknown manifest column(s) {', '.join(unknown)}; "
                    f"the columns are path, {', '.join(FIELDS)}"
                )
            entries: dict[Path, dict[str, str]] = {}
            for row in reader:
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                if not row.get("path"):
                    continue
                recording = Path(row.pop("path")).expanduser()
                if not recording.is_absolute():
                    recording = path.parent / recording
                entries[recording.resolve()] = {k: v for k, v in row.items() if v}
            return entries
    except OSError as exc:
        raise BadMetadata(f"{path}: cannot read the manifest ({exc.strerror})") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BadMetadata(f"{path}: the manifest is not a readable CSV ({exc})") from exc


def load_metadata(
    recording: Path,
    manifest: dict[Path, dict[str, str]] | None = None,
    channels: tuple[str, ...] | None = None,
) -> CallMeta:
    """Metadata for one recording: sidecar, else manifest entry, else defaults.

    `channels` (from --channels) applies where the sidecar or manifest does not say.
    Raises BadMetadata naming the file and the field.
    """
    fields: dict[str, Any] = {}
    source = "default"
    sidecar = sidecar_path(recording)
    if sidecar is not None:
        fields, source = _read_sidecar(sidecar), "sidecar"
    elif manifest and recording.resolve() in manifest:
        fields, source = dict(manifest[recording.resolve()]), "manifest"
        if "channels" in fields:
            fields["channels"] = fields["channels"].replace(";", ",")
    where = sidecar if sidecar is not None else recording
    rep = _text(fields, "rep", where) or recording.resolve().parent.name
    if has_control(rep):
        raise BadMetadata(
            f"{recording}: the folder name {json.dumps(rep)} is used as the rep but holds control "
            "characters; give the rep in a sidecar or manifest"
        )
    when = _date(fields.get("date"), where) or _mtime(recording)
    roles = fields.get("channels")
    try:
        parsed = parse_channels(roles) if roles is not None else channels
    except BadMetadata as exc:
        raise BadMetadata(f"{where}: field 'channels': {exc}") from exc
    return CallMeta(
        rep=rep,
        date=when,
        account=_text(fields, "account", where),
        title=_text(fields, "title", where),
        channels=parsed,
        source=source,
        stated=frozenset(k for k in ("rep", "account", "date", "title") if fields.get(k) is not None),
    )


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadMetadata(f"{path}: cannot read the sidecar ({exc.strerror})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadMetadata(f"{path}: the sidecar is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise BadMetadata(f"{path}: the sidecar must be a JSON object with {', '.join(FIELDS)}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadMetadata(f"{path}: unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}")
    if "channels" in data and not (
        isinstance(data["channels"], list) and all(isinstance(c, str) for c in data["channels"])
    ):
        raise BadMetadata(f'{path}: field \'channels\' must be a list such as ["rep", "prospect"]')
    return data


def _text(fields: dict[str, Any], key: str, where: Path) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadMetadata(f"{where}: field '{key}' must be text (got {json.dumps(value)})")
    if has_control(value.strip()):
        # a newline or an escape sequence in a name would break every table and terminal it is shown in
        raise BadMetadata(f"{where}: field '{key}' holds control characters ({json.dumps(value)}); write plain text")
    return value.strip() or None


def _date(value: Any, where: Path) -> str | None:
    """An ISO date or date-time, normalised to 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SS'."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            when, has_time = parse_iso(value)
        except ValueError:
            pass
        else:
            return when.replace(microsecond=0).isoformat() if has_time else when.date().isoformat()
    raise BadMetadata(
        f"{where}: field 'date' must be an ISO date such as 2026-11-16 or 2026-11-16T10:00 (got {json.dumps(value)})"
    )


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0).isoformat()
