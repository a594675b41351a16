"""The web page's HTTP interface, through a test client: the host, token and same-origin
rules; every error path (malformed JSON, an unknown key, an oversized upload, a bad
spreadsheet, an infeasible day, a solve stopped midway or taken out of the queue) answers
a 4xx or a solve state with the command line's message, and the day keeps what it had."""

from __future__ import annotations

import gc
import itertools
import json
import re
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
from starlette.testclient import TestClient

import allocator
from allocator.web.server import create_app, job_state, printed_url, served_hosts

BASE = "http://127.0.0.1:8000"
SAME = {"Origin": BASE}
ALLOCATE = Path(sys.executable).parent / "allocate"


def small_day(name: str = "Matinée") -> dict:
    return {
        "name": name,
        "participants": [
            {"id": f"p{i:02}", "name": f"Personne {i}", "organisation": f"org{i % 4}"}
            for i in range(12)
        ],
        "rounds": [{"id": "r1", "groups": 3}, {"id": "r2", "groups": 3}],
        "constraints": {"max_per_organisation": 1},
    }


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path / "data"), base_url=BASE) as test_client:
        yield test_client


def new_day(client, data: dict) -> str:
    answer = client.post("/days?name=day.json", content=json.dumps(data), headers=SAME)
    assert answer.status_code == 201, answer.text
    return answer.json()["day"]


def events(client, job: str) -> list[dict]:
    """Every state the progress stream sent, until the solve ended."""
    text = client.get(f"/jobs/{job}/events").text
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def solve(client, day: str, **body) -> str:
    answer = client.post(f"/days/{day}/solve", json={"time_limit": 2, **body}, headers=SAME)
    assert answer.status_code == 202, answer.text
    return answer.json()["job"]


@pytest.fixture
def solved(client):
    """A day of 12 people solved once: (day, plan number)."""
    day = new_day(client, small_day())
    states = events(client, solve(client, day))
    assert states[-1]["state"] == "done", states[-1]
    return day, int(states[-1]["plan"].rsplit("/", 1)[1])


# -- host, token, origin -------------------------------------------------------------------


def test_a_request_for_another_host_is_refused_get_included(client):
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    for host in ("evil.example:8000", "127.0.0.1:9999", "evil.example"):
        answer = client.get("/", headers={"Host": host})
        assert answer.status_code == 421
        assert "address" in answer.text


def test_the_wildcard_address_serves_this_machine_names_only():
    hosts = served_hosts("0.0.0.0", 8000)
    assert "127.0.0.1:8000" in hosts and "evil.example:8000" not in hosts


def test_beyond_this_machine_the_token_is_asked_then_kept_in_a_cookie(tmp_path):
    app = create_app(tmp_path, host="192.0.2.7", port=8000, token="s3cret")
    with TestClient(app, base_url="http://192.0.2.7:8000") as remote:
        assert remote.get("/").status_code == 403
        assert remote.get("/?token=wrong").status_code == 403
        first = remote.get("/?token=s3cret", follow_redirects=False)
        assert first.status_code == 303 and "?" not in first.headers["location"]
        assert "httponly" in first.headers["set-cookie"].lower()
        assert remote.get("/").status_code == 200  # the cookie now
        remote.cookies.clear()
        assert remote.get("/").status_code == 403


def test_a_change_is_refused_unless_it_comes_from_the_page(client):
    body = {"name": "world_cafe.json"}
    assert client.post("/examples", json=body).status_code == 403
    evil = {"Origin": "http://evil.example"}
    assert client.post("/examples", json=body, headers=evil).status_code == 403
    referer = {"Referer": f"{BASE}/"}
    assert client.post("/examples", json=body, headers=referer).status_code == 201
    assert len(allocator_days(client)) == 1


def allocator_days(client) -> list:
    return client.app.state.days.store.days()


# -- uploads and the day's instance --------------------------------------------------------


