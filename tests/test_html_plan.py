"""The printable HTML plan: self-contained, escaped, one section per round, a card per group
and per participant, the quality against the bounds, the mixing heat map, both languages, and
a real rendering in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from allocator.i18n import _LABELS, LANGS, labels, metric_label, number
from allocator.io.html_plan import group_name, people_met, render_html, round_name
from allocator.model.instance import Instance

Plan = dict[str, Any]
EVIL = "<script>alert('x')</script>"


def sample() -> tuple[Instance, Plan]:
    """Six people of three organisations, a visitor, a duty, a round keeping the groups of
    another, and text that must be escaped everywhere."""
    people = [
        {"id": "a", "name": EVIL, "organisation": "<b>Org</b>", "role": "worker"},
        {"id": "b", "name": '=HYPERLINK("u","v")', "organisation": "<b>Org</b>", "role": "user"},
        {"id": "c", "name": "Céline & Co", "organisation": "Y", "role": "worker"},
        {"id": "d", "name": "Dan", "organisation": "Y", "role": 'us"er'},
        {"id": "e", "name": "Eve", "organisation": "Z"},
        {"id": "f", "name": "Fay", "rounds": ["r1", "r2"]},
    ]
    instance = Instance.model_validate(
        {
            "name": "Day <1>",
            "participants": people,
            "rounds": [
                {"id": "r1", "groups": 2, "visitors": ["v"]},
                {"id": "r2", "same_groups_as": "r1", "visitors": ["v"]},
                {"id": "synthèse", "groups": 1},
            ],
            "visitors": [{"id": "v", "name": "<img src=x onerror=alert(1)>"}],
            "duties": [{"name": "scribe<", "rounds": ["r1", "r2"]}],
        }
    )
    groups = {
        "r1": [("r1-1", "a c e", "v", "a"), ("r1-2", "b d f", None, "d")],
        "r2": [("r1-1", "a c e", None, "c"), ("r1-2", "b d f", "v", "f")],
        "synthèse": [("synthèse-1", "a b c d e", None, None)],
    }
    plan = {
        "instance": "Day <1>",
        "status": "feasible",
        "strategy": "cpsat",
        "seed": 3,
        "seconds": 1.234,
        "objective": 2120.0,
        "bound": 1000.0,
        "metrics": {"same_organisation": 2, "repeat_pairs": 1, "imbalance:role": 1.5},
        "metric_bounds": {"same_organisation": 1, "repeat_pairs": 0, "imbalance:role": None},
        "rounds": [
            {
                "id": rid,
                "groups": [
                    {
                        "id": gid,
                        "members": members.split(),
                        "visitor": visitor,
                        "duties": {} if rid == "synthèse" else {"scribe<": [holder]},
                    }
                    for gid, members, visitor, holder in rows
                ],
            }
            for rid, rows in groups.items()
        ],
    }
    return instance, plan


@pytest.fixture(params=LANGS)
def page(request) -> str:
    return render_html(*sample(), lang=request.param)


def test_every_text_from_the_instance_is_escaped(page):
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Céline &amp; Co" in page and "us&quot;er" in page and "Day &lt;1&gt;" in page
    assert "scribe&lt;" in page
    assert "=HYPERLINK(&quot;u&quot;,&quot;v&quot;)" in page  # shown as written, inert in HTML


def test_the_page_is_self_contained_and_printable_on_a4(page):
    assert not re.search(r"https?://|<link|<script|<img|@import|url\(", page)
    assert "@page { size: A4" in page
    assert "break-before: page" in page and "break-inside: avoid" in page
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_a_section_per_round_a_card_per_group_and_per_person(page):
    assert page.count('<section class="round">') == 3
    assert page.count('<article class="card group">') == 5
    assert page.count('<article class="card person">') == 6


def test_group_cards_show_members_with_organisation_role_duty_and_visitor():
    page = render_html(*sample(), lang="en")
    first = page.split('<article class="card group">')[1].split("</article>")[0]
    assert "Group 1" in first and "3 members" in first
    assert "Visitor: &lt;img src=x onerror=alert(1)&gt;" in first
    assert "&lt;b&gt;Org&lt;/b&gt; · worker" in first
    assert '<span class="duty">scribe&lt;</span>' in first


def test_person_cards_are_sorted_by_name_and_give_each_round():
    page = render_html(*sample(), lang="en")
    cards = page.split('<article class="card person">')[1:]
    names = [re.search(r"<h3><span>(.*?)</span>", card)[1] for card in cards]
    assert names == [
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;",
        "Céline &amp; Co",
        "Dan",
        "Eve",
        "Fay",
        "=HYPERLINK(&quot;u&quot;,&quot;v&quot;)",
    ]
    fay = cards[4]
    assert "Round 3 · synthèse</td><td>" in fay and "absent" in fay
    assert 'Group 2 <span class="duty">scribe&lt;</span>' in fay


def test_people_met_counts_distinct_others_over_the_day():
    _, plan = sample()
    assert people_met(plan) == {"a": 4, "b": 5, "c": 4, "d": 5, "e": 4, "f": 2}


def test_the_quality_summary_compares_metrics_with_their_bounds():
    page = render_html(*sample(), lang="en")
    quality = page.split('<section class="quality">')[1].split("</section>")[0]
    assert re.search(
        r"Same-organisation pairs</td><td class=\"num\">2</td><td class=\"num\">1<", quality
    )
    assert re.search(
        r"Imbalance \(role\)</td><td class=\"num\">1.5</td><td class=\"num\">—<", quality
    )
    assert (
        'Objective (weighted sum)</td><td class="num">2,120</td><td class="num">1,000<' in quality
    )
    assert "At most 1,120 above the best possible objective" in quality
    assert "average 4, minimum 2, maximum 5 (out of 5 other people)" in quality


def test_an_optimal_plan_and_a_plan_without_bound_say_so():
    instance, plan = sample()
    assert "Optimal" in render_html(instance, {**plan, "bound": plan["objective"]})
    assert "No lower bound is known" in render_html(instance, {**plan, "bound": None})


def test_the_heat_map_counts_members_per_organisation_and_group():
    page = render_html(*sample(), lang="en")
    maps = re.findall(r'<table class="heat">(.*?)</table>', page, re.S)
    assert len(maps) == 2  # r2 keeps the groups of r1: no second map of the same groups
    first = dict(re.findall(r'<th class="org">(.*?)</th>(.*?)</tr>', maps[0]))
    assert re.findall(r">(\d)<", first["&lt;b&gt;Org&lt;/b&gt;"]) == ["1", "1"]
    synthesis = dict(re.findall(r'<th class="org">(.*?)</th>(.*?)</tr>', maps[1]))
    assert '<td class="h2">2</td>' in synthesis["Y"]


def test_french_labels():
    page = render_html(*sample(), lang="fr")
    for label in (
        'lang="fr"',
        "Plan de table",
        "Qualité du plan",
        "Tour 1",
        "Groupe 1",
        "Visiteur·euse : ",
        "Parcours des participant·es",
        "Borne inférieure",
        "Déséquilibre (rôle)",
        "2\u202f120",
        "absent·e",
    ):
        assert label in page, label
    for english in ("Seating plan", "Round 1", "Group 1", "Visitor:"):
        assert english not in page


def test_both_languages_have_every_label():
    assert set(_LABELS["en"]) == set(_LABELS["fr"])
    assert all(value.strip() for lang in LANGS for value in labels(lang).values())


@pytest.mark.parametrize(
    ("position", "rid", "expected"),
    [
        (0, "round1", "Round 1"),
        (1, "rotation2", "Round 2"),
        (1, "case1", "Round 2 · case1"),
        (0, "breakfast", "Round 1 · breakfast"),
    ],
)
def test_round_names_add_the_id_only_when_it_says_more(position, rid, expected):
    assert round_name(position, rid, labels("en")) == expected


@pytest.mark.parametrize(
    ("position", "gid", "expected"),
    [
        (2, "tour1-3", "Groupe 3"),
        (0, "case1-1", "Groupe 1"),
        (0, "salle A", "Groupe salle A"),
        (0, "t-2", "Groupe t-2"),
    ],
)
def test_group_names_drop_generated_prefixes(position, gid, expected):
    assert group_name(position, gid, labels("fr")) == expected


def test_numbers_read_as_in_each_language():
    assert number(1234567.5, "en") == "1,234,567.5" and number(2.0, "en") == "2"
    assert number(33380.0, "fr") == "33\u202f380" and number(13.3, "fr") == "13,3"
    assert metric_label("imbalance:role", "fr") == "Déséquilibre (rôle)"
    assert metric_label("imbalance:âge", "en") == "Imbalance (âge)"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", LANGS)
def test_headless_chromium_renders_the_plan(tmp_path, lang):
    html = tmp_path / "plan.html"
    html.write_text(render_html(*sample(), lang=lang), encoding="utf-8")
    png = tmp_path / "plan.png"
    command = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
        "--window-size=1240,1754", html.as_uri(),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a page with text and colours, not a blank one


def _crowded_round(groups: int, crowded: int) -> tuple[Instance, Plan]:
    """`groups` tables of four, one organisation per seat except `crowded` tables whose
    first two seats share organisation `twin`."""
    people, members = [], []
    for g in range(groups):
        table = []
        for seat in range(4):
            organisation = "twin" if g < crowded and seat < 2 else f"o{g}-{seat}"
            people.append({"id": f"p{g}-{seat}", "organisation": organisation})
            table.append(f"p{g}-{seat}")
        members.append(table)
    instance = Instance.model_validate(
        {"name": "big", "participants": people, "rounds": [{"id": "r", "groups": groups}]}
    )
    plan = {
        "instance": "big",
        "status": "feasible",
        "strategy": "random",
        "seed": 0,
        "seconds": 1.0,
        "objective": 0.0,
        "bound": None,
        "metrics": {},
        "metric_bounds": {},
        "rounds": [
            {
                "id": "r",
                "groups": [
                    {"id": f"r-{g + 1}", "members": m, "visitor": None, "duties": {}}
                    for g, m in enumerate(members)
                ],
            }
        ],
    }
    return instance, plan


def test_a_large_round_maps_only_the_cells_that_make_colleague_pairs():
    page = render_html(*_crowded_round(groups=500, crowded=3))
    heat = re.findall(r'<table class="heat">(.*?)</table>', page, re.S)
    assert len(heat) == 1
    rows = dict(re.findall(r'<th class="org">(.*?)</th>(.*?)</tr>', heat[0]))
    assert list(rows) == ["twin"]
    assert re.findall(r">(\d)<", rows["twin"]) == ["2", "2", "2"]
    assert "500 groups and 1,"[:10] in page and "(3 of 3)" in page
    clear = render_html(*_crowded_round(groups=500, crowded=0))
    assert "No group holds two members of one organisation" in clear
    assert '<table class="heat">' not in clear
