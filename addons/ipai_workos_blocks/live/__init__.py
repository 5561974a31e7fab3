"""Live co-editing of a page's document with Yjs (issue 14).

The Yjs schema — what any Yjs client reads and writes at ``/ws/pages/{page_id}``
================================================================================

A page's Yjs document holds one root type, the ``Y.XmlFragment`` named ``default`` (TipTap's collaboration
extension's default field), with the editor's ProseMirror document stored as y-prosemirror stores it
(``ydoc.py``): one ``Y.XmlElement`` per node, named after the node type, with the node's non-null attributes;
text as ``Y.XmlText`` runs whose formatting attributes are the marks.

Block nodes (each may carry ``blockId``, the block's UUID, so that edits keep the block's row, comments, history)::

    paragraph                                   -> paragraph
    heading        level: 1 | 2 | 3              -> heading_1 .. heading_3
    bulletList > listItem > paragraph, blocks…  -> bulleted_list (one per item; blocks after the first
    orderedList > listItem > …                  -> numbered_list   paragraph are the item's children)
    taskList > taskItem  checked: bool > …      -> todo
    quote                                       -> quote
    callout        icon: str, color: str        -> callout
    toggle         collapsed: bool
      > toggleSummary, blocks…                  -> toggle (summary = text, the rest = children)
    horizontalRule                              -> divider
    codeBlock      language: str | null         -> code (its text is the code)
    image          src, attachmentId, caption   -> image
    fileBlock      url, attachmentId, name      -> file

Inline content of text blocks: text runs with the marks ``bold``, ``italic``, ``underline``, ``strike``, ``code``
(attributes ``{}``), ``link`` (``{"href": url}``) and ``comment`` (``{"threadId": int}``: an inline comment
thread anchored to the text; the span key ``comment`` in blocks); ``hardBreak`` elements (a line break in the block's text);
``mention`` elements with ``id`` (a number as text), ``kind`` (``user`` | ``page``) and ``label``.

Unknown nodes are kept in the Yjs document but are not blocks. The mapping to blocks is ``prosemirror.py``, the
Python twin of the editor's ``frontend/src/editor/convert.ts``, tested against it on shared fixtures.

Parts: ``consumer.py`` (the WebSocket and its protocol), ``ydoc.py`` (Yjs <-> ProseMirror JSON),
``prosemirror.py`` (ProseMirror JSON <-> blocks); the storage and the derived blocks are the module's write path,
``services/live.py``.
"""