def test_an_example_and_an_upload_become_days_kept_across_a_restart(tmp_path):
    with TestClient(create_app(tmp_path), base_url=BASE) as first:
        day = new_day(first, small_day("Kept"))
        copy = first.post(f"/days/{day}/duplicate", headers=SAME).json()["day"]
    with TestClient(create_app(tmp_path), base_url=BASE) as again:
        titles = {d["id"]: d["title"] for d in again.app.state.days.store.days()}
        assert titles == {day: "Kept", copy: "Kept (2)"}
        assert "Kept" in again.get(f"/days/{day}").text


def test_a_spreadsheet_upload_makes_its_rounds_in_the_page_language(client):
    sheet = "Prénom;Nom;Structure\n" + "".join(f"P{i};N{i};S{i % 3}\n" for i in range(9))
    answer = client.post(
        "/days?name=inscriptions.csv&groups=3&rounds=2",
        content=sheet.encode("utf-8"),
        headers={**SAME, "Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"},
    )
    assert answer.status_code == 201, answer.text
    instance = client.app.state.days.store.instance(answer.json()["day"])
    assert [r["id"] for r in instance["rounds"]] == ["tour1", "tour2"]
    assert instance["participants"][0]["organisation"] == "S0"


def test_a_bad_spreadsheet_gets_a_400_with_the_command_line_message(client, tmp_path):
    sheet = 'Nom;Structure\nAnna;"CPAS\nBen;Mission\n'
    answer = client.post(
        "/days?name=inscriptions.csv&groups=2&rounds=2", content=sheet, headers=SAME
    )
    assert answer.status_code == 400
    issue = answer.json()["issues"][0]
    path = tmp_path / "inscriptions.csv"
    path.write_text(sheet, encoding="utf-8")
    cli = subprocess.run(
        [ALLOCATE, str(path), "--groups", "2", "--rounds", "2", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 2
    assert issue["message"].replace("inscriptions.csv", "") in cli.stderr.replace(str(path), "")
    assert allocator_days(client) == []


def test_an_oversized_upload_is_refused_before_it_is_read(client, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_MAX_INPUT_MB", "0.001")
    answer = client.post("/days?name=big.json", content=b" " * 2000, headers=SAME)
    assert answer.status_code == 413
    assert "big.json is larger than 0.001 MB, the input limit" in answer.json()["error"]
    assert allocator_days(client) == []


def test_a_request_that_is_not_json_gets_a_400(client, solved):
    day, number = solved
    for url in ("/examples", f"/days/{day}/solve", f"/days/{day}/plans/{number}/edit"):
        answer = client.post(url, content=b"{not json", headers=SAME)
        assert answer.status_code == 400
        assert "not valid JSON" in answer.json()["error"]


def test_an_unknown_key_names_its_field_and_the_day_keeps_its_instance(client):
    day = new_day(client, small_day())
    before = client.app.state.days.store.instance(day)
    wrong = small_day()
    wrong["participants"][3] = {"id": "p03", "organsation": "org3"}
    answer = client.post(f"/days/{day}/instance", content=json.dumps(wrong), headers=SAME)
    assert answer.status_code == 400
    issue = answer.json()["issues"][0]
    assert issue["path"] == "participants[3].organsation"
    assert "organisation" in issue["message"] + issue["hint"]
    broken = client.post(f"/days/{day}/instance", content=b'{"name": ', headers=SAME)
    assert broken.status_code == 400
    assert client.app.state.days.store.instance(day) == before


def test_a_valid_instance_is_saved(client):
    day = new_day(client, small_day())
    changed = {**small_day(), "name": "Après-midi"}
    answer = client.post(f"/days/{day}/instance", content=json.dumps(changed), headers=SAME)
    assert answer.status_code == 200
    assert client.app.state.days.store.info(day)["title"] == "Après-midi"


def test_instance_text_is_escaped_in_every_page(client, solved):
    day = new_day(client, small_day('<script>alert("x")</script>'))
    home = client.get("/").text
    assert "<script>alert" not in home and "&lt;script&gt;alert" in home
    assert "<script>alert" not in client.get(f"/days/{day}").text
    page = client.get(f"/days/{solved[0]}/plans/{solved[1]}")
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_unknown_days_plans_and_files_are_404(client, solved):
    day, number = solved
    for url in (
        "/days/../../etc",
        "/days/0123456789abcdef",
        f"/days/{day}/plans/99",
        f"/days/{day}/plans/{number}/files/day.json",
        f"/days/{day}/plans/{number}/files/..%2Finstance.json",
    ):
        assert client.get(url).status_code == 404, url


# -- solves --------------------------------------------------------------------------------


def test_an_infeasible_day_says_which_rule_and_adds_no_plan(client):
    data = small_day()
    for person in data["participants"][:5]:
        person["organisation"] = "same"
    day = new_day(client, data)
    final = events(client, solve(client, day))[-1]
    assert final["state"] == "infeasible"
    assert any("[organisation_cap]" in line for line in final["details"])
    assert client.app.state.days.store.plan_numbers(day) == []


def test_a_solve_stopped_midway_keeps_its_best_plan_and_the_queue_waits(client):
    day = new_day(client, allocator.shipped_examples()["partner_day.json"])
    first = solve(client, day, time_limit=60)
    second = solve(client, day, time_limit=60)
    queue = client.app.state.days.queue
    heard: list[list[dict]] = []
    reader = threading.Thread(target=lambda: heard.append(events(client, first)))
    reader.start()
    deadline = time.monotonic() + 60
    while queue.jobs[first].progress is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert queue.position(queue.jobs[second]) == 2
    cancelled = client.post(f"/jobs/{second}/stop", headers=SAME).json()
    assert cancelled["state"] == "cancelled"
    asked = time.monotonic()
    client.post(f"/jobs/{first}/stop", headers=SAME)
    reader.join(timeout=30)
    took = time.monotonic() - asked
    states = heard[0]
    assert states[-1]["state"] == "done" and took < 3, (states[-1], took)
    running = [
        b["elapsed"] - a["elapsed"]
        for a, b in itertools.pairwise(states)
        if b["state"] == "running"
    ]
    assert running and max(running) <= 1.0
    record = client.app.state.days.store.plan(day, 1)
    assert record["stopped"] and record["valid"]
    assert allocator.verify(allocator.parse_instance(record["instance"]), record["plan"]) == []


def test_a_solve_request_names_its_bad_field(client):
    day = new_day(client, small_day())
    for body, field in (
        ({"time_limit": "soon"}, "time_limit"),
        ({"time_limit": 0}, "time_limit"),
        ({"kind": "guess"}, "kind"),
        ({"kind": "repair"}, "plan"),
    ):
        answer = client.post(f"/days/{day}/solve", json=body, headers=SAME)
        assert answer.status_code == 400 and answer.json()["error"].startswith(field)


# -- the plan: edits, locks, downloads -----------------------------------------------------


def view(client, day: str, number: int) -> dict:
    return client.get(f"/days/{day}/plans/{number}/view").json()


def test_an_edit_makes_a_draft_that_names_the_broken_rule_and_undo_restores(client, solved):
    day, number = solved
    shown = view(client, day, number)
    first, second = shown["rounds"][0]["groups"][:2]
    person = first["members"][0]
    edit = {"round": "r1", "person": person, "group": second["id"]}
    draft = client.post(f"/days/{day}/plans/{number}/edit", json=edit, headers=SAME).json()
    assert draft["number"] != number and draft["kind"] == "hand-edited"
    assert not draft["valid"] and draft["strategy"] == "hand-edited"
    cards = {g["id"]: g for g in draft["rounds"][0]["groups"]}
    assert "sizes" in {b["rule"] for b in cards[second["id"]]["broken"]}
    assert draft["files"] == []
    refused = client.get(f"/days/{day}/plans/{draft['number']}/files/plan.json")
    assert refused.status_code == 409
    assert view(client, day, number)["rounds"] == shown["rounds"]  # the solver's plan stays
    back = client.post(f"/days/{day}/plans/{draft['number']}/undo", headers=SAME).json()
    assert back["valid"] and back["rounds"] == shown["rounds"] and not back["can_undo"]


def test_what_a_change_answers_is_the_plan_as_kept(client, solved):
    day, number = solved
    person = view(client, day, number)["rounds"][0]["groups"][0]["members"][0]
    for action, body in (
        ("edit", {"round": "r1", "person": person, "group": "r1-2"}),
        ("lock", {"round": "r2", "person": person}),
        ("undo", {}),
    ):
        shown = client.post(f"/days/{day}/plans/{number}/{action}", json=body, headers=SAME)
        number = shown.json()["number"]
        assert shown.json() == view(client, day, number), action


def test_the_objects_of_the_start_are_left_out_of_full_collections(tmp_path):
    with TestClient(create_app(tmp_path), base_url=BASE):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0


def test_an_edit_naming_nobody_is_a_400(client, solved):
    day, number = solved
    for change in ({"round": "r1", "person": "nobody", "group": "r1-1"}, {"round": "r9"}):
        answer = client.post(f"/days/{day}/plans/{number}/edit", json=change, headers=SAME)
        assert answer.status_code == 400


def test_the_files_are_those_the_command_line_writes(client, solved, tmp_path):
    day, number = solved
    shown = view(client, day, number)
    names = shown["files"]
    assert names[:2] == ["instance.json", "plan.json"] and "plan.xlsx" in names
    for name in names:
        answer = client.get(f"/days/{day}/plans/{number}/files/{name}")
        assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
        (tmp_path / name).write_bytes(answer.content)
    check = subprocess.run(
        [ALLOCATE, "verify", tmp_path / "instance.json", tmp_path / "plan.json"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    zipped = client.get(f"/days/{day}/plans/{number}/files/plan.zip")
    assert zipped.headers["content-type"] == "application/zip"


def test_locked_seats_are_pinned_when_re_optimising(client, solved):
    day, number = solved
    groups = view(client, day, number)["rounds"][1]["groups"]
    seats = [(groups[0]["members"][0], groups[0]["id"]), (groups[1]["members"][0], groups[1]["id"])]
    for person, _ in seats:
        lock = {"round": "r2", "person": person, "locked": True}
        shown = client.post(f"/days/{day}/plans/{number}/lock", json=lock, headers=SAME).json()
    assert shown["number"] == number and len(shown["locks"]) == 2
    final = events(client, solve(client, day, kind="reoptimise", plan=number))[-1]
    assert final["state"] == "done", final
    again = int(final["plan"].rsplit("/", 1)[1])
    record = client.app.state.days.store.plan(day, again)
    assert record["kind"] == "reoptimise" and record["valid"] and len(record["locks"]) == 2
    placed = {m: g["id"] for g in record["plan"]["rounds"][1]["groups"] for m in g["members"]}
    assert all(placed[person] == group for person, group in seats)


def test_the_page_speaks_french_when_the_browser_prefers_it(client):
    assert "Vos journées" in client.get("/", headers={"Accept-Language": "fr,en;q=0.8"}).text
    assert "Your days" in client.get("/", headers={"Accept-Language": "en-GB,fr;q=0.5"}).text
    client.post("/lang", json={"lang": "fr"}, headers=SAME)
    assert "Vos journées" in client.get("/", headers={"Accept-Language": "en"}).text


def test_repair_after_changes_keeps_seats_of_the_plan_for_the_day_as_saved(client, solved):
    day, number = solved
    changed = small_day()
    changed["participants"][-1] = {"id": "walk-in", "organisation": "org3"}
    assert client.post(f"/days/{day}/instance", json=changed, headers=SAME).status_code == 200
    final = events(client, solve(client, day, kind="repair", plan=number))[-1]
    assert final["state"] == "done", final
    record = client.app.state.days.store.plan(day, int(final["plan"].rsplit("/", 1)[1]))
    assert record["kind"] == "repair" and record["valid"]
    assert record["instance"] == changed
    repair = record["plan"]["repair"]
    assert repair["seats_compared"] == 22 and repair["seats_kept"] >= 20


def test_every_page_can_ask_for_the_queue(client):
    day = new_day(client, small_day("En file"))
    assert client.get("/queue").json() == {"lines": []}
    job = solve(client, day, time_limit=30)
    lines = client.get("/queue").json()["lines"]
    assert len(lines) == 1 and lines[0].startswith("En file")
    client.post(f"/jobs/{job}/stop", headers=SAME)
    events(client, job)
    assert client.get("/queue").json() == {"lines": []}


def test_the_printed_address_carries_the_token_beyond_this_machine():
    assert printed_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert printed_url("0.0.0.0", 8080, "t0k") == "http://127.0.0.1:8080/?token=t0k"
    assert printed_url("::1", 8000, None) == "http://[::1]:8000/"
    assert served_hosts("192.0.2.7", 80) == {"192.0.2.7:80", "192.0.2.7"}


# -- allocate serve -------------------------------------------------------------------------


@pytest.fixture
def serving(monkeypatch):
    """`allocate serve` with uvicorn's run and webbrowser.open stood in for: nothing
    listens and no browser opens. What they saw: the app served, the URLs opened (and an
    event set on the first)."""
    import uvicorn

    seen: dict = {"apps": [], "opened": [], "open": threading.Event()}

    def run(server) -> None:
        seen["apps"].append(server.config.app)
        server.started = True  # the browser is opened only once the server has started
        seen["open"].wait(timeout=0.5)  # time for the opener, which looks every 0.1 s

    def open_url(url: str) -> bool:
        seen["opened"].append(url)
        seen["open"].set()
        return True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(webbrowser, "open", open_url)
    return seen


def serve_cli(*args: str) -> str:
    from click.testing import CliRunner

    from allocator.cli import main

    result = CliRunner().invoke(main, ["serve", "--port", "8123", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_serve_beyond_this_machine_warns_and_its_printed_token_opens_the_page(serving, tmp_path):
    output = serve_cli("--host", "192.0.2.7", "--data", str(tmp_path), "--no-browser")
    assert output.startswith("warning: listening on 192.0.2.7, beyond this machine")
    (url,) = re.findall(r"open (\S+)", output)
    assert url.startswith("http://192.0.2.7:8123/?token=") and len(url) > 40
    (app,) = serving["apps"]
    assert app.state.days.store.root == tmp_path
    with TestClient(app, base_url="http://192.0.2.7:8123") as remote:
        assert remote.get("/").status_code == 403
        assert remote.get(url.replace("token=", "token=x")).status_code == 403
        first = remote.get(url, follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/"
        assert remote.get("/").status_code == 200  # the cookie the token URL set
        change = {"name": "world_cafe.json"}
        origin = {"Origin": "http://192.0.2.7:8123"}
        assert remote.post("/examples", json=change, headers=origin).status_code == 201


def test_serve_opens_the_browser_on_the_printed_url_once_started(serving, tmp_path):
    output = serve_cli("--data", str(tmp_path))
    assert "warning" not in output and "open http://127.0.0.1:8123/  (Ctrl-C" in output
    assert serving["open"].wait(timeout=5)
    assert serving["opened"] == ["http://127.0.0.1:8123/"]
    with TestClient(serving["apps"][0], base_url="http://127.0.0.1:8123") as local:
        assert local.get("/").status_code == 200  # no token on this machine


def test_serve_with_no_browser_opens_none(serving, tmp_path):
    serve_cli("--data", str(tmp_path), "--no-browser")
    assert len(serving["apps"]) == 1 and serving["opened"] == []


def test_what_reading_a_spreadsheet_could_not_tell_is_said_on_the_day(client):
    sheet = "Nom;Âge\n" + "".join(f"P{i};{20 + i}\n" for i in range(6))
    answer = client.post(
        "/days?name=sans-structure.csv&groups=2&rounds=1", content=sheet, headers=SAME
    )
    assert answer.status_code == 201, answer.text
    page = client.get(answer.json()["url"]).text
    assert "no organisation column" in page


# -- deleting days and drafts --------------------------------------------------------------


def edited(client, day: str, number: int) -> int:
    """The draft a move of the first person of round r1 makes of plan `number`."""
    first, second = view(client, day, number)["rounds"][0]["groups"][:2]
    edit = {"round": "r1", "person": first["members"][0], "group": second["id"]}
    return client.post(f"/days/{day}/plans/{number}/edit", json=edit, headers=SAME).json()["number"]


def test_a_draft_is_deleted_and_its_number_never_comes_back(client, solved):
    day, number = solved
    draft = edited(client, day, number)
    assert f"/days/{day}/plans/{draft}/delete" in client.get(f"/days/{day}").text
    answer = client.post(f"/days/{day}/plans/{draft}/delete", headers=SAME)
    assert answer.status_code == 200 and answer.json() == {"deleted": draft}
    assert client.get(f"/days/{day}/plans/{draft}").status_code == 404
    assert client.app.state.days.store.plan_numbers(day) == [number]
    assert (
        edited(client, day, number) == draft + 1
    )  # a stale tab on the deleted draft changes nothing


def test_a_solved_plan_is_not_deleted(client, solved):
    day, number = solved
    headers = {**SAME, "Accept-Language": "fr"}
    answer = client.post(f"/days/{day}/plans/{number}/delete", headers=headers)
    assert answer.status_code == 409
    assert answer.json()["error"].startswith("Seul un brouillon modifié à la main se supprime")
    assert client.app.state.days.store.plan_numbers(day) == [number]


def test_a_day_is_deleted_with_its_files(client, solved, tmp_path):
    day, number = solved
    edited(client, day, number)
    kept = new_day(client, small_day("Gardée"))
    answer = client.post(f"/days/{day}/delete", headers=SAME)
    assert answer.status_code == 200 and answer.json() == {"deleted": day, "stopped": []}
    assert [p.name for p in (tmp_path / "data" / "days").iterdir()] == [kept]
    assert client.get(f"/days/{day}").status_code == 404
    assert client.get(f"/days/{day}/plans/{number}").status_code == 404
    assert [d["id"] for d in allocator_days(client)] == [kept]


def test_deleting_what_does_not_exist_is_a_404(client, solved):
    day, _ = solved
    for url in (
        "/days/0123456789abcdef/delete",
        "/days/ABC/delete",
        f"/days/{day}/plans/99/delete",
    ):
        assert client.post(url, headers=SAME).status_code == 404, url
    assert client.app.state.days.store.plan_numbers(day) == [1]


def test_a_delete_from_another_page_is_refused(client, solved):
    day, number = solved
    draft = edited(client, day, number)
    for headers in ({}, {"Origin": "http://evil.example"}, {"Referer": "http://evil.example/"}):
        assert client.post(f"/days/{day}/delete", headers=headers).status_code == 403
        answer = client.post(f"/days/{day}/plans/{draft}/delete", headers=headers)
        assert answer.status_code == 403
    assert client.app.state.days.store.plan_numbers(day) == [number, draft]


def test_deleting_a_day_stops_its_solves_and_keeps_no_plan(client):
    day = new_day(client, allocator.shipped_examples()["partner_day.json"])
    running, waiting = solve(client, day, time_limit=60), solve(client, day, time_limit=60)
    queue = client.app.state.days.queue
    deadline = time.monotonic() + 60
    while queue.jobs[running].progress is None and time.monotonic() < deadline:
        time.sleep(0.1)
    asked = time.monotonic()
    answer = client.post(f"/days/{day}/delete", headers=SAME)
    assert answer.status_code == 200 and answer.json()["stopped"] == [running, waiting]
    ended = [
        events(client, running)[-1],
        job_state(client.app.state.days, queue.jobs[waiting], "en"),
    ]
    assert time.monotonic() - asked < 3
    for state in ended:
        assert state["state"] == "cancelled" and state["message"] == "the day was deleted"
    assert allocator_days(client) == [] and client.get("/queue").json() == {"lines": []}
