"""A round's listed groups saved from the shape form: each bad field is refused by the
instance's own validation (the command line's), with the path of the group's field, and
the day keeps what it had; good ones are saved as written."""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
from starlette.testclient import TestClient

from allocator.web.server import create_app

BASE = "http://127.0.0.1:8000"
SAME = {"Origin": BASE}
DAY = {
    "name": "Listed groups",
    "participants": [{"id": f"p{i:02}", "organisation": f"org{i % 3}"} for i in range(12)],
    "rounds": [
        {"id": "r1", "groups": 3},
        {"id": "r2", "groups": [{"id": "hall", "min_size": 4}, {"id": "garden", "max_size": 8}]},
        {"id": "r3", "groups": [{"id": "a"}, {"id": "b"}, {"id": "c", "min_size": 2}]},
    ],
}


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path / "data"), base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def day(client) -> str:
    answer = client.post("/days?name=day.json", content=json.dumps(DAY), headers=SAME)
    assert answer.status_code == 201, answer.text
    return answer.json()["day"]


def saved(client, day: str, data: dict):
    return client.post(f"/days/{day}/instance", content=json.dumps(data), headers=SAME)


def with_group(k: int, n: int, **fields) -> dict:
    """The day with fields of group n of round k replaced."""
    data = copy.deepcopy(DAY)
    data["rounds"][k]["groups"][n].update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "path", "said"),
    [
        ({"min_size": -1}, "rounds[2].groups[1].min_size", "greater than or equal to 0"),
        ({"max_size": 1.5}, "rounds[2].groups[1].max_size", "valid integer"),
        ({"id": ""}, "rounds[2].groups[1].id", "at least 1 character"),
        ({"name": "Room B"}, "rounds[2].groups[1].name", "unknown key `name`"),
        ({"id": "a"}, "rounds[2].groups[1]", "group `a` appears twice"),
        ({"min_size": 5, "max_size": 3}, "rounds[2].groups[1]", "min_size 5 above max_size 3"),
    ],
)
def test_a_bad_listed_group_is_refused_naming_its_field(client, day, fields, path, said):
    answer = saved(client, day, with_group(2, 1, **fields))
    assert answer.status_code == 400
    issues = answer.json()["issues"]
    assert [issue["path"] for issue in issues] == [path]
    assert said in issues[0]["message"]
    assert client.app.state.days.store.instance(day) == DAY  # nothing of the day lost


def test_no_group_listed_is_refused_at_the_round_s_groups(client, day):
    data = copy.deepcopy(DAY)
    data["rounds"][1]["groups"] = []
    issues = saved(client, day, data).json()["issues"]
    assert [issue["path"] for issue in issues] == ["rounds[1].groups"]


def test_listed_groups_are_saved_as_written(client, day):
    data = with_group(2, 1, id="b2", min_size=3, max_size=5)
    assert saved(client, day, data).json() == {"saved": True}
    assert client.app.state.days.store.instance(day)["rounds"][2]["groups"][1] == {
        "id": "b2",
        "min_size": 3,
        "max_size": 5,
    }
