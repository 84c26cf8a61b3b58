"""Files a run writes: saved plans and reports (whole or not at all), and exported YAML."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reconciler.errors import ReconcilerError


def write_atomically(path: str, text: str) -> None:
    """Write a whole file or nothing, so a crash never leaves half a plan behind."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ReconcilerError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_export(files: dict[str, str], out_dir: str, *, force: bool) -> list[str]:
    """Write exported files, refusing to overwrite any existing one unless `force`."""
    folder = Path(out_dir)
    clashes = [str(folder / name) for name in files if (folder / name).exists()]
    if clashes and not force:
        raise ReconcilerError(f"{', '.join(clashes)} already exist; pass --force to overwrite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomically(str(folder / name), text)
    except OSError as exc:
        raise ReconcilerError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return [str(folder / name) for name in files]
