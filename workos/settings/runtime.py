"""The configuration and module load mode of this process, set by the CLI before Django starts.

Processes that Django starts on its own (uvicorn/gunicorn workers, pytest) find both through the
environment: ``WORKOS_CONFIG`` and the ``WORKOS_*`` variables, and ``WORKOS_LOAD_MODULES``.
"""

from __future__ import annotations

import os

from workos.kernel.bootstrap import LOAD_MODES

from .config import Config, load_config

_config: Config | None = None
_load_mode: str | None = None

SETTINGS_MODULE = "workos.settings.base"


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


def setup_django(config: Config, load: str = "installed") -> None:
    """Configure and start Django for this process with ``config``. ``load`` is "installed" (servers) or "all"
    (installer). The settings module hands the kernel what it needs from ``config``; the kernel never asks."""
    import django

    from workos.kernel.bootstrap import freeze_registries

    use(config, load)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    django.setup()
    freeze_registries()
