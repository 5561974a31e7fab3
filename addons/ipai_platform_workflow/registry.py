"""Extension points of the workflow module.

``GUARDS``: named conditions a transition may require (``guard = "page_has_title"``). A guard is called with
the record, the user and the transition and returns None to allow, or a sentence saying why not.

``APPROVAL_GATES``: how a transition marked "requires approval" learns that it was approved. The approvals
module registers one; without any, such transitions are refused.

``TRANSITION_NOTIFIERS``: who is told that a record moved to another state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workos.kernel.registry import Registry

Guard = Callable[[Any, Any, Any], "str | None"]
GUARDS: Registry[Guard] = Registry("workflow guard")


@dataclass(frozen=True)
class ApprovalGate:
    is_approved: Callable[[Any, Any], bool]  # (record, transition) -> an approved request waits for it
    consume: Callable[[Any, Any, Any], None]  # (record, transition, user): the approved transition happened


APPROVAL_GATES: Registry[ApprovalGate] = Registry("workflow approval gate")

# Who hears that a record moved: ``notify(user, record, transition)`` after the move, inside its transaction.
# The collaboration module's inbox registers one (for the followers of a page); workflow never imports it.
TRANSITION_NOTIFIERS: Registry[Callable[[Any, Any, Any], None]] = Registry("workflow transition notifier")
