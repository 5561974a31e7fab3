"""``/ws/events`` against a real ``workos serve`` with real WebSocket clients: the notices that keep the sidebar,
database views, comments and the inbox live, and that nobody hears about what they may not read.

"Gets nothing" is asserted without timing: after the write someone may not hear of, a write everyone may hear of
follows (a marker); the first notice after it must be the marker's, since one connection's notices arrive in
order."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from workos.kernel.aio import run_to_end
from workos.testing.fixtures import PeopleOnAServer, Site, site_with_people

PASSWORD = "correct-horse-battery"


class Events(PeopleOnAServer):
    """grace (admin) owns the workspace; ada and victor are members; "Mine" is grace's private space."""

    def __init__(self, site: Site):
        super().__init__(site, PASSWORD)
        self.team, self.mine = self.space_id, self.private_space_id

    def url(self, path: str) -> str:
        return self.base_url + path

    def page(self, space: int, title: str, name: str = "grace") -> int:
        created = self.api(name).post("/api/v1/pages", json={"space_id": space, "title": title})
        assert created.status_code == 201, created.text
        return created.json()["id"]


@pytest.fixture(scope="module")
def events(tmp_path_factory, database_kind, request):
    site = site_with_people(tmp_path_factory.mktemp("events") / "site", database_kind, request, "ipai_workos_affine", PASSWORD)
    instance = Events(site)
    yield instance
    instance.server.stop()


class Listener:
    """One ``/ws/events`` connection and the notices it received."""

    def __init__(self, events: Events, name: str, token: str | None = None):
        self.url = events.server.base_url.replace("http", "ws") + "/ws/events?token=" + (token if token is not None else events.tokens[name])
        self.socket = None

    async def __aenter__(self) -> "Listener":
        self.socket = await websockets.connect(self.url)
        assert await self.next() == {"kind": "hello"}
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.socket.close()

    async def next(self) -> dict:
        return json.loads(await asyncio.wait_for(self.socket.recv(), 15))

    async def until(self, wanted) -> list[dict]:
        """Notices up to and including the first one for which ``wanted(notice)`` holds."""
        seen = []
        while True:
            notice = await self.next()
            seen.append(notice)
            if wanted(notice):
                return seen


def run(coroutine):
    return run_to_end(coroutine, 120)


def about_page(page_id: int, event: str | None = None):
    return lambda notice: notice.get("kind") == "page" and notice["id"] == page_id and (event is None or notice["event"] == event)


