"""The verifier's broken rules in the page's language: every rule kind (and every case of
each that a plan can reach) worded in French from the violation's facts, the library's
English message kept in English and wherever no sentence fits."""

from __future__ import annotations

import copy

import pytest

from allocator import parse_instance, verify
from allocator.evaluation.verify import RULES
from allocator.web.view import shown_violation, violations_json
from allocator.web.words import BROKEN, RULE_NAMES, broken_rule

PEOPLE = [
    {
        "id": f"p{i}",
        "organisation": "ABC"[i // 2],
        "role": "worker" if i % 2 == 0 else "user",
        "attributes": {"city": "X" if i < 3 else "Y"},
    }
    for i in range(6)
]
DAY = {
    "name": "broken everywhere",
    "participants": PEOPLE,
    "visitors": [{"id": "v1"}, {"id": "v2"}],
    "rounds": [
        {
            "id": "r1",
            "groups": [{"id": "g1", "min_size": 3}, {"id": "g2", "max_size": 2}],
            "visitors": ["v1"],
        },
        {"id": "r2", "same_groups_as": "r1", "visitors": ["v1"]},
        {"id": "r3", "groups": 2, "merge_of": "r1"},
        {"id": "r4", "groups": 3, "visitors": ["v2"]},
    ],
    "duties": [
        {"name": "scribe", "per_group": 1, "rounds": ["r1", "r2"], "eligible_roles": ["worker"]},
        {"name": "keeper", "per_group": 1, "rounds": ["r1", "r2"]},
    ],
    "constraints": {
        "max_per_organisation": 1,
        "role_ratio": [{"role": "user", "per": "worker", "min": 0.5, "max": 1}],
        "balance": ["city"],
        "apart": [["p0", "p2"]],
        "together": [["p4", "p5"]],
        "fixed": [{"participant": "p1", "round": "r4", "group": "r4-1"}],
        "max_meetings": 1,
    },
}


def group(gid, members, visitor=None, **duties):
    return {"id": gid, "members": members, "visitor": visitor, "duties": duties}


PLAN = {
    "rounds": [
        {
            "id": "r1",
            "groups": [
                group("g1", ["p0", "p1"], "v1", scribe=["p1"], keeper=["p1"]),
                group("g2", ["p2", "p3", "p4", "p5"], "v1", scribe=[], keeper=["p0"]),
            ],
        },
        {
            "id": "r2",
            "groups": [
                group("g1", ["p0", "p2"], "v1", scribe=["p0"], keeper=["p2"]),
                group("g2", ["p1", "p3", "p4", "p5"], scribe=["p4"], keeper=["p3"]),
            ],
        },
        {
            "id": "r3",
            "groups": [
                group("r3-1", ["p0", "p2", "p3"], scribe=["p0"]),
                group("r3-2", ["p1", "p4", "p5"]),
            ],
        },
        {
            "id": "r4",
            "groups": [
                group("r4-1", ["p0", "p2", "p4"], "v1"),
                group("r4-2", ["p1"]),
                group("r4-3", ["p3", "p5"]),
            ],
        },
    ],
    "objective": 12345,
    "bound": 99999,
    "seconds": "soon",
    "metrics": {"nonsense": 1},
    "metric_bounds": {"same_organisation": 1e6, "repeat_pairs": "x", "other": 1},
}


def changed(path, value):
    """The plan with one part replaced: `path` is a list of keys and indices."""
    plan = copy.deepcopy(PLAN)
    at = plan
    for key in path[:-1]:
        at = at[key]
    if value is KeyError:
        del at[path[-1]]
    else:
        at[path[-1]] = value
    return plan


def g(k, n):
    return ["rounds", k, "groups", n]


MALFORMED = [
    [],
    {"rounds": 3},
    {"rounds": [{"id": "r1"}]},
    changed(["rounds", 0, "groups"], "g1"),
    changed(g(0, 1), "g2"),
    changed([*g(0, 1), "id"], "g9"),
    changed([*g(0, 1), "id"], "g1"),
    changed([*g(0, 1), "members"], "p2"),
    changed([*g(0, 1), "members"], ["p2", "p3", "p4", "p5", "p0", "nobody"]),
    changed([*g(0, 1), "visitor"], "v9"),
    changed([*g(0, 1), "duties"], ["scribe"]),
    changed([*g(0, 1), "duties", "boss"], ["p2"]),
    changed([*g(0, 1), "duties", "keeper"], "p2"),
    changed([*g(0, 0), "members"], ["p0"]),  # p1 is unseated
    changed(["metrics"], []),
    changed(["metric_bounds"], 3),
    changed(["metrics"], {"same_organisation": 0}),
]
"""Plans breaking the structure (and the metrics' claims) in every way a check names."""


def absent_day():
    day = copy.deepcopy(DAY)
    day["participants"][5]["rounds"] = ["r1", "r2", "r3"]
    plan = changed([*g(3, 2), "members"], ["p3", "p5"])
    return parse_instance(day), plan


def crowded_day():
    """16 people in one group twice: 120 pairs meet twice, more than the hundred listed."""
    day = {
        "name": "crowded",
        "participants": [{"id": f"q{i:02}"} for i in range(16)],
        "rounds": [{"id": "a", "groups": 1}, {"id": "b", "groups": 1}],
        "constraints": {"max_meetings": 1},
    }
    everyone = [f"q{i:02}" for i in range(16)]
    plan = {"rounds": [{"id": r, "groups": [{"id": f"{r}-1", "members": everyone}]} for r in "ab"]}
    return parse_instance(day), plan


def claiming_day():
    """A plan keeping every rule whose bounds claim too much (bounds are checked only on a
    plan keeping the rules: one breaking them may go below them)."""
    day = {"name": "claims", "participants": [{"id": f"q{i}"} for i in range(4)]}
    day["rounds"] = [{"id": "a", "groups": 2}]
    plan = {
        "rounds": [{"id": "a", "groups": [group("a-1", ["q0", "q1"]), group("a-2", ["q2", "q3"])]}]
    }
    plan |= {
        "bound": 99999,
        "metric_bounds": {"same_organisation": 1e6, "repeat_pairs": "x", "other": 1},
    }
    return parse_instance(day), plan


@pytest.fixture(scope="module")
def violations():
    instance = parse_instance(DAY)
    found = list(verify(instance, PLAN))
    for plan in MALFORMED:
        found += verify(instance, plan)
    for make in (absent_day, crowded_day, claiming_day):
        found += verify(*make())
    return found


UNREACHABLE = {"fixed.unseated"}
"""A pinned person present in the round is seated or the plan breaks `structure` first
(and the rules are not checked), so this sentence is a guard."""


def test_every_rule_kind_and_case_is_worded_in_french(violations):
    kinds = {v.rule for v in violations}
    assert kinds == {"structure", *(rule for rule, _ in RULES)}
    cases = {f"{v.rule}.{v.facts.get('case')}" for v in violations}
    assert cases | UNREACHABLE == set(BROKEN["fr"])
    assert set(RULE_NAMES["fr"]) == kinds
    for v in violations:
        french = broken_rule(v.rule, v.message, dict(v.facts), "fr")
        assert french != v.message, v
        assert "{" not in french and "None" not in french, french
        for english in (" members", " group `", "round `", " held by", "must be"):
            assert english not in french, french


def test_english_is_the_library_message(violations):
    for v in violations:
        assert broken_rule(v.rule, v.message, dict(v.facts), "en") == v.message


def test_the_facts_fill_the_sentence():
    instance = parse_instance(DAY)
    said: dict[str, str] = {}
    for v in verify(instance, PLAN):  # the first of each case
        french = broken_rule(v.rule, v.message, dict(v.facts), "fr")
        said.setdefault(f"{v.rule}.{v.facts['case']}", french)
    assert said["sizes.min"] == "tour `r1` groupe `g1` : 2 membres (min. 3)"
    assert said["role_ratio.ratio"].endswith("(proportion admise : min. 0,5, max. 1)")
    assert said["balance.share"].startswith("tour `r1` groupe `g1` : 2 membres avec `city` = 'X'")
    assert said["together.split"] == (
        "tour `r4` : p4, p5 doivent être ensemble mais sont répartis : `r4-1` (p4); `r4-3` (p5)"
    )
    assert said["visitors.never_met"].startswith("`v2` (tours `r4`) : jamais rencontré·e par 6")


def test_a_stored_violation_without_facts_or_with_odd_facts_keeps_its_message():
    assert broken_rule("sizes", "as written", None, "fr") == "as written"
    assert broken_rule("sizes", "as written", {"case": "min"}, "fr") == "as written"
    assert broken_rule("sizes", "as written", {"case": "new"}, "fr") == "as written"
    assert broken_rule("new_rule", "as written", {"case": "x"}, "fr") == "as written"


def test_the_page_shows_the_rule_name_and_sentence_in_its_language():
    instance = parse_instance(DAY)
    stored = violations_json(verify(instance, PLAN))[0]
    assert shown_violation(stored, "fr") == {
        "rule": "sizes",
        "name": "tailles",
        "message": "tour `r1` groupe `g1` : 2 membres (min. 3)",
    }
    assert shown_violation(stored, "en")["name"] == "sizes"
    assert shown_violation(stored, "en")["message"] == stored["message"]
