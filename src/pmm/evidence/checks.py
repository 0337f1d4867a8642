"""System check: evidence files must never be stored where the web server or static files live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


def _inside(path: Path, folder: Any) -> bool:
    if not folder:
        return False
    folder = Path(folder).resolve()
    return path == folder or folder in path.parents


def evidence_dir_problems() -> list[str]:
    """Folders that PMM_EVIDENCE_DIR must stay out of, and is in."""
    evidence = Path(settings.PMM_EVIDENCE_DIR).resolve()
    web_folders = {
        "STATIC_ROOT": getattr(settings, "STATIC_ROOT", None),
        "MEDIA_ROOT": getattr(settings, "MEDIA_ROOT", None),
        "the source tree": Path(__file__).resolve().parent.parent,
        **{
            f"STATICFILES_DIRS[{i}]": d[1] if isinstance(d, tuple | list) else d
            for i, d in enumerate(getattr(settings, "STATICFILES_DIRS", []))
        },
    }
    return [name for name, folder in web_folders.items() if _inside(evidence, folder)]


@register()
def evidence_dir_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    return [
        Error(
            f"PMM_EVIDENCE_DIR ({settings.PMM_EVIDENCE_DIR}) is inside {name}: "
            "uploaded files could be served without an access check.",
            hint="Point PMM_EVIDENCE_DIR at a folder outside the web root, e.g. var/evidence.",
            id="pmm.evidence.E001",
        )
        for name in evidence_dir_problems()
    ]
