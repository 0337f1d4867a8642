"""gunicorn's configuration for JSON logs (`pmm serve` passes it when the logs are JSON): its error
and access logs become JSON lines like the platform's own (pmm.core.logs)."""

from pmm.core.logs import logging_config

_config = logging_config(json_lines=True, level="INFO")
_config["loggers"] = {
    "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
    "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
}
logconfig_dict = _config
