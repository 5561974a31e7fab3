"""Settings in layers: defaults -> operator config (workos.toml + WORKOS_* env) -> modules -> computed.

``config.py`` holds the first two layers; ``base.py`` is the Django settings module that adds the installed
modules and the computed values.
"""
