"""A synthetic Notion workspace export, written as Notion writes it, for the import benchmark.

    .venv/bin/python benchmarks/imports/notion_export.py OUT.zip [--format markdown|html] [--pages 5000] [--blocks 50000]
                                                                 [--databases 20] [--rows 100] [--images 500]

"Markdown & CSV" (``--format markdown``): ``Title <32-hex id>.md`` per page, its sub-pages in the folder
``Title <id>/``, images beside the page that shows them, links between pages as relative, %-encoded paths;
each database a ``Name <id>.csv`` with ``Name <id>_all.csv`` (Notion's filtered view and the full table) inside
the folder of the page that holds it, its row pages in ``Name <id>/`` starting with their "Column: value"
lines. The whole export is wrapped in ``Export-<uuid>-Part-1.zip`` inside the downloaded zip, as Notion does.

HTML (``--format html``): the same tree as ``Title <id>.html`` pages (``article.page`` > ``header`` +
``div.page-body``, the block markup of ``notion_html``), each database a page holding a
``table.collection-content`` whose first cells link its row pages.

Blocks per page vary (headings, paragraphs with bold and links, bulleted/numbered lists with nested items,
to-dos, code, quotes, dividers, images) so that the total is ``--blocks`` (pages and row pages together).
Deterministic: the same arguments give the same zip.
"""

from __future__ import annotations

import argparse
import html
import io
import random
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote

WORDS = ("alpha beta gamma delta report budget plan review meeting notes roadmap launch design draft sprint backlog "
         "customer invoice metric target quarter team owner status release feature bug fix deploy server client "
         "search index cache query table column schema migration archive export import sync").split()
