"""Extension points of the theme module.

``SCOPE_RESOLVERS``: which object's theme applies to a request (e.g. the workspace being shown). Each takes
the request and returns an object that may carry a theme assignment, or None; the first answer wins, and
without one the default theme applies.
"""

from __future__ import annotations

from typing import Any, Callable

from workos.kernel.registry import Registry

ScopeResolver = Callable[[Any], Any]
SCOPE_RESOLVERS: Registry[ScopeResolver] = Registry("theme scope resolver")
