"""Live canvases against a real ``workos serve``: WebSocket clients on ``/ws/canvases/{id}`` draw at once and
converge element by element, with the services' merge rule; viewers watch but may not write; a canvas that may
not be read does not exist; pointers are relayed under the sender's real name."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from workos.kernel.aio import run_to_end
from workos.testing.fixtures import PeopleOnAServer, Site, site_with_people

from .elements import shape

PASSWORD = "correct-horse-battery"


def wins(incoming: dict, stored: dict | None) -> bool:
    """The merge rule every side applies: higher version, or equal version and lower versionNonce."""
    if stored is None:
        return True
    if incoming["version"] != stored["version"]:
        return incoming["version"] > stored["version"]
    return incoming["versionNonce"] < stored["versionNonce"]


class CanvasClient:
    """A live canvas client as the canvas island is one: it keeps a scene, merges what arrives with the rule,
    sends its changed elements and remembers every message."""

    def __init__(self, base_url: str, canvas_id, token: str):
        self.url = base_url.replace("http://", "ws://") + f"/ws/canvases/{canvas_id}?token={token}"
        self.scene: dict[str, dict] = {}
        self.messages: list[dict] = []
        self.hello: dict | None = None
        self.ready = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.changed = asyncio.Event()
        self._ref = 0
        self._answers: dict[int, asyncio.Future] = {}

    async def connect(self) -> "CanvasClient":
        self.ws = await websockets.connect(self.url, max_size=None)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                message = json.loads(text)
                self.messages.append(message)
                if message["type"] == "hello":
                    self.hello = message
                elif message["type"] == "elements":
                    self.merge(message["elements"])
                    self.ready.set()
                elif message["type"] in ("saved", "error") and message.get("ref") in self._answers:
                    self._answers.pop(message["ref"]).set_result(message)
                self.changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code, self.close_reason = self.ws.close_code, self.ws.close_reason
            self.closed.set()

    def merge(self, elements: list[dict]) -> None:
        for element in elements:
            if wins(element, self.scene.get(element["id"])):
                self.scene[element["id"]] = element

    async def draw(self, *elements: dict) -> dict:
        """Put the elements in the local scene and send them; the server's answer (``saved`` or ``error``)."""
        self.merge(list(elements))
        self._ref += 1
        answer = asyncio.get_running_loop().create_future()
        self._answers[self._ref] = answer
        await self.ws.send(json.dumps({"type": "elements", "ref": self._ref, "elements": list(elements)}))
        result = await asyncio.wait_for(answer, 15)
        if result["type"] == "saved":
            self.merge([rejected["element"] for rejected in result["rejected"]])
        return result

    async def until(self, condition, what: str, timeout: float = 15) -> None:
        async def wait():
            while not condition():
                self.changed.clear()
                await self.changed.wait()
        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{what}; messages: {self.messages[-5:]}") from None

    def live_ids(self) -> set[str]:
        return {element_id for element_id, element in self.scene.items() if not element.get("isDeleted")}

    def stamps(self) -> dict[str, tuple]:
        return {element_id: (e["version"], e["versionNonce"], e["x"]) for element_id, e in self.scene.items()}

    async def close(self) -> None:
        await self.ws.close()
        await self.closed.wait()


class Live(PeopleOnAServer):
    """One site and server for the module: grace (admin), ada (member, edits), victor (member with a view grant
    on the canvases that say so)."""

    def __init__(self, site: Site):
        super().__init__(site, PASSWORD)

    def new_canvas(self, *, viewer: bool = False, private: bool = False) -> dict:
        canvas = self.api("grace").post("/api/v1/canvases", json={"space_id": self.private_space_id if private else self.space_id,
                                                                   "title": "Board"})
        assert canvas.status_code == 201, canvas.text
        canvas = canvas.json()
        if viewer:
            # victor is a member (who could edit the team space) held to viewing this canvas's page
            granted = self.api("grace").post("/api/v1/permissions", json={
                "scope_model": "ipai.workos.page", "scope_id": str(canvas["page_id"]), "level": "view", "user_id": self.ids["victor"]})
            assert granted.status_code == 201, granted.text
            self.grant_id = granted.json()["id"]
        return canvas

    def stored(self, canvas: dict) -> dict[str, dict]:
        answer = self.api("grace").get(f"/api/v1/canvases/{canvas['id']}/elements")
        assert answer.status_code == 200, answer.text
        return {element["id"]: element for element in answer.json()["elements"]}

    def client(self, name: str, canvas_id) -> CanvasClient:
        return CanvasClient(self.base_url, canvas_id, self.tokens.get(name, ""))


