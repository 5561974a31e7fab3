"""The configuration and module load mode of this process, set by the CLI before Django starts.

Processes that Django starts on its own (uvicorn/gunicorn workers, pytest) find both through the
environment: ``WORKOS_CONFIG`` and the ``WORKOS_*`` variables, and ``WORKOS_LOAD_MODULES``.
"""

from __future__ import annotations

import os

from .config import Config, load_config

_config: Config | None = None
_load_mode: str | None = None

LOAD_MODES = ("installed", "all")


def use(config: Config, load: str) -> None:
    global _config, _load_mode
    if load not in LOAD_MODES:
        raise ValueError(f"load mode must be one of {LOAD_MODES}, got {load!r}")
    _config, _load_mode = config, load
    os.environ["WORKOS_LOAD_MODULES"] = load


def config() -> Config:
    global _config
    if _config is None:
        _config = load_config()
    return _config


def load_mode() -> str:
    mode = _load_mode or os.environ.get("WORKOS_LOAD_MODULES", "installed")
    if mode not in LOAD_MODES:
        raise ValueError(f"WORKOS_LOAD_MODULES must be one of {LOAD_MODES}, got {mode!r}")
    return mode
