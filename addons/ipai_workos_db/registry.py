"""Extension points of the databases module that other modules fill (the property types are in ``properties``).

``ROW_LISTENERS``: told of every row's values written (``listener(actor, row, schema, changes)``, in the write's
transaction; ``changes`` maps a property's value key (``Property.key``) to ``{"before": ..., "after": ...}``, ``before`` None for a
new row) — the collaboration module tells people they were added to a person property.
"""

from __future__ import annotations

from typing import Any, Callable

from workos.kernel.registry import Registry

ROW_LISTENERS: Registry[Callable[[Any, Any, Any, dict], None]] = Registry("row listener")


def rows_written(actor, row, schema, changes: dict) -> None:
    for _key, listener in ROW_LISTENERS.items():
        listener(actor, row, schema, changes)