@pytest.fixture(scope="module")
def live(tmp_path_factory, database_kind, request):
    site = site_with_people(tmp_path_factory.mktemp("livecanvas") / "site", database_kind, request, "ipai_workos_canvas", PASSWORD)
    instance = Live(site)
    yield instance
    instance.server.stop()


def run(coroutine):
    return run_to_end(coroutine, 120)


async def connected(client: CanvasClient) -> CanvasClient:
    await client.connect()
    await asyncio.wait_for(client.ready.wait(), 15)
    return client


async def closed(client: CanvasClient) -> tuple[int, str]:
    await asyncio.wait_for(client.closed.wait(), 15)
    return client.close_code, client.close_reason


def test_two_clients_draw_at_once_and_converge_with_the_stored_scene(live):
    canvas = live.new_canvas()
    before = shape("before", x=5)
    assert live.api("grace").post(f"/api/v1/canvases/{canvas['id']}/elements", json={"elements": [before]}).status_code == 200

    async def scenario():
        ada, grace = await connected(live.client("ada", canvas["id"])), await connected(live.client("grace", canvas["id"]))
        assert ada.live_ids() == {"before"}  # the scene comes with the connection
        answers = await asyncio.gather(
            *(ada.draw(shape(f"ada{i}", x=i * 10)) for i in range(5)),
            *(grace.draw(shape(f"grace{i}", y=i * 10)) for i in range(5)),
            ada.draw({**before, "x": 500, "version": 2, "versionNonce": 7}),
        )
        assert all(answer["type"] == "saved" for answer in answers), answers
        everything = {"before"} | {f"ada{i}" for i in range(5)} | {f"grace{i}" for i in range(5)}
        await ada.until(lambda: ada.live_ids() == everything, "ada did not get grace's shapes")
        await grace.until(lambda: grace.live_ids() == everything and grace.scene["before"]["x"] == 500, "grace did not get ada's shapes")
        assert ada.stamps() == grace.stamps()
        stored = live.stored(canvas)
        assert {element_id: (e["version"], e["versionNonce"], e["x"]) for element_id, e in stored.items()} == ada.stamps()
        # after hello and the scene, ada got only grace's shapes: her own are not echoed back
        echoed = [e["id"] for m in ada.messages[2:] if m["type"] == "elements" for e in m["elements"]]
        assert sorted(echoed) == sorted(f"grace{i}" for i in range(5))
        await ada.close()
        await grace.close()

    run(scenario())


def test_concurrent_changes_of_one_element_resolve_by_version_then_lower_nonce(live):
    canvas = live.new_canvas()

    async def scenario():
        ada, grace = await connected(live.client("ada", canvas["id"])), await connected(live.client("grace", canvas["id"]))
        assert (await ada.draw(shape("box", x=0, version=1, nonce=100)))["applied"] == ["box"]
        await grace.until(lambda: "box" in grace.scene, "grace did not get the box")
        # both move it from version 1 at once: equal versions, the lower nonce wins on the server and on both clients
        answers = await asyncio.gather(ada.draw(shape("box", x=111, version=2, nonce=50)),
                                       grace.draw(shape("box", x=222, version=2, nonce=10)))
        assert all(answer["type"] == "saved" for answer in answers)
        await ada.until(lambda: ada.scene["box"]["x"] == 222, "ada did not settle on the lower nonce")
        await grace.until(lambda: grace.scene["box"]["x"] == 222, "grace did not keep the lower nonce")
        assert live.stored(canvas)["box"]["x"] == 222
        # a write from an older version is refused and the answer carries the winner
        stale = await ada.draw(shape("box", x=333, version=1, nonce=1))
        assert stale["applied"] == [] and [r["element"]["x"] for r in stale["rejected"]] == [222]
        # a higher version wins whatever its nonce
        assert (await ada.draw(shape("box", x=444, version=3, nonce=999_999)))["applied"] == ["box"]
        await grace.until(lambda: grace.scene["box"]["x"] == 444, "grace did not get the higher version")
        assert live.stored(canvas)["box"]["x"] == 444
        await ada.close()
        await grace.close()

    run(scenario())


