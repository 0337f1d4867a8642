"""Reading the files `pmm` commands are given: a problem is an `Error: …`, not a traceback."""

from __future__ import annotations

from pathlib import Path

from pmm.cli.errors import fail


def read_text(path: Path) -> str:
    """The UTF-8 text of `path`; exits with `Error: …` if it cannot be read or is not UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{path} is not a UTF-8 text file.") from None
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror or error}.") from None
