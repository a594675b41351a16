"""The organiser's whole path in Debian's Chromium, driven by Playwright: a 36-person
French spreadsheet uploaded, solved, a person dragged so that a rule breaks (the card
turns red and names it), undone, two seats locked, the rest re-optimised (the locked seats
stay), the folder downloaded, its itinerary CSV saying what its plan.json says, and
`allocate verify` accepting it. Screenshots of each step go to test-artefacts/web/ (not
committed)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("uvicorn", reason="the web extra is not installed")
httpx = pytest.importorskip("httpx", reason="the test extra is not installed")

ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artefacts" / "web"
ALLOCATE = Path(sys.executable).parent / "allocate"
STRUCTURES = (
    "CPAS de Forest",
    "Mission locale d'Anderlecht",
    "Maison médicale du Midi",
    "AMO Le Tremplin",
    "Service de santé mentale Le Méridien",
    "Maison d'accueil L'Escale",
)


def french_sheet(path: Path) -> None:
    """36 people of 6 structures, half of them workers, as an Excel export in French."""
    lines = ["Prénom;Nom;Structure;Fonction"]
    for k in range(36):
        role = "travailleur" if k % 2 else "usager"
        lines.append(f"Prénom{k:02};Nom{k:02};{STRUCTURES[k % 6]};{role}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def artefacts():
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    return ARTEFACTS


def redrawn(page, before: int) -> None:
    """Wait until the plan view has drawn again after a change (a selector: the page's
    content security policy forbids the script a predicate would evaluate)."""
    page.wait_for_selector(f'body[data-rendered="{before + 1}"]')


def typed(field, text: str) -> None:
    """Type into a form field as a person does: the form reads it on `change`."""
    field.fill(text)
    field.dispatch_event("change")


def save(page) -> None:
    """Save the day's form and wait for the page to say it was saved."""
    page.locator("button.save").first.click()
    page.wait_for_selector("#saved:text('Saved.')")


def renders(page) -> int:
    return int(page.get_attribute("body", "data-rendered") or 0)