async def call(function, *args, **kwargs):
    response = await asyncio.to_thread(function, *args, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def test_the_page_tree_hears_of_pages_created_renamed_moved_and_trashed_and_nobody_of_what_they_cannot_read(events):
    async def scenario():
        grace = events.api("grace")
        async with Listener(events, "ada") as ada, Listener(events, "victor") as victor:
            page_id = await asyncio.to_thread(events.page, events.team, "Plans")
            for listener in (ada, victor):
                await listener.until(about_page(page_id, "changed"))
            await call(grace.patch, f"/api/v1/pages/{page_id}", json={"title": "Plans 2026"})
            parent_id = await asyncio.to_thread(events.page, events.team, "Parent")
            await call(grace.post, f"/api/v1/pages/{page_id}/move", json={"parent_id": parent_id})
            await call(grace.delete, f"/api/v1/pages/{page_id}")
            seen = await ada.until(about_page(page_id, "trashed"))
            assert any(about_page(page_id, "changed")(n) for n in seen)  # the rename
            assert any(about_page(page_id, "moved")(n) for n in seen)
            assert all(set(n) <= {"kind", "event", "id", "container"} for n in seen)  # ids and kinds, no titles

            # grace's private space: neither hears a thing, the marker after it comes first
            secret = await asyncio.to_thread(events.page, events.mine, "Secret")
            await call(grace.patch, f"/api/v1/pages/{secret}", json={"title": "Secret, renamed"})
            await call(grace.delete, f"/api/v1/pages/{secret}")
            marker = await asyncio.to_thread(events.page, events.team, "Marker")
            for listener in (ada, victor):
                seen = await listener.until(about_page(marker))
                assert not any(n.get("id") == secret for n in seen), seen

    run(scenario())


def test_a_page_whose_body_changes_is_told_once_not_at_every_edit(events):
    async def scenario():
        grace = events.api("grace")
        page_id = await asyncio.to_thread(events.page, events.team, "Body")
        async with Listener(events, "ada") as ada:
            for text in ("one", "two", "three"):
                version = (await call(grace.get, f"/api/v1/pages/{page_id}/blocks"))["version"]
                await call(grace.put, f"/api/v1/pages/{page_id}/blocks",
                           json={"blocks": [{"type": "paragraph", "content": {"text": [{"text": text}]}}], "base_version": version})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after edits")
            seen = await ada.until(about_page(marker))
            assert len([n for n in seen if n.get("id") == page_id]) == 1, seen

    run(scenario())


def test_open_database_views_hear_of_rows_created_changed_and_trashed_only_when_they_may_read_them(events):
    async def scenario():
        grace = events.api("grace")
        shared = await call(grace.post, "/api/v1/databases", json={"space_id": events.team, "title": "Tasks"})
        private = await call(grace.post, "/api/v1/databases", json={"space_id": events.mine, "title": "Salaries"})
        container = {"model": "ipai.workos.database", "id": str(shared["id"])}
        async with Listener(events, "victor") as victor:
            row = await call(grace.post, f"/api/v1/databases/{shared['id']}/rows", json={"values": {}})
            seen = await victor.until(lambda n: n.get("kind") == "page" and n["container"] == container)
            row_page = seen[-1]["id"]
            await call(grace.delete, f"/api/v1/pages/{row_page}")
            await victor.until(lambda n: n.get("kind") == "page" and n["id"] == row_page and n["event"] == "trashed")
            assert row["id"]
            await call(grace.post, f"/api/v1/databases/{private['id']}/rows", json={"values": {}})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after rows")
            seen = await victor.until(about_page(marker))
            assert not any((n.get("container") or {}).get("id") == str(private["id"]) for n in seen), seen

    run(scenario())


def test_an_import_of_many_rows_is_one_notice_about_the_database_heard_by_its_readers_only(events):
    """More than MANY_ROWS rows in one write (a CSV import): one notice about the database ("id": null), checked
    against the database, instead of a notice per row."""
    from ipai_workos_core.live.events import MANY_ROWS

    csv_text = "Name,Points\n" + "".join(f"Row {n},{n}\n" for n in range(MANY_ROWS + 50))

    async def scenario():
        grace = events.api("grace")
        shared = await call(grace.post, "/api/v1/databases", json={"space_id": events.team, "title": "Imported"})
        private = await call(grace.post, "/api/v1/databases", json={"space_id": events.mine, "title": "Imported, private"})
        async with Listener(events, "victor") as victor:
            await call(grace.post, f"/api/v1/databases/{shared['id']}/import", files={"file": ("rows.csv", csv_text, "text/csv")})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after the import")
            seen = await victor.until(about_page(marker))
            about_rows = [n for n in seen if n.get("kind") == "page" and n.get("container")]
            assert about_rows == [{"kind": "page", "event": "changed", "id": None,
                                   "container": {"model": "ipai.workos.database", "id": str(shared["id"])}}], seen

            await call(grace.post, f"/api/v1/databases/{private['id']}/import", files={"file": ("rows.csv", csv_text, "text/csv")})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after the private import")
            seen = await victor.until(about_page(marker))
            assert not any(n.get("container") for n in seen), seen

    run(scenario())


def test_sidebars_hear_of_databases_created_and_renamed_only_when_they_may_read_them(events):
    def about_database(database_id: int, event: str):
        return lambda notice: notice == {"kind": "database", "event": event, "id": database_id}

    async def scenario():
        grace = events.api("grace")
        async with Listener(events, "ada") as ada:
            shared = await call(grace.post, "/api/v1/databases", json={"space_id": events.team, "title": "Roadmap"})
            await ada.until(about_database(shared["id"], "created"))
            await call(grace.patch, f"/api/v1/databases/{shared['id']}", json={"title": "Roadmap 2027"})
            await ada.until(about_database(shared["id"], "renamed"))
            # a description is not in the tree: no notice
            await call(grace.patch, f"/api/v1/databases/{shared['id']}", json={"description": "what we build next"})
            private = await call(grace.post, "/api/v1/databases", json={"space_id": events.mine, "title": "Salaries 2027"})
            await call(grace.patch, f"/api/v1/databases/{private['id']}", json={"title": "Salaries, renamed"})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after databases")
            seen = await ada.until(about_page(marker))
            assert not any(n.get("kind") == "database" for n in seen), seen  # neither the description nor the private ones

    run(scenario())


def test_comments_and_the_inbox_are_live_for_readers_and_the_inbox_only_for_its_owner(events):
    async def scenario():
        grace = events.api("grace")
        page_id = await asyncio.to_thread(events.page, events.team, "Discussion")
        secret = await asyncio.to_thread(events.page, events.mine, "Private notes")
        async with Listener(events, "ada") as ada, Listener(events, "victor") as victor:
            body = {"text": [{"text": "look "}, {"mention": {"kind": "user", "id": events.ids["ada"]}, "text": "@ada"}]}
            await call(grace.post, "/api/v1/comments", json={"page_id": page_id, "body": body})
            seen = await ada.until(lambda n: n == {"kind": "comments", "page_id": page_id})
            assert {"kind": "notification"} in seen  # mentioned: her inbox changed
            # victor may read the page: he hears of the comment, not of ada's inbox
            seen = await victor.until(lambda n: n == {"kind": "comments", "page_id": page_id})
            await call(grace.post, "/api/v1/comments", json={"page_id": secret, "body": {"text": [{"text": "note to self"}]}})
            marker = await asyncio.to_thread(events.page, events.team, "Marker after comments")
            seen += await victor.until(about_page(marker))
            assert {"kind": "notification"} not in seen
            assert {"kind": "comments", "page_id": secret} not in seen
            # reading it in one tab updates the badge of the others
            inbox = await call(events.api("ada").get, "/api/v1/notifications?unread=true")
            await call(events.api("ada").post, f"/api/v1/notifications/{inbox['items'][0]['id']}/read")
            await ada.until(lambda n: n == {"kind": "notification"})

    run(scenario())


def test_revoking_the_token_closes_the_events_socket_and_strangers_are_refused(events):
    token = httpx.post(events.url("/api/v1/auth/token"), json={"username": "ada", "password": PASSWORD, "name": "phone"}, timeout=60).json()

    async def scenario():
        async with Listener(events, "ada", token=token["token"]) as phone:
            revoked = await asyncio.to_thread(lambda: events.api("ada").delete(f"/api/v1/auth/tokens/{token['id']}"))
            assert revoked.status_code == 200, revoked.text
            with pytest.raises(websockets.ConnectionClosed) as closing:
                while True:
                    await phone.next()
            assert (closing.value.rcvd.code, closing.value.rcvd.reason) == (4403, "your API token was revoked")
        stranger = await websockets.connect(events.server.base_url.replace("http", "ws") + "/ws/events")
        with pytest.raises(websockets.ConnectionClosed) as closing:
            await asyncio.wait_for(stranger.recv(), 15)
        assert closing.value.rcvd.code == 4401

    run(scenario())
