"""The API's orjson renderer writes the JSON that ninja's ``json.dumps`` renderer wrote: the same values, and
timestamps in Django's format (the oracle is ``json.dumps`` with ``NinjaJSONEncoder``)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from workos.api.renderers import JSONRenderer, dumps

UTC = dt.timezone.utc


class Item(Schema):
    name: str
    at: dt.datetime


def oracle(data) -> object:
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


@pytest.mark.parametrize("data", [
    {"at": dt.datetime(2026, 12, 7, 4, 15, 49, 123456, tzinfo=UTC)},  # microseconds cut to milliseconds, "Z"
    {"at": dt.datetime(2026, 12, 7, 4, 15, 49, tzinfo=UTC)},
    {"at": dt.datetime(2026, 12, 7, 4, 15, 49, 500, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
    {"day": dt.date(2026, 2, 28), "time": dt.time(9, 30, 0, 250000), "naive": dt.datetime(2026, 1, 1, 12, 0, 0, 1)},
    {"amount": Decimal("12.50"), "id": uuid.UUID(int=7), "label": gettext_lazy("Untitled"), "span": dt.timedelta(hours=1, seconds=3)},
    {"nested": [{"at": dt.datetime(2000, 1, 1, tzinfo=UTC), "values": {"1": [1, 2.5, None, True]}}], "text": "Grüße — 東京 \u2028"},
    {"model": Item(name="a", at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))},
    [1, "two", {"three": 3.0}],
])
def test_the_json_is_what_the_standard_encoder_wrote(data):
    assert json.loads(dumps(data)) == oracle(data)


def test_timestamps_keep_djangos_text():
    at = dt.datetime(2026, 12, 7, 4, 15, 49, 123456, tzinfo=UTC)

    assert dumps({"at": at}) == b'{"at":"2026-12-07T04:15:49.123Z"}'


def test_what_orjson_cannot_write_falls_back_to_the_standard_encoder():
    huge = {"n": 2 ** 70, 3: "an integer key"}

    assert json.loads(dumps(huge)) == {"n": 2 ** 70, "3": "an integer key"}


def test_what_no_encoder_can_write_is_still_an_error():
    with pytest.raises(TypeError):
        dumps({"object": object()})


@pytest.mark.django_db
def test_the_api_answers_with_it():
    from workos.api.root import api

    assert isinstance(api.renderer, JSONRenderer)
    response = Client().get("/api/v1/pages/1")  # no credentials: the error format, written by the renderer
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")
    assert response.content.startswith(b'{"error":{"code":')  # orjson's compact text (json.dumps wrote '{"error": {')
