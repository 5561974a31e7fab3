"""ASGI entry point for uvicorn and gunicorn's uvicorn workers; the configuration comes from WORKOS_* variables."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workos.settings.base")

from django.core.asgi import get_asgi_application  # noqa: E402

from workos.kernel.bootstrap import freeze_registries  # noqa: E402

application = get_asgi_application()
freeze_registries()
