"""Reading a OneRoster CSV bundle from disk: a folder or a .zip, UTF-8 decoding (a BOM
is accepted), CSV rows with their line numbers, and the manifest.

Every problem becomes a RowError appended to the caller's list; nothing here raises
for bad data.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from services.roster.domain.vocabulary import (
    FILES, MANIFEST, MODES, SUPPORTED_VERSIONS, RowError)

MAX_FILE_BYTES = 1 << 30  # refuse a single member larger than 1 GiB (zip bombs)
BOM = b"\xef\xbb\xbf"


class Source:
    """The files of a bundle, by base name ("users.csv")."""

    def __init__(self, path: str | Path, errors: list[RowError]):
        self.path = Path(path)
        self._read = None
        self.names: set[str] = set()
        if self.path.is_dir():
            files = {p.name: p for p in self.path.iterdir() if p.is_file()}
            self.names = set(files)
            self._read = lambda name: files[name].read_bytes()
        elif self.path.is_file() and zipfile.is_zipfile(self.path):
            self._open_zip(errors)
        elif self.path.exists():
            errors.append(RowError(self.path.name, None, None,
                                   "not a folder or a .zip file"))
        else:
            errors.append(RowError(str(self.path), None, None, "no such file or folder"))

    def _open_zip(self, errors: list[RowError]) -> None:
        with zipfile.ZipFile(self.path) as archive:
            infos = archive.infolist()
        members = {}
        # The shortest path wins, so files at the root beat copies in sub-folders.
        for info in sorted(infos, key=lambda i: len(i.filename), reverse=True):
            name = PurePosixPath(info.filename).name
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            members[name] = info
        for name, info in members.items():
            if info.file_size > MAX_FILE_BYTES:
                errors.append(RowError(name, None, None, "file is larger than 1 GiB"))
        self.names = {n for n, i in members.items() if i.file_size <= MAX_FILE_BYTES}
        self._read = lambda name: _read_member(self.path, members[name])

    def read(self, name: str) -> bytes | None:
        return self._read(name) if name in self.names else None


def _read_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(info)


def decode(name: str, data: bytes, errors: list[RowError]) -> str:
    """UTF-8 text of a file; each line holding invalid bytes gets a RowError."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start:exc.start + 1].hex().upper()
            errors.append(RowError(name, number, None,
                                   f"not valid UTF-8 (byte 0x{bad} at position "
                                   f"{exc.start + 1}); save the file as UTF-8"))
    return data.decode("utf-8", errors="replace")


@dataclass
class Table:
    name: str
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)  # sourcedIds of unusable rows


def parse_table(name: str, text: str, required: tuple[str, ...],
                errors: list[RowError]) -> Table | None:
    """Rows of a CSV file as (line, {column: value}); None if the file is unusable."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = tuple(h.strip() for h in next(reader))
    except StopIteration:
        errors.append(RowError(name, 1, None, "file is empty (no header row)"))
        return None
    except csv.Error as exc:
        errors.append(RowError(name, 1, None, f"unreadable CSV: {exc}"))
        return None
    seen: set[str] = set()
    for column in header:
        if column in seen:
            errors.append(RowError(name, 1, column, "duplicate column"))
        seen.add(column)
    missing = [c for c in required if c not in seen]
    for column in missing:
        errors.append(RowError(name, 1, column, "missing required column"))
    if missing:
        return None
    table = Table(name, header)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(name, line, None, f"unreadable CSV: {exc}"))
            continue
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(header, (v.strip() for v in values)))
        if len(values) != len(header):
            errors.append(RowError(name, line, None, f"row has {len(values)} fields; "
                                                     f"the header has {len(header)}"))
            table.rejected.add(row.get("sourcedId", ""))
            continue
        table.rows.append((line, row))
    return table


@dataclass
class Manifest:
    version: str | None
    properties: dict[str, str]
    mode: dict[str, str]  # data file name -> bulk | delta | absent


def read_manifest(source: Source, errors: list[RowError]) -> Manifest:
    """The manifest's version and per-file modes; version None if unusable."""
    data = source.read(MANIFEST)
    if data is None:
        errors.append(RowError(MANIFEST, None, None, "missing manifest.csv"))
        return Manifest(None, {}, {})
    table = parse_table(MANIFEST, decode(MANIFEST, data, errors),
                        ("propertyName", "value"), errors)
    if table is None:
        return Manifest(None, {}, {})
    props = {r["propertyName"]: r["value"] for _, r in table.rows}
    lines = {r["propertyName"]: line for line, r in table.rows}
    version = props.get("oneroster.version")
    if version not in SUPPORTED_VERSIONS:
        reason = (f"unsupported OneRoster version {version!r} (supported: "
                  f"{', '.join(SUPPORTED_VERSIONS)})" if version else
                  "missing oneroster.version")
        errors.append(RowError(MANIFEST, lines.get("oneroster.version"),
                               "oneroster.version", reason))
        return Manifest(None, props, {})
    mode = {}
    listed = [f"{k[len('file.'):]}.csv" for k in props if k.startswith("file.")]
    for name in dict.fromkeys([*FILES[version], *listed]):
        key = f"file.{name[:-len('.csv')]}"
        value = props.get(key, "absent")
        if value not in MODES:
            errors.append(RowError(MANIFEST, lines[key], key,
                                   f"mode must be bulk, delta or absent, not {value!r}"))
            value = "absent"
        present = name in source.names
        if value != "absent" and not present:
            errors.append(RowError(name, None, None,
                                   f"manifest says {value} but the file is missing"))
            value = "absent"
        elif value == "absent" and present:
            errors.append(RowError(name, None, None,
                                   f"file is present but the manifest says "
                                   f"{'absent' if key in props else 'nothing'} ({key})"))
        mode[name] = value
    return Manifest(version, props, mode)