STATUSES = ["Not started", "In progress", "Done", "Blocked"]
PRIORITIES = ["Low", "Medium", "High"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


@dataclass
class Node:
    title: str
    id: str
    parent: "Node | None"
    children: list["Node"] = field(default_factory=list)
    database: "Database | None" = None  # a database shown in this page
    image: bool = False

    @property
    def name(self) -> str:
        return f"{self.title} {self.id}"

    def folder(self) -> str:
        return f"{self.parent.folder()}/{self.name}" if self.parent else self.name

    def file(self, extension: str) -> str:
        return f"{self.folder()}.{extension}"


@dataclass
class Database:
    title: str
    id: str
    holder: Node
    rows: list[Node] = field(default_factory=list)
    cells: list[list[str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.title} {self.id}"


HEADER = ["Name", "Status", "Estimate", "Due", "Done", "Link", "Notes"]


def png(rng: random.Random) -> bytes:
    """A small real PNG (16x16, random colours)."""
    width = height = 16
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Export:
    def __init__(self, *, pages: int, blocks: int, databases: int, rows: int, images: int, seed: int = 17):
        self.rng = random.Random(seed)
        self.pages: list[Node] = []
        self.databases: list[Database] = []
        used: set[str] = set()
        for number in range(pages):
            parent = None
            if number >= 40:
                candidates = [self.pages[self.rng.randrange(len(self.pages))] for _ in range(3)]
                parent = min(candidates, key=self.depth) if self.rng.random() < 0.5 else candidates[0]
                if self.depth(parent) >= 6:
                    parent = parent.parent
            node = Node(title=self.title(used, number), id=self.hex_id(), parent=parent)
            (parent.children if parent else []).append(node)
            self.pages.append(node)
        for node in self.rng.sample(self.pages, images):
            node.image = True
        holders = self.rng.sample(self.pages, databases)
        for number, holder in enumerate(holders):
            database = Database(title=f"Tasks {number + 1}", id=self.hex_id(), holder=holder)
            holder.database = database
            for row in range(rows):
                database.rows.append(Node(title=f"Task {number + 1}.{row + 1} {self.rng.choice(WORDS)}", id=self.hex_id(), parent=None))
                day = 1 + row % 28
                database.cells.append([database.rows[-1].title, self.rng.choice(STATUSES), str(self.rng.randrange(1, 40)),
                                       f"{MONTHS[row % 12]} {day}, 2026", self.rng.choice(["Yes", "No"]),
                                       f"https://example.com/tasks/{number}/{row}", self.sentence(6)])
            self.databases.append(database)
        row_count = databases * rows
        self.row_blocks = 2  # each row page: a paragraph and a to-do
        self.blocks_per_page = max(1.0, (blocks - row_count * self.row_blocks) / max(pages, 1))
        self.block_total = 0

    # --- names and text --------------------------------------------------------------------------------

    def hex_id(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128)).hex

    def title(self, used: set[str], number: int) -> str:
        title = " ".join(self.rng.choice(WORDS).capitalize() if index == 0 else self.rng.choice(WORDS) for index in range(self.rng.randint(1, 4)))
        title = f"{title} {number}"
        used.add(title)
        return title

    def depth(self, node: Node) -> int:
        depth = 0
        while node.parent is not None:
            node, depth = node.parent, depth + 1
        return depth

    def sentence(self, words: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words))

    def other_page(self, node: Node) -> Node:
        return self.pages[self.rng.randrange(len(self.pages))]

    # --- the blocks of a page ----------------------------------------------------------------------------

    def plan_blocks(self, node: Node) -> list[tuple]:
        """(kind, data) items: the page's blocks, about ``blocks_per_page`` of them (nested list items counted)."""
        count = max(1, round(self.rng.gauss(self.blocks_per_page, 3)))
        items: list[tuple] = []
        made = 0
        if node.image:
            items.append(("image", "image.png"))
            made += 1
        if node.database is not None:
            items.append(("database", node.database))
        while made < count:
            kind = self.rng.choices(["h2", "h3", "p", "p_link", "bullets", "numbers", "todo", "code", "quote", "divider"],
                                    [6, 3, 30, 10, 10, 6, 10, 4, 4, 2])[0]
            if kind in ("bullets", "numbers"):
                size = min(count - made, self.rng.randint(2, 5))
                nested = 1 if size >= 3 else 0
                items.append((kind, [self.sentence(self.rng.randint(3, 8)) for _ in range(size - nested)], nested))
                made += size
            elif kind == "p_link":
                items.append((kind, self.sentence(self.rng.randint(4, 10)), self.other_page(node)))
                made += 1
            elif kind == "todo":
                items.append((kind, self.sentence(self.rng.randint(2, 6)), self.rng.random() < 0.5))
                made += 1
            else:
                items.append((kind, self.sentence(self.rng.randint(5, 20))))
                made += 1
        self.block_total += made
        return items

    # --- Markdown & CSV ------------------------------------------------------------------------------------

    def markdown_page(self, node: Node) -> str:
        lines = [f"# {node.title}", ""]
        here = node.folder().rsplit("/", 1)[0] if node.parent else ""
        for item in self.plan_blocks(node):
            kind = item[0]
            if kind == "image":
                lines += [f"![{item[1]}]({quote(node.name)}/{item[1]})", ""]
            elif kind == "database":
                database = item[1]
                lines += [f"[{database.title}]({quote(node.name)}/{quote(database.name)}.csv)", ""]
            elif kind == "h2":
                lines += [f"## {item[1][:60]}", ""]
            elif kind == "h3":
                lines += [f"### {item[1][:60]}", ""]
            elif kind == "p":
                words = item[1].split()
                words[1 % len(words)] = f"**{words[1 % len(words)]}**"
                lines += [" ".join(words), ""]
            elif kind == "p_link":
                lines += [f"{item[1]}, see [{item[2].title}]({relative(here, item[2].file('md'))}).", ""]
            elif kind in ("bullets", "numbers"):
                marker = "-" if kind == "bullets" else "1."
                for index, text in enumerate(item[1]):
                    lines.append(f"{marker} {text}")
                    if index == 0 and item[2]:
                        lines.append(f"    {marker} nested {text}")
                lines.append("")
            elif kind == "todo":
                lines += [f"- [{'x' if item[2] else ' '}] {item[1]}", ""]
            elif kind == "code":
                lines += ["```python", f"def {item[1].split()[0]}():", f"    return {item[1]!r}", "```", ""]
            elif kind == "quote":
                lines += [f"> {item[1]}", ""]
            elif kind == "divider":
                lines += ["---", ""]
        return "\n".join(lines)

    def markdown_row(self, database: Database, index: int) -> str:
        cells = database.cells[index]
        properties = "\n".join(f"{name}: {value}" for name, value in zip(HEADER[1:], cells[1:]))
        self.block_total += self.row_blocks
        return f"# {cells[0]}\n\n{properties}\n\n{self.sentence(12)}\n\n- [ ] {self.sentence(4)}\n"

    def write_markdown(self, archive: zipfile.ZipFile, top: str) -> None:
        for node in self.pages:
            archive.writestr(f"{top}/{node.file('md')}", self.markdown_page(node))
            if node.image:
                archive.writestr(f"{top}/{node.folder()}/image.png", png(self.rng))
        for database in self.databases:
            base = f"{top}/{database.holder.folder()}/{database.name}"
            table = csv_text([HEADER, *database.cells])
            archive.writestr(f"{base}.csv", csv_text([HEADER, *database.cells[: len(database.cells) // 2]]))  # the filtered view
            archive.writestr(f"{base}_all.csv", table)
            for index, row in enumerate(database.rows):
                archive.writestr(f"{base}/{row.name}.md", self.markdown_row(database, index))

    # --- HTML ------------------------------------------------------------------------------------------------

    def html_page(self, node: Node) -> str:
        here = node.folder().rsplit("/", 1)[0] if node.parent else ""
        body: list[str] = []
        for item in self.plan_blocks(node):
            kind = item[0]
            if kind == "image":
                body.append(f'<figure class="image"><a href="{quote(node.name)}/{item[1]}"><img src="{quote(node.name)}/{item[1]}"/></a></figure>')
            elif kind == "database":
                database = item[1]
                body.append(f'<figure class="link-to-page"><a href="{quote(node.name)}/{quote(database.name)}.html">{html.escape(database.title)}</a></figure>')
            elif kind == "h2":
                body.append(f"<h2>{html.escape(item[1][:60])}</h2>")
            elif kind == "h3":
                body.append(f"<h3>{html.escape(item[1][:60])}</h3>")
            elif kind == "p":
                first, _, rest = item[1].partition(" ")
                body.append(f"<p><strong>{html.escape(first)}</strong> {html.escape(rest)}</p>")
            elif kind == "p_link":
                body.append(f'<p>{html.escape(item[1])}, see <a href="{relative(here, item[2].file("html"))}">{html.escape(item[2].title)}</a>.</p>')
            elif kind in ("bullets", "numbers"):
                tag, cls = ("ul", "bulleted-list") if kind == "bullets" else ("ol", "numbered-list")
                for index, text in enumerate(item[1]):
                    nested = f'<{tag} class="{cls}"><li>nested {html.escape(text)}</li></{tag}>' if index == 0 and item[2] else ""
                    body.append(f'<{tag} class="{cls}"><li>{html.escape(text)}{nested}</li></{tag}>')
            elif kind == "todo":
                state = "checkbox-on" if item[2] else "checkbox-off"
                body.append(f'<ul class="to-do-list"><li><div class="checkbox {state}"></div> <span class="to-do-children-unchecked">'
                            f'{html.escape(item[1])}</span></li></ul>')
            elif kind == "code":
                body.append(f'<pre class="code"><code class="language-python">{html.escape(item[1])}</code></pre>')
            elif kind == "quote":
                body.append(f"<blockquote>{html.escape(item[1])}</blockquote>")
            elif kind == "divider":
                body.append("<hr/>")
        return html_document(node.title, "".join(body))

    def html_database(self, database: Database) -> str:
        head = "".join(f"<th>{html.escape(name)}</th>" for name in HEADER)
        rows = []
        for row, cells in zip(database.rows, database.cells):
            link = f'<a href="{quote(database.name)}/{quote(row.name)}.html">{html.escape(cells[0])}</a>'
            rows.append("<tr>" + f'<td class="cell-title">{link}</td>' + "".join(f"<td>{html.escape(value)}</td>" for value in cells[1:]) + "</tr>")
        table = f'<table class="collection-content"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        return (f'<html><head><meta charset="utf-8"/><title>{html.escape(database.title)}</title></head><body><article class="page">'
                f'<header><h1 class="page-title">{html.escape(database.title)}</h1></header>{table}</article></body></html>')

    def html_row(self, database: Database, index: int) -> str:
        cells = database.cells[index]
        props = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>" for name, value in zip(HEADER[1:], cells[1:]))
        self.block_total += self.row_blocks
        body = (f'<p>{html.escape(self.sentence(12))}</p><ul class="to-do-list"><li><div class="checkbox checkbox-off"></div> '
                f'<span class="to-do-children-unchecked">{html.escape(self.sentence(4))}</span></li></ul>')
        return html_document(cells[0], body, properties=f'<table class="properties"><tbody>{props}</tbody></table>')

    def write_html(self, archive: zipfile.ZipFile, top: str) -> None:
        for node in self.pages:
            archive.writestr(f"{top}/{node.file('html')}", self.html_page(node))
            if node.image:
                archive.writestr(f"{top}/{node.folder()}/image.png", png(self.rng))
        for database in self.databases:
            base = f"{top}/{database.holder.folder()}/{database.name}"
            archive.writestr(f"{base}.html", self.html_database(database))
            for index, row in enumerate(database.rows):
                archive.writestr(f"{base}/{row.name}.html", self.html_row(database, index))
        archive.writestr(f"{top}/index.html", html_document("Export", ""))

    def write(self, path: str, format: str) -> dict:
        """Write the export zip to ``path``; returns what it holds."""
        export_id = uuid.UUID(int=self.rng.getrandbits(128))
        top = f"Export-{export_id}"
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
            (self.write_markdown if format == "markdown" else self.write_html)(archive, top)
            entries = len(archive.infolist())
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
            outer.writestr(f"{top}-Part-1.zip", inner.getvalue())
        return {"pages": len(self.pages), "databases": len(self.databases), "rows": sum(len(d.rows) for d in self.databases),
                "images": sum(1 for node in self.pages if node.image), "blocks": self.block_total, "entries": entries,
                "inner_zip_bytes": len(inner.getvalue())}


def relative(here: str, target: str) -> str:
    """``target``'s path relative to the folder ``here``, %-encoded as Notion writes links."""
    import posixpath

    return quote(posixpath.relpath(target, here or "."))


def csv_text(rows: list[list[str]]) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()  # Notion writes a byte order mark


def html_document(title: str, body: str, properties: str = "") -> str:
    return (f'<html><head><meta charset="utf-8"/><title>{html.escape(title)}</title></head><body><article class="page">'
            f'<header><h1 class="page-title">{html.escape(title)}</h1>{properties}</header><div class="page-body">{body}</div>'
            f"</article></body></html>")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--format", choices=("markdown", "html"), default="markdown")
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--blocks", type=int, default=50_000)
    parser.add_argument("--databases", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--images", type=int, default=500)
    args = parser.parse_args()
    export = Export(pages=args.pages, blocks=args.blocks, databases=args.databases, rows=args.rows, images=args.images)
    print(export.write(args.out, args.format))


if __name__ == "__main__":
    main()