def test_a_viewer_watches_live_but_their_writes_are_refused(live):
    canvas = live.new_canvas(viewer=True)

    async def scenario():
        victor, ada = await connected(live.client("victor", canvas["id"])), await connected(live.client("ada", canvas["id"]))
        assert victor.hello["writable"] is False and ada.hello["writable"] is True
        refused = await victor.draw(shape("sneaky"))
        assert refused["type"] == "error" and refused["code"] == "read_only"
        await ada.draw(shape("legit", x=42))
        await victor.until(lambda: "legit" in victor.scene, "the viewer did not see the drawing live")
        assert not victor.closed.is_set()  # refused, not disconnected
        await victor.close()
        await ada.close()

    run(scenario())
    assert set(live.stored(canvas)) == {"legit"}


def test_a_bad_element_is_refused_by_name_and_nothing_of_the_write_is_stored(live):
    canvas = live.new_canvas()

    async def scenario():
        ada = await connected(live.client("ada", canvas["id"]))
        answer = await ada.draw(shape("fine"), shape("huge", width=10_000_000))
        assert (answer["type"], answer["code"], answer["element_id"]) == ("error", "invalid_element", "huge")
        assert answer["field"].startswith("elements[1]")
        await ada.close()

    run(scenario())
    assert live.stored(canvas) == {}


def test_unknown_and_unreadable_canvases_close_alike(live):
    private = live.new_canvas(private=True)
    assert live.api("grace").post(f"/api/v1/canvases/{private['id']}/elements", json={"elements": [shape("secret")]}).status_code == 200

    async def scenario():
        answers = []
        for canvas_id in (private["id"], 987654, "not-a-number"):
            client = live.client("ada", canvas_id)
            await client.connect()
            answers.append(await closed(client))
            assert client.scene == {} and client.hello is None  # not a byte of the canvas
        anonymous = live.client("nobody", private["id"])
        await anonymous.connect()
        answers.append(await closed(anonymous))
        return answers

    assert run(scenario()) == [(4404, "no such canvas")] * 3 + [(4401, "log in, or pass an API token as ?token=")]


def test_revoking_access_closes_the_live_canvas(live):
    canvas = live.new_canvas(viewer=True)

    async def scenario():
        victor = await connected(live.client("victor", canvas["id"]))
        revoked = await asyncio.to_thread(lambda: live.api("grace").patch(f"/api/v1/permissions/{live.grant_id}", json={"level": "none"}))
        assert revoked.status_code == 200, revoked.text
        assert await closed(victor) == (4403, "your access to this canvas was revoked")

    run(scenario())


def test_a_rest_write_reaches_the_live_clients(live):
    canvas = live.new_canvas()

    async def scenario():
        ada = await connected(live.client("ada", canvas["id"]))
        saved = await asyncio.to_thread(lambda: live.api("grace").post(f"/api/v1/canvases/{canvas['id']}/elements",
                                                                        json={"elements": [shape("from-api", x=9)]}))
        assert saved.status_code == 200, saved.text
        await ada.until(lambda: "from-api" in ada.scene, "the API write did not reach the live client")
        await ada.close()

    run(scenario())


def test_pointers_are_relayed_under_the_senders_real_name(live):
    canvas = live.new_canvas()

    async def scenario():
        ada, grace = await connected(live.client("ada", canvas["id"])), await connected(live.client("grace", canvas["id"]))
        await ada.ws.send(json.dumps({"type": "pointer", "pointer": {"x": 12.5, "y": 40, "tool": "pointer"}, "button": "down",
                                      "user": {"id": live.ids["grace"], "name": "grace"}}))
        await grace.until(lambda: any(m["type"] == "pointer" for m in grace.messages), "grace did not see ada's pointer")
        pointer = next(m for m in grace.messages if m["type"] == "pointer")
        assert pointer["user"] == {"id": live.ids["ada"], "name": "ada"} and pointer["client"] == ada.hello["client"]
        assert (pointer["pointer"], pointer["button"]) == ({"x": 12.5, "y": 40, "tool": "pointer"}, "down")
        assert not any(m["type"] == "pointer" for m in ada.messages)  # not echoed to the sender
        await ada.close()
        await grace.until(lambda: any(m["type"] == "left" and m["client"] == pointer["client"] for m in grace.messages),
                          "grace was not told ada left")
        await grace.close()

    run(scenario())


@pytest.mark.parametrize("message, code", [("not json", 4400), ('{"type": "shout"}', 4400), ('{"type": "pointer", "pointer": {"x": "a"}}', 4400)])
def test_malformed_messages_close_the_socket(live, message, code):
    canvas = live.new_canvas()

    async def scenario():
        ada = await connected(live.client("ada", canvas["id"]))
        await ada.ws.send(message)
        return await closed(ada)

    assert run(scenario())[0] == code
