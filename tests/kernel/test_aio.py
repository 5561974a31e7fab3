"""run_to_end: a coroutine run to its end from synchronous code, with or without a loop already running.

Each test starts from a thread that runs no loop (``plain_thread``): in the PostgreSQL pass a browser test may
have left Playwright's loop running in this process's main thread."""

import asyncio
import threading

import pytest

from workos.kernel.aio import group_send, run_to_end


def plain_thread(function):
    """Run ``function`` in a new thread without an event loop; return its result or raise its error here."""
    outcome = {}

    def work():
        try:
            outcome["result"] = function()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=work, name="plain")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


async def answer(value):
    await asyncio.sleep(0)
    return value, threading.current_thread().name


async def fail():
    await asyncio.sleep(0)
    raise ValueError("refused")


def test_without_a_running_loop_it_runs_in_the_calling_thread():
    assert plain_thread(lambda: run_to_end(answer(7))) == (7, "plain")


def test_inside_a_running_loop_it_runs_in_a_thread_of_its_own():
    # What Playwright's synchronous API does to a test process: the calling thread runs a loop.
    async def caller():
        return run_to_end(answer(8))

    value, thread = plain_thread(lambda: asyncio.run(caller()))
    assert value == 8
    assert thread == "run-to-end"


def test_errors_and_timeouts_reach_the_caller():
    async def caller(coroutine, timeout=None):
        return run_to_end(coroutine, timeout)

    with pytest.raises(ValueError, match="refused"):
        plain_thread(lambda: asyncio.run(caller(fail())))
    with pytest.raises(ValueError, match="refused"):
        plain_thread(lambda: run_to_end(fail()))
    with pytest.raises(asyncio.TimeoutError):
        plain_thread(lambda: asyncio.run(caller(asyncio.sleep(5), timeout=0.05)))


def test_group_send_reaches_the_group_with_or_without_a_loop_in_the_calling_thread(monkeypatch):
    from channels import layers

    layer = layers.InMemoryChannelLayer()
    monkeypatch.setattr(layers, "get_channel_layer", lambda *args: layer)

    async def join():
        channel = await layer.new_channel()
        await layer.group_add("workos.test", channel)
        return channel

    async def receive(channel):
        return await asyncio.wait_for(layer.receive(channel), 5)

    def scenario():
        channel = asyncio.run(join())
        group_send("workos.test", {"type": "plain.thread"})
        first = asyncio.run(receive(channel))

        async def from_a_running_loop():
            group_send("workos.test", {"type": "running.loop"})  # synchronous call, as a service makes it
            return await receive(channel)

        return first, asyncio.run(from_a_running_loop())

    first, second = plain_thread(scenario)
    assert first["type"] == "plain.thread"
    assert second["type"] == "running.loop"
