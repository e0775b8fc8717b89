"""Helpers for the roster unit tests: copy a hand-written bundle, edit it, zip it."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data"


def copy_bundle(tmp_path: Path, name: str = "v11") -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace one exact piece of text in a bundle file (which must contain it)."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found exactly once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def zip_folder(folder: Path, zip_path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return zip_path


def where(bundle) -> set[tuple]:
    """The (file, line, column) of every error."""
    return {(e.file, e.line, e.column) for e in bundle.errors}