def test_the_organiser_path_from_spreadsheet_to_verified_folder(
    server, browser, artefacts, tmp_path
):
    context = browser.new_context(
        locale="fr-BE", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sheet = tmp_path / "inscriptions.csv"
    french_sheet(sheet)

    page.goto(server)
    assert page.locator("h1").inner_text() == "Vos journées"
    page.set_input_files("#upload-file", str(sheet))
    page.fill("#upload-groups", "6")
    page.fill("#upload-rounds", "3")
    page.screenshot(path=artefacts / "01-upload.png")
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/days/*")
    assert "36 personnes" in page.inner_text("main")

    page.fill("#time-limit", "3")
    page.click("#solve")
    page.wait_for_selector("#progress:not([hidden])")
    page.screenshot(path=artefacts / "02-solving.png")
    page.wait_for_url("**/plans/*", timeout=60_000)
    page.wait_for_selector(".card")
    assert page.locator("#plan-status").inner_text() == "valide"
    page.screenshot(path=artefacts / "03-plan.png", full_page=True)

    cards = page.locator("#groups .card")
    assert cards.count() == 6 and page.locator(".card.broken").count() == 0
    before = renders(page)
    cards.nth(0).locator(".person").first.drag_to(cards.nth(1).locator("h3"))
    redrawn(page, before)
    assert "/plans/2" in page.url  # a draft; the solver's plan 1 stays
    assert "broken" in cards.nth(1).get_attribute("class")
    broken = cards.nth(1).locator(".broken-rules").inner_text()
    assert "[tailles]" in broken and " membres" in broken  # the verifier's rule, in French
    assert page.locator("#no-download").is_visible() and page.locator("#downloads a").count() == 0
    page.screenshot(path=artefacts / "04-broken.png", full_page=True)

    before = renders(page)
    page.click("#undo")
    redrawn(page, before)
    assert page.locator(".card.broken").count() == 0
    assert page.locator("#plan-status").inner_text() == "valide"
    page.screenshot(path=artefacts / "05-undone.png")

    locked = []
    for card in (cards.nth(0), cards.nth(3)):
        person = card.locator(".person").first
        locked.append((person.get_attribute("data-person"), card.get_attribute("data-group")))
        before = renders(page)
        person.locator(".lock").click()
        redrawn(page, before)
    assert page.locator(".person.locked").count() == 2
    page.screenshot(path=artefacts / "06-locked.png")

    page.fill("#time-limit", "2")
    draft_url = page.url
    page.click("#reoptimise")
    page.wait_for_url(lambda url: url != draft_url and "/plans/" in url, timeout=60_000)
    page.wait_for_selector(".card")
    for person, group in locked:
        seat = page.locator(f'.card[data-group="{group}"] .person[data-person="{person}"]')
        assert seat.count() == 1 and "locked" in seat.get_attribute("class")
    page.screenshot(path=artefacts / "07-reoptimised.png", full_page=True)

    with page.expect_download() as download:
        page.click('a[data-file="plan.zip"]')
    archive = artefacts / "plan.zip"
    download.value.save_as(archive)
    folder = tmp_path / "download"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    (plan_dir,) = folder.iterdir()
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    seats = {
        (rnd["id"], member): group["id"]
        for rnd in plan["rounds"]
        for group in rnd["groups"]
        for member in group["members"]
    }
    rows = list(csv.DictReader(io.StringIO((plan_dir / "itinerary.csv").read_text("utf-8"))))
    assert len(rows) == 36
    for row in rows:
        for rnd in plan["rounds"]:
            assert row[rnd["id"]] == seats[(rnd["id"], row["participant_id"])]
    check = subprocess.run(
        [ALLOCATE, "verify", plan_dir / "instance.json", plan_dir / "plan.json"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("VALID")
    assert errors == []
    context.close()


def test_the_day_is_shaped_in_forms_with_each_error_beside_its_field(
    server, browser, artefacts, tmp_path
):
    page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    page.goto(server)
    page.click('button.example[data-name="world_cafe.json"]')
    page.wait_for_url("**/days/*")
    groups = page.locator('[data-path="rounds[0].groups"]')
    typed(groups, "0")
    assert '"groups": 0' in page.input_value("#instance")
    page.locator("button.save").first.click()
    beside = page.locator('[data-path="rounds[0].groups"] + .beside')
    beside.wait_for()
    assert beside.inner_text().startswith("rounds[0].groups:")
    page.screenshot(path=artefacts / "08-shape-error.png")
    typed(groups, "6")
    organisation = page.locator('[data-path="participants[0].organisation"]')
    typed(organisation, "Ville de Gand")
    save(page)
    assert page.locator(".beside").count() == 0
    page.reload()
    assert page.input_value('[data-path="participants[0].organisation"]') == "Ville de Gand"
    assert page.input_value('[data-path="rounds[0].groups"]') == "6"
    page.close()


def api(base: str) -> httpx.Client:
    """A client of the page's API, its requests coming from the page's origin."""
    return httpx.Client(base_url=base, headers={"Origin": base}, timeout=60)


def day_through_the_api(base: str, data: dict) -> str:
    """The id of a new day of `data`."""
    with api(base) as client:
        return client.post("/days?name=day.json", content=json.dumps(data)).json()["day"]


def solved_through_the_api(base: str, data: dict) -> str:
    """The URL of a plan of a new day of `data`, solved through the page's API."""
    day = day_through_the_api(base, data)
    with api(base) as client:
        job = client.post(f"/days/{day}/solve", json={"time_limit": 1}).json()["job"]
        states = [
            json.loads(line[6:])
            for line in client.get(f"/jobs/{job}/events").text.splitlines()
            if line.startswith("data: ")
        ]
    assert states[-1]["state"] == "done", states[-1]
    return base + states[-1]["plan"]


def heat_cell(page, organisation: str, group: int) -> int:
    row = page.locator("#heatmap tr").filter(has=page.locator(f'th.org:text-is("{organisation}")'))
    return int(row.locator(f'td[data-group="{group}"]').inner_text())


def test_the_heat_map_of_each_round_follows_a_drag(server, browser, artefacts):
    day = {
        "name": "Mixing <b>day</b>",
        "participants": [
            {"id": f"p{i:02}", "name": f"Person {i}", "organisation": f"<i>org{i % 4}</i>"}
            for i in range(12)
        ],
        "rounds": [
            {"id": "start$&", "groups": 4},  # `$&` in a replacement string: the whole match
            {"id": "r2", "same_groups_as": "start$&"},
            {"id": "r3", "groups": 3},
        ],
        "visitors": [{"id": "v1", "name": "Actor $&"}],
        "constraints": {"visitor_meetings": "at_most_once"},
    }
    day["rounds"][2]["visitors"] = ["v1"]
    page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(solved_through_the_api(server, day))
    page.wait_for_selector("#heatmap table.heat")
    assert page.locator("#heatmap h3").inner_text() == "Round 1 · start$& — Group"
    assert page.locator("#heatmap th.org").count() == 4
    assert page.locator("#heatmap i").count() == 0  # the organisations' names are text

    page.click('#tabs .tab[data-round="r2"]')
    assert page.locator("#heatmap table").count() == 0
    assert "Same groups as Round 1 · start$&:" in page.inner_text("#heatmap")
    page.click('#tabs .tab[data-round="r3"]')
    assert page.locator("#heatmap h3").inner_text() == "Round 3 — Group"
    assert page.locator(".card .visitor").first.inner_text() == "Visitor: Actor $&"
    cards = page.locator("#groups .card")
    person = cards.nth(0).locator(".person").first
    organisation = person.locator(".meta").inner_text()
    before = [heat_cell(page, organisation, group) for group in (1, 2)]
    drawn = renders(page)
    person.drag_to(cards.nth(1).locator("h3"))
    redrawn(page, drawn)
    assert [heat_cell(page, organisation, group) for group in (1, 2)] == [
        before[0] - 1,
        before[1] + 1,
    ]
    page.screenshot(path=artefacts / "09-heat-map.png", full_page=True)
    assert errors == []
    page.close()


def test_a_round_s_listed_groups_are_edited_with_each_error_beside_its_field(
    server, browser, artefacts
):
    day = {
        "name": "Listed groups",
        "participants": [{"id": f"p{i:02}", "organisation": f"org{i % 3}"} for i in range(12)],
        "rounds": [
            {"id": "r1", "groups": 3},
            {"id": "r2", "groups": [{"id": "a"}, {"id": "b"}, {"id": "c", "min_size": 2}]},
        ],
    }
    page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/days/{day_through_the_api(server, day)}")
    assert page.inner_text('[data-path="rounds[1].groups"]') == "3 listed"
    page.click('[data-path="rounds[0].groups"] + button')  # the count becomes a list
    assert page.input_value('[data-path="rounds[0].groups[2].id"]') == "r1-3"
    page.locator(".listed-groups", has_text="round r2").get_by_text("Add a group").click()
    assert page.input_value('[data-path="rounds[1].groups[3].id"]') == "r2-4"

    low = page.locator('[data-path="rounds[1].groups[1].min_size"]')
    typed(low, "-1")
    page.locator("button.save").first.click()
    beside = page.locator('[data-path="rounds[1].groups[1].min_size"] + .beside')
    beside.wait_for()
    assert beside.inner_text().startswith("rounds[1].groups[1].min_size: Input should be greater")
    assert "has-error" in low.get_attribute("class")
    assert page.locator(".beside").count() == 1
    page.screenshot(path=artefacts / "10-listed-group-error.png", full_page=True)

    typed(low, "2")
    save(page)
    assert page.locator(".beside").count() == 0
    page.reload()
    assert page.input_value('[data-path="rounds[1].groups[1].min_size"]') == "2"
    assert page.input_value('[data-path="rounds[1].groups[3].id"]') == "r2-4"
    page.click('[data-path="rounds[0].groups"] + button')  # the list becomes a count again
    assert page.input_value('[data-path="rounds[0].groups"]') == "3"
    assert errors == []
    page.close()
