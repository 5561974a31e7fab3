"""The suite's part of ``workos demo load``, after every module's own: what needs two modules' demos at once. Ana
(the collaboration demo's colleague) comments inline on words of the Meeting notes page (the templates demo's),
and the demo user answers: an anchored, highlighted thread in the editor, through the collaboration services."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ipai_workos_blocks import richtext
from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services as collab
from ipai_workos_core import services as core
from workos.kernel.demo import Demo


def _words(trees: list[dict]) -> tuple[dict, int, int] | None:
    """A text block of the page and the range of its first words (an inline comment's anchor)."""
    for tree in trees:
        text = richtext.plain_text((tree.get("content") or {}).get("text")) if isinstance((tree.get("content") or {}).get("text"), list) else ""
        if tree.get("type") != "code" and len(text.strip()) >= 8 and not any("mention" in span for span in tree["content"]["text"]):
            end = text.find(" ", text.find(" ") + 1)
            return tree, 0, end if end > 0 else len(text)
        found = _words(tree.get("children") or [])
        if found:
            return found
    return None


def load(demo: Demo) -> None:
    notes_id = demo.made.get("meeting_notes_page_id")
    ana = get_user_model().objects.filter(username="ana").first()
    if notes_id is None or ana is None:
        return
    notes = core.get_page(demo.user, notes_id)
    found = _words(blocks.document(notes))
    if found is None:
        return
    block, start, end = found
    thread, _ = collab.create_comment(ana, notes, {"text": [{"text": "Can we keep this part under ten minutes?"}]},
                                      block_id=block["id"], anchor={"start": start, "end": end})
    collab.create_comment(demo.user, notes, {"text": [{"text": "Yes — I will time-box it."}]}, parent_id=thread.pk)
    demo.report["inline comments"] = (f"an inline thread on \"{thread.anchor['text']}\" in {notes.title or 'Meeting notes'} "
                                      f"(highlighted in the editor; click it to open the thread)")
