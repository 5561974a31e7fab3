"""Live pages against a real ``workos serve``: real Yjs clients (pycrdt here, Node's yjs + y-websocket run by
the test) on ``/ws/pages/{id}``, on the database of the run."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from workos.kernel.aio import run_to_end
from workos.settings.config import PROJECT_ROOT
from workos.testing.fixtures import PeopleOnAServer, Site, site_with_people, start_server

from .live_client import LiveClient, wait_for

PASSWORD = "correct-horse-battery"


class Live(PeopleOnAServer):
    """One site and server for the module: users grace (admin), ada (member), victor (member with view grants
    on the pages that say so)."""

    def __init__(self, site: Site):
        super().__init__(site, PASSWORD)

    def new_page(self, texts: list[str], *, viewer: bool = False, private: bool = False) -> int:
        space = self.private_space_id if private else self.space_id
        page = self.api("grace").post("/api/v1/pages", json={"space_id": space, "title": "Notes"}).json()
        if texts:
            self.put(page["id"], texts)
        if viewer:
            granted = self.api("grace").post("/api/v1/permissions", json={
                "scope_model": "ipai.workos.page", "scope_id": str(page["id"]), "level": "view", "user_id": self.ids["victor"]})
            assert granted.status_code == 201, granted.text
            self.grant_id = granted.json()["id"]
        return page["id"]

    def document(self, page_id: int) -> dict:
        response = self.api("grace").get(f"/api/v1/pages/{page_id}/blocks")
        assert response.status_code == 200, response.text
        return response.json()

    def texts(self, page_id: int) -> list[str]:
        return ["".join(span.get("text", "") for span in block["content"].get("text", [])) for block in self.document(page_id)["items"]]

    def put(self, page_id: int, texts: list[str], name: str = "grace") -> httpx.Response:
        version = self.document(page_id)["version"]
        blocks = [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]
        return self.api(name).put(f"/api/v1/pages/{page_id}/blocks", json={"blocks": blocks, "base_version": version})

    def client(self, name: str, page_id: int, **options) -> LiveClient:
        return LiveClient(self.base_url, page_id, self.tokens[name], **options)

    def restart(self, kill: bool) -> None:
        if kill:
            self.server.process.send_signal(signal.SIGKILL)
            self.server.process.wait()
        else:
            self.server.stop()
        self.server = start_server(self.site)


@pytest.fixture(scope="module")
def live(tmp_path_factory, database_kind, request):
    site = site_with_people(tmp_path_factory.mktemp("live") / "site", database_kind, request, "ipai_workos_affine", PASSWORD)
    instance = Live(site)
    yield instance
    instance.server.stop()


def run(coroutine):
    return run_to_end(coroutine, 120)


def plain(client: LiveClient) -> list[str]:
    from ipai_workos_blocks.live.prosemirror import doc_to_blocks, plain_text
    from ipai_workos_blocks.live.ydoc import doc_to_json

    return [plain_text(block["content"].get("text")) for block in doc_to_blocks(doc_to_json(client.doc))]


async def connected(client: LiveClient) -> LiveClient:
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 15)
    return client


async def closed(client: LiveClient) -> tuple[int, str]:
    await asyncio.wait_for(client.closed.wait(), 15)
    return client.close_code, client.close_reason


def live_updates(live: Live, page_id: int) -> int:
    return live.site.sql(f"SELECT count(*) FROM ipai_workos_block_live_update WHERE page_id = {int(page_id)}")[0][0]


# --- opening and saving --------------------------------------------------------------------------------


def test_a_page_opened_live_starts_from_its_blocks_and_its_edits_become_blocks(live):
    page_id = live.new_page(["Hello", "world"])

    async def scenario():
        client = await connected(live.client("ada", page_id))
        assert plain(client) == ["Hello", "world"]
        client.type_into(0, 5, ", live")
        client.add_paragraph("typed by ada")
        await client.wait_saved()
        await client.close()

    run(scenario())
    # the last one out: the blocks are derived at once, through the blocks services
    run_to_end(wait_for(lambda: live.texts(page_id) == ["Hello, live", "world", "typed by ada"], 15, "blocks not derived"))
    history = live.api("grace").get(f"/api/v1/pages/{page_id}/history").json()["items"]
    latest = live.api("grace").get(f"/api/v1/pages/{page_id}/history/{history[0]['number']}").json()
    assert [block["content"]["text"][0]["text"] for block in latest["content"]["blocks"]] == ["Hello, live", "world", "typed by ada"]


@pytest.mark.parametrize("clients", [2, 5])
def test_clients_converge_under_random_concurrent_edits(live, clients):
    page_id = live.new_page(["start"])
    rng = random.Random(1400 + clients)

    async def editor(client: LiveClient, seed: int):
        own = random.Random(seed)
        for step in range(25):
            paragraphs = len(client.fragment.children)
            choice = own.random()
            if choice < 0.2 or paragraphs == 0:
                client.add_paragraph(f"p{seed}.{step}", own.randint(0, paragraphs))
            elif choice < 0.8:
                target = own.randrange(paragraphs)
                client.type_into(target, own.randint(0, 40), f"[{seed}:{step}]")
            else:
                client.delete_in(own.randrange(paragraphs), own.randint(0, 10), own.randint(1, 4))
            await asyncio.sleep(own.random() * 0.03)

    async def scenario():
        names = ["grace", "ada"] * 3
        editors = [await connected(live.client(names[index], page_id)) for index in range(clients)]
        await asyncio.gather(*(editor(client, rng.randrange(10_000)) for client in editors))
        for client in editors:
            await client.wait_saved()
        await wait_for(lambda: len({json.dumps(plain(client)) for client in editors}) == 1, 20, "clients did not converge")
        latecomer = await connected(live.client("grace", page_id))
        assert plain(latecomer) == plain(editors[0])
        final = plain(editors[0])
        for client in [*editors, latecomer]:
            await client.close()
        return final

    final = run(scenario())
    run_to_end(wait_for(lambda: live.texts(page_id) == final, 20, "blocks differ from the live document"))


def test_offline_edits_merge_after_reconnect(live):
    page_id = live.new_page(["shared"])

    async def scenario():
        traveller = await connected(live.client("ada", page_id))
        stay = await connected(live.client("grace", page_id))
        await traveller.close()
        traveller.add_paragraph("written on the train")
        traveller.type_into(0, 0, "T:")
        stay.add_paragraph("written at the office")
        await stay.wait_saved()
        await connected(traveller)  # same document, back online: sync step 1/2 sends what the server lacks
        await traveller.wait_saved()
        await wait_for(lambda: plain(traveller) == plain(stay), 15, "offline edits did not merge")
        assert "written on the train" in plain(stay) and "written at the office" in plain(traveller)
        assert plain(stay)[0] == "T:shared"
        await traveller.close()
        await stay.close()

    run(scenario())


def test_no_acknowledged_edit_is_lost_when_the_server_is_killed(live):
    page_id = live.new_page(["before the crash"])

    async def type_and_get_acknowledged():
        client = await connected(live.client("ada", page_id))
        for index in range(20):
            client.add_paragraph(f"line {index}")
            await asyncio.sleep(0.01)
        await client.wait_saved()
        return plain(client)

    acknowledged = run(type_and_get_acknowledged())
    live.restart(kill=True)  # SIGKILL: no shutdown, no derive on disconnect

    async def reopen():
        client = await connected(live.client("grace", page_id))
        seen = plain(client)
        await client.close()
        return seen

    assert run(reopen()) == acknowledged
    run_to_end(wait_for(lambda: live.texts(page_id) == acknowledged, 20, "the blocks never got the edits made before the crash"))


# --- permissions ---------------------------------------------------------------------------------------


def test_a_viewer_watches_live_but_their_updates_are_dropped_and_reported(live):
    page_id = live.new_page(["read me"], viewer=True)

    async def scenario():
        viewer = await connected(live.client("victor", page_id))
        editor = await connected(live.client("ada", page_id))
        await wait_for(lambda: viewer.denied, 10, "the viewer was not told they are read-only")
        viewer.add_paragraph("sneaky")
        editor.add_paragraph("from the editor")
        await editor.wait_saved()
        await wait_for(lambda: "from the editor" in plain(viewer), 10, "the viewer did not see the edit live")
        await asyncio.sleep(0.5)
        fresh = await connected(live.client("grace", page_id))
        assert plain(fresh) == ["read me", "from the editor"]
        assert not viewer.closed.is_set()  # dropped, not disconnected
        for client in (viewer, editor, fresh):
            await client.close()

    run(scenario())
    assert "read-only" not in live.texts(page_id)


def test_revoking_access_closes_the_live_session(live):
    page_id = live.new_page(["secret plans"], viewer=True)

    async def scenario():
        viewer = await connected(live.client("victor", page_id))
        revoked = await asyncio.to_thread(
            lambda: live.api("grace").patch(f"/api/v1/permissions/{live.grant_id}", json={"level": "none"}))
        assert revoked.status_code == 200, revoked.text
        code, reason = await closed(viewer)
        assert (code, reason) == (4403, "your access to this page was revoked")
        again = live.client("victor", page_id)
        await again.connect()
        assert await closed(again) == (4404, "no such page")

    run(scenario())


def test_unknown_and_unreadable_pages_are_refused_alike(live):
    private = live.new_page(["grace only"], private=True)

    async def scenario():
        answers = []
        for page_id in (private, 987654, "not-a-number"):
            client = live.client("victor", page_id)
            await client.connect()
            answers.append(await closed(client))
            assert plain(client) == []  # not a byte of the page
        anonymous = LiveClient(live.base_url, private, "")
        await anonymous.connect()
        answers.append(await closed(anonymous))
        return answers

    assert run(scenario()) == [(4404, "no such page")] * 3 + [(4401, "log in, or pass an API token as ?token=")]
    assert live.tokens["victor"] not in live.site.log_file.read_text()  # the token in the URL is not logged


def test_a_session_from_another_site_is_refused(live):
    page_id = live.new_page(["x"])
    login = httpx.Client(base_url=live.base_url)
    form = login.get("/web/login")
    response = login.post("/web/login", data={"login": "grace", "password": PASSWORD, "csrfmiddlewaretoken": form.cookies.get("csrftoken")},
                          headers={"Referer": live.base_url + "/web/login"})
    assert response.status_code in (302, 303), response.text
    cookie = "workos_session=" + login.cookies.get("workos_session")

    async def attempt(origin: str):
        import websockets

        url = live.base_url.replace("http", "ws") + f"/ws/pages/{page_id}"
        async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=origin) as socket:
            try:
                message = await asyncio.wait_for(socket.recv(), 10)
                return message[0]
            except websockets.ConnectionClosed as closing:
                return closing.rcvd.code

    assert run(attempt(live.base_url)) == 0  # same site: the first message is sync step 1
    assert run(attempt("http://evil.example")) == 4401


def test_presence_shows_who_is_really_connected(live):
    page_id = live.new_page(["hi"])

    async def scenario():
        impostor = await connected(live.client("ada", page_id))
        watcher = await connected(live.client("grace", page_id))
        await impostor.set_awareness({"user": {"id": live.ids["grace"], "name": "grace", "color": "#123456"}, "cursor": None})
        await wait_for(lambda: watcher.awareness, 10, "no presence arrived")
        (state,) = watcher.awareness.values()
        assert state["user"] == {"id": live.ids["ada"], "name": "ada", "color": "#123456"}
        await impostor.close()
        await wait_for(lambda: not watcher.awareness, 10, "a client that left stays present")
        await watcher.close()

    run(scenario())


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("message, code", [
    (b"\x00\x02\x09abc", 4400),  # length says 9, 3 bytes follow
    (b"\x00\x02\x05\x01\x02\x03\x04\x05", 4400),  # a framed update that is not a Yjs update
    (b"\x07\x00", 4400),  # unknown message type
    (b"\x00\x02" + b"\x84\x80\x40" + b"\x00" * (1024 * 1024 + 4), 1009),  # over the size limit
])
def test_malformed_or_oversized_messages_close_the_socket_and_store_nothing(live, message, code):
    page_id = live.new_page(["intact"])

    async def scenario():
        client = await connected(live.client("ada", page_id))
        before = live_updates(live, page_id)
        await client.send_raw(message)
        closing = await closed(client)
        assert live_updates(live, page_id) == before
        healthy = await connected(live.client("grace", page_id))  # the server keeps serving everyone else
        assert plain(healthy) == ["intact"]
        await healthy.close()
        return closing[0]

    assert run(scenario()) == code


# --- REST writes while a page is live ------------------------------------------------------------------


def test_a_rest_write_to_a_live_page_reaches_the_editors_or_is_refused_while_edits_are_pending(live):
    page_id = live.new_page(["one"])

    def put(texts: list[str], version: int) -> httpx.Response:
        blocks = [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]
        return live.api("grace").put(f"/api/v1/pages/{page_id}/blocks", json={"blocks": blocks, "base_version": version})

    async def scenario():
        client = await connected(live.client("ada", page_id))
        put_ok = await asyncio.to_thread(live.put, page_id, ["one", "from the API"])
        assert put_ok.status_code == 200, put_ok.text
        await wait_for(lambda: plain(client) == ["one", "from the API"], 10, "the REST write did not reach the live editor")
        loaded = put_ok.json()["version"]
        client.add_paragraph("live, not derived yet")
        await client.wait_saved()
        # a save based on what the writer loaded before the live edit: refused, nothing written
        refused = await asyncio.to_thread(put, ["overwrite"], loaded)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "live_edits_pending"
        assert "send your change again" in refused.json()["error"]["message"]
        # reading the document brings the live edits into the blocks; a save based on that is applied live
        fresh = await asyncio.to_thread(live.document, page_id)
        assert [block["content"]["text"][0]["text"] for block in fresh["items"]] == ["one", "from the API", "live, not derived yet"]
        applied = await asyncio.to_thread(put, ["one", "from the API", "live, not derived yet", "after reading"], fresh["version"])
        assert applied.status_code == 200, applied.text
        await wait_for(lambda: plain(client)[-1:] == ["after reading"], 10, "the second REST write did not reach the live editor")
        await client.close()

    run(scenario())
    assert live.texts(page_id) == ["one", "from the API", "live, not derived yet", "after reading"]


def test_restoring_a_version_updates_the_live_editors(live):
    page_id = live.new_page(["first draft"])
    first = live.api("grace").get(f"/api/v1/pages/{page_id}/history").json()["items"][0]["number"]

    async def scenario():
        client = await connected(live.client("ada", page_id))
        client.type_into(0, 0, "rewritten ")
        await client.wait_saved()
        await wait_for(lambda: live.texts(page_id) == ["rewritten first draft"], 15, "blocks not derived")
        restored = await asyncio.to_thread(lambda: live.api("grace").post(f"/api/v1/pages/{page_id}/history/{first}/restore"))
        assert restored.status_code == 200, restored.text
        await wait_for(lambda: plain(client) == ["first draft"], 10, "the restore did not reach the live editor")
        await client.close()

    run(scenario())
    assert live.texts(page_id) == ["first draft"]


# --- Node: yjs + y-websocket ---------------------------------------------------------------------------


def _contains_in_order(text: str, letters: str) -> bool:
    remaining = iter(text)
    return all(letter in remaining for letter in letters)


def node_clients(live: Live, page_id: int, clients: int, seed: int, name: str = "ada") -> dict:
    frontend = PROJECT_ROOT / "frontend"
    result = subprocess.run(
        ["node", "scripts/live-clients.mjs", live.base_url.replace("http", "ws") + "/ws/pages", str(page_id), live.tokens[name], str(clients), str(seed)],
        cwd=frontend, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("clients", [3])
def test_node_yjs_clients_converge_with_a_python_client(live, clients):
    page_id = live.new_page(["from blocks"])

    async def scenario():
        python = await connected(live.client("grace", page_id))
        python.add_paragraph("python was here")
        await python.wait_saved()
        outcome = await asyncio.to_thread(node_clients, live, page_id, clients, 77)
        await wait_for(lambda: plain(python) == outcome["texts"], 15, "python and node clients differ")
        await python.close()
        return outcome

    outcome = run(scenario())
    # node clients typed into it too: its letters are all there, in order, with theirs in between
    assert outcome["converged"] is True and any(_contains_in_order(text, "python was here") for text in outcome["texts"])
    assert outcome["sees_others"] is True  # awareness: every node client saw the others
    # the editor's converter, on what y-prosemirror reads from the same document, gives the server's blocks
    run_to_end(wait_for(lambda: live.texts(page_id) == outcome["texts"], 15, "blocks differ"))
