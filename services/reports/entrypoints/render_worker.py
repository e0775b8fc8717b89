"""A render worker process: `python -m services.reports.entrypoints.render_worker`.

Reads requests from stdin and writes answers to stdout, each frame an 8-byte length
and a pickle: a request is a list of (report model, "html" | "pdf"), its answer the
list of (True, content) or (False, error) in the same order. It imports only the
renderers (Jinja, Babel, reportlab: ~30 MB), not the service, and anything printed
goes to stderr so it cannot corrupt the frames. `RenderPool` (renderer.py) runs them.
"""
from __future__ import annotations

import os
import pickle
import sys


def render_one(item: tuple[dict, str]) -> tuple[bool, bytes | str]:
    """(ok, content or error) for one model, here or in a worker process."""
    from services.reports.adapters.rendering.html import render_html, render_pdf

    model, fmt = item
    try:
        return True, render_pdf(model) if fmt == "pdf" else render_html(model)
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop the district
        return False, repr(exc)[:300]


def write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big"))
    stream.write(data)
    stream.flush()


def read_frame(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("render worker stream closed")
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("render worker stream closed mid-frame")
    return pickle.loads(data)


def main() -> None:
    frames_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr
    sys.stdout = sys.stderr
    frames_in = sys.stdin.buffer
    while True:
        try:
            items = read_frame(frames_in)
        except EOFError:
            return
        write_frame(frames_out, [render_one(item) for item in items])


if __name__ == "__main__":
    main()
