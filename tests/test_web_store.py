"""The days kept on disk: ids made here and checked on the way in, files written whole or
not at all, plans numbered, a day duplicated with its plans."""

from __future__ import annotations

import json

import pytest

from allocator.web import store as store_module
from allocator.web.store import NotFound, Store, default_data_dir, write_json

DAY = {"name": "Matinée", "participants": [], "rounds": []}


def test_a_day_keeps_its_instance_and_numbered_plans(tmp_path):
    days = Store(tmp_path)
    day = days.create(DAY, "inscriptions.csv")
    assert days.instance(day) == DAY
    assert days.add_plan(day, {"plan": 1}) == 1 and days.add_plan(day, {"plan": 2}) == 2
    assert days.plan_numbers(day) == [1, 2] and days.plan(day, 2) == {"plan": 2, "number": 2}
    days.save_plan(day, 1, {"plan": "changed"})
    assert Store(tmp_path).plan(day, 1)["plan"] == "changed"  # a new server reads it back
    assert [d["id"] for d in Store(tmp_path).days()] == [day]


@pytest.mark.parametrize("day", ["../etc", "0123456789abcdef", "ABCDEF0123456789", ""])
def test_an_id_that_no_day_has_is_not_found(tmp_path, day):
    with pytest.raises(NotFound):
        Store(tmp_path).instance(day)


def test_a_plan_number_no_plan_has_is_not_found(tmp_path):
    days = Store(tmp_path)
    day = days.create(DAY, "x")
    with pytest.raises(NotFound):
        days.plan(day, 3)
    with pytest.raises(NotFound):
        days.save_plan(day, 3, {})


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "instance.json"
    write_json(target, {"kept": True})

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module.os, "replace", broken)
    with pytest.raises(OSError):
        write_json(target, {"kept": False})
    assert json.loads(target.read_text(encoding="utf-8")) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["instance.json"]


def test_a_duplicate_has_the_instance_and_plans_under_a_new_title(tmp_path):
    days = Store(tmp_path)
    day = days.create(DAY, "x")
    days.add_plan(day, {"plan": "a"})
    copy = days.duplicate(day, "Matinée (2)")
    assert copy != day and days.instance(copy)["name"] == "Matinée (2)"
    assert days.plan(copy, 1)["plan"] == "a"


def test_the_default_folder_is_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "allocator"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_data_dir().parts[-3:] == (".local", "share", "allocator")


def test_a_deleted_day_leaves_nothing_and_a_removal_cut_short_is_finished(tmp_path):
    days = Store(tmp_path)
    day, kept = days.create(DAY, "x"), days.create(DAY, "y")
    days.add_plan(day, {"plan": "a"})
    days.delete(day)
    assert sorted(p.name for p in (tmp_path / "days").iterdir()) == [kept]
    with pytest.raises(NotFound):
        days.delete(day)
    cut_short = tmp_path / "days" / f"{store_module.DELETED}{kept}-0000"
    (cut_short / "plans").mkdir(parents=True)
    assert [d["id"] for d in Store(tmp_path).days()] == [kept]
    assert not cut_short.exists()


def test_a_deleted_plans_number_is_not_given_again(tmp_path):
    days = Store(tmp_path)
    day = days.create(DAY, "x")
    days.add_plan(day, {"plan": "a"})
    days.add_plan(day, {"plan": "b"})
    days.delete_plan(day, 2)
    assert days.plan_numbers(day) == [1] and days.add_plan(day, {"plan": "c"}) == 3
    with pytest.raises(NotFound):
        days.delete_plan(day, 2)
