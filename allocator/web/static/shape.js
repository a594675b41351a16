// Shaping the day in forms: rounds (a count of groups, or each group listed with its id
// and sizes), people (with their attendance), visitors, duties,
// rules and the weights of the objective, all editing one instance object that the JSON
// text beside mirrors. The server validates it as the command line does; each error is
// shown beside the input whose data-path is the field it names (or the nearest one above).
"use strict";

const Shape = (() => {
  let instance = {};
  let said = {};
  let onChange = () => {};

  const list = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);
  const joined = (values) => (values || []).join(", ");

  // An empty input removes the key (the format's default then holds); a number that does
  // not parse is kept as text, for the validation to name.
  function setKey(object, key, value) {
    if (value === "" || value === undefined || (Array.isArray(value) && !value.length)) delete object[key];
    else object[key] = value;
    onChange();
  }

  // The instance's list (or the rules) under `key`, made when a form first adds to it.
  const listOf = (key) => (instance[key] = instance[key] || []);
  const rulesOf = () => (instance.constraints = instance.constraints || {});

  const numberOf = (text) => (text.trim() === "" ? "" : Number.isFinite(Number(text)) ? Number(text) : text);

  function input(path, value, store, kind) {
    const made = element("input");
    made.type = kind || "text";
    if (kind === "number") made.step = "any";
    made.value = value === undefined || value === null ? "" : String(value);
    made.dataset.path = path;
    made.addEventListener("change", () => store(kind === "number" ? numberOf(made.value) : made.value));
    return made;
  }

  function textList(path, lists, store) {
    const area = element("textarea");
    area.rows = 3;
    area.dataset.path = path;
    area.value = (lists || []).map((ids) => ids.join(", ")).join("\n");
    area.addEventListener("change", () =>
      store(area.value.split("\n").map(list).filter((ids) => ids.length))
    );
    return area;
  }

  function select(path, value, options, store) {
    const made = element("select");
    made.dataset.path = path;
    for (const option of ["", ...options]) {
      const item = element("option", "", option);
      item.value = option;
      item.selected = option === (value || "");
      made.append(item);
    }
    made.addEventListener("change", () => store(made.value));
    return made;
  }

  function button(text, action) {
    const made = element("button", "small", text);
    made.type = "button";
    made.addEventListener("click", () => {
      action();
      onChange();
      render();
    });
    return made;
  }

  // A row is a list of cells, or one element spanning the whole row (what belongs to the
  // row above it, such as a round's listed groups).
  function table(headers, rows) {
    const made = element("table", "shape");
    const head = element("tr");
    for (const header of headers) head.append(element("th", "", header));
    made.append(head);
    for (const cells of rows) {
      const line = element("tr");
      for (const cell of Array.isArray(cells) ? cells : [cells]) {
        const box = element("td");
        if (!Array.isArray(cells)) box.colSpan = headers.length;
        box.append(cell);
        line.append(box);
      }
      made.append(line);
    }
    return made;
  }

  function section(title, ...content) {
    const box = element("fieldset", "shape-section");
    box.append(element("legend", "", title), ...content);
    return box;
  }

  function roundsPart() {
    const rounds = instance.rounds || [];
    const ids = rounds.map((round) => round.id);
    const rows = rounds.flatMap((round, k) => {
      const line = roundRow(round, k, ids);
      return Array.isArray(round.groups) ? [line, listedGroups(round, k)] : [line];
    });
    const headers = [said.f_id, said.f_groups, said.f_min, said.f_max, said.f_same, said.f_merge, said.f_visitors, said.f_org_cap, ""];
    const add = button(said.f_add_round, () => listOf("rounds").push({ id: `${said.round_prefix}${rounds.length + 1}`, groups: 2 }));
    return section(said.f_rounds, table(headers, rows), add);
  }

  function roundRow(round, k, ids) {
    const rounds = instance.rounds;
    const at = `rounds[${k}]`;
    return [
      input(`${at}.id`, round.id, (v) => setKey(round, "id", v)),
      groupsCell(round, at),
      input(`${at}.min_size`, round.min_size, (v) => setKey(round, "min_size", v), "number"),
      input(`${at}.max_size`, round.max_size, (v) => setKey(round, "max_size", v), "number"),
      select(`${at}.same_groups_as`, round.same_groups_as, ids.slice(0, k), (v) => {
        setKey(round, "same_groups_as", v);
        if (v) delete round.groups;
        render();
      }),
      select(`${at}.merge_of`, round.merge_of, ids.slice(0, k), (v) => setKey(round, "merge_of", v)),
      input(`${at}.visitors`, joined(round.visitors), (v) => setKey(round, "visitors", list(v))),
      input(`${at}.max_per_organisation`, round.max_per_organisation, (v) => setKey(round, "max_per_organisation", v), "number"),
      button("✕", () => rounds.splice(k, 1)),
    ];
  }

  // A count of groups, or the groups listed one by one (ids and sizes of their own) in the
  // rows below the round; either can become the other.
  function groupsCell(round, at) {
    const cell = element("span", "groups-cell");
    if (Array.isArray(round.groups)) {
      const count = element("span", "muted", said.f_listed.replace("{count}", round.groups.length));
      count.dataset.path = `${at}.groups`;
      cell.append(count, button(said.f_count_groups, () => (round.groups = round.groups.length || 1)));
      return cell;
    }
    const count = input(`${at}.groups`, round.groups, (v) => setKey(round, "groups", v), "number");
    count.disabled = Boolean(round.same_groups_as);
    cell.append(count);
    if (!round.same_groups_as) cell.append(button(said.f_list_groups, () => listGroups(round)));
    return cell;
  }

  // The round's count becomes as many listed groups, with the ids the count gives them.
  function listGroups(round) {
    const count = Number.isInteger(round.groups) && round.groups > 0 ? round.groups : 1;
    round.groups = Array.from({ length: count }, (_, j) => ({ id: `${round.id}-${j + 1}` }));
  }

  // Under the round's row: a line per listed group (its number carries the group's own
  // path, for the errors naming the whole group), and a button adding one.
  function listedGroups(round, k) {
    const groups = round.groups;
    const rows = groups.map((group, j) => {
      const at = `rounds[${k}].groups[${j}]`;
      const label = element("span", "", `${j + 1}`);
      label.dataset.path = at;
      return [
        label,
        input(`${at}.id`, group.id, (v) => setKey(group, "id", v)),
        input(`${at}.min_size`, group.min_size, (v) => setKey(group, "min_size", v), "number"),
        input(`${at}.max_size`, group.max_size, (v) => setKey(group, "max_size", v), "number"),
        button("✕", () => groups.splice(j, 1)),
      ];
    });
    const add = button(said.f_add_group, () => groups.push({ id: freeId(`${round.id}-`, groups) }));
    const box = element("div", "listed-groups");
    box.append(
      element("span", "muted", said.f_groups_of.replace("{round}", () => round.id)),
      table([said.group, said.f_id, said.f_min, said.f_max, ""], rows),
      add,
    );
    return box;
  }

  // The first `<prefix><n>` that no group of the list holds yet.
  function freeId(prefix, groups) {
    const taken = new Set(groups.map((group) => group.id));
    let n = groups.length + 1;
    while (taken.has(`${prefix}${n}`)) n += 1;
    return `${prefix}${n}`;
  }

  function attributesText(attributes) {
    return Object.entries(attributes || {}).map(([key, value]) => `${key}=${value}`).join("; ");
  }

  function attributesOf(text) {
    const found = {};
    for (const part of text.split(";")) {
      const [key, ...rest] = part.split("=");
      if (key.trim()) found[key.trim()] = rest.join("=").trim();
    }
    return found;
  }

  function peoplePart() {
    const people = instance.participants || [];
    const rounds = (instance.rounds || []).map((round) => round.id);
    const rows = people.map((person, k) => {
      const at = `participants[${k}]`;
      const attendance = element("span", "attendance");
      attendance.dataset.path = `${at}.rounds`;
      for (const round of rounds) {
        const box = element("input");
        box.type = "checkbox";
        box.title = round;
        box.checked = !person.rounds || person.rounds.includes(round);
        box.addEventListener("change", () => {
          const chosen = [...attendance.querySelectorAll("input")].filter((b) => b.checked).map((b) => b.title);
          setKey(person, "rounds", chosen.length === rounds.length ? "" : chosen);
        });
        attendance.append(box);
      }
      return [
        input(`${at}.id`, person.id, (v) => setKey(person, "id", v)),
        input(`${at}.name`, person.name, (v) => setKey(person, "name", v)),
        input(`${at}.organisation`, person.organisation, (v) => setKey(person, "organisation", v)),
        input(`${at}.role`, person.role, (v) => setKey(person, "role", v)),
        input(`${at}.attributes`, attributesText(person.attributes), (v) => setKey(person, "attributes", attributesOf(v))),
        attendance,
        button("✕", () => people.splice(k, 1)),
      ];
    });
    const headers = [said.f_id, said.f_name, said.organisation, said.role, said.f_attributes, rounds.join(" · "), ""];
    const add = button(said.f_add_person, () => listOf("participants").push({ id: `p${people.length + 1}` }));
    return section(`${said.f_people} (${people.length})`, table(headers, rows), add);
  }

  function visitorsPart() {
    const visitors = instance.visitors || [];
    const rows = visitors.map((visitor, k) => [
      input(`visitors[${k}].id`, visitor.id, (v) => setKey(visitor, "id", v)),
      input(`visitors[${k}].name`, visitor.name, (v) => setKey(visitor, "name", v)),
      button("✕", () => visitors.splice(k, 1)),
    ]);
    const add = button(said.f_add_visitor, () => listOf("visitors").push({ id: `v${visitors.length + 1}` }));
    return section(said.f_visitors, table([said.f_id, said.f_name, ""], rows), add);
  }

  function dutiesPart() {
    const duties = instance.duties || [];
    const rows = duties.map((duty, k) => {
      const at = `duties[${k}]`;
      return [
        input(`${at}.name`, duty.name, (v) => setKey(duty, "name", v)),
        input(`${at}.per_group`, duty.per_group, (v) => setKey(duty, "per_group", v), "number"),
        input(`${at}.rounds`, joined(duty.rounds), (v) => setKey(duty, "rounds", list(v))),
        input(`${at}.eligible_roles`, joined(duty.eligible_roles), (v) => setKey(duty, "eligible_roles", list(v))),
        button("✕", () => duties.splice(k, 1)),
      ];
    });
    const headers = [said.f_name, said.f_per_group, said.f_rounds_list, said.f_roles, ""];
    const add = button(said.f_add_duty, () => listOf("duties").push({ name: `duty${duties.length + 1}` }));
    return section(said.f_duties, table(headers, rows), add);
  }

  function labelled(text, control) {
    const box = element("label", "", `${text} `);
    box.append(control);
    return box;
  }

  function rulesPart() {
    const rules = instance.constraints || {};
    const ratios = rules.role_ratio || [];
    const ratioRows = ratios.map((ratio, k) => {
      const at = `constraints.role_ratio[${k}]`;
      return [
        input(`${at}.role`, ratio.role, (v) => setKey(ratio, "role", v)),
        input(`${at}.per`, ratio.per, (v) => setKey(ratio, "per", v)),
        input(`${at}.min`, ratio.min, (v) => setKey(ratio, "min", v), "number"),
        input(`${at}.max`, ratio.max, (v) => setKey(ratio, "max", v), "number"),
        button("✕", () => ratios.splice(k, 1)),
      ];
    });
    const pins = element("textarea");
    pins.rows = 2;
    pins.dataset.path = "constraints.fixed";
    pins.value = (rules.fixed || []).map((pin) => `${pin.participant}, ${pin.round}, ${pin.group}`).join("\n");
    pins.addEventListener("change", () =>
      setKey(rulesOf(), "fixed", pins.value.split("\n").map(list).filter((parts) => parts.length)
        .map(([participant, round, group]) => ({ participant, round, group })))
    );
    return section(
      said.f_rules,
      labelled(said.f_org_cap, input("constraints.max_per_organisation", rules.max_per_organisation, (v) => setKey(rulesOf(), "max_per_organisation", v), "number")),
      labelled(said.f_meetings, input("constraints.max_meetings", rules.max_meetings, (v) => setKey(rulesOf(), "max_meetings", v), "number")),
      labelled(said.f_visitor_meetings, select("constraints.visitor_meetings", rules.visitor_meetings, ["exactly_once", "at_most_once"], (v) => setKey(rulesOf(), "visitor_meetings", v))),
      labelled(said.f_balance, input("constraints.balance", joined(rules.balance), (v) => setKey(rulesOf(), "balance", list(v)))),
      element("h4", "", said.f_ratios),
      table([said.role, said.f_per, "min", "max", ""], ratioRows),
      button(said.f_add_ratio, () => {
        const all = rulesOf();
        (all.role_ratio = all.role_ratio || []).push({ role: "", per: "" });
      }),
      labelled(said.f_apart, textList("constraints.apart", rules.apart, (v) => setKey(rulesOf(), "apart", v))),
      labelled(said.f_together, textList("constraints.together", rules.together, (v) => setKey(rulesOf(), "together", v))),
      labelled(said.f_pins, pins),
    );
  }

  function objectivePart() {
    const terms = instance.objective || [];
    const names = ["same_organisation", "repeat_pairs", "imbalance", "duty_repeats", "pairs"];
    const rows = terms.map((term, k) => {
      const at = `objective[${k}]`;
      return [
        select(`${at}.term`, term.term, names, (v) => setKey(term, "term", v)),
        input(`${at}.weight`, term.weight, (v) => setKey(term, "weight", v), "number"),
        input(`${at}.attribute`, term.attribute, (v) => setKey(term, "attribute", v)),
        button("✕", () => terms.splice(k, 1)),
      ];
    });
    const add = button(said.f_add_term, () => listOf("objective").push({ term: "repeat_pairs", weight: 1 }));
    return section(said.f_objective, element("p", "muted", said.f_objective_help), table([said.f_term, said.f_weight, said.f_attribute, ""], rows), add);
  }

  // Empty lists and objects the forms made stay out of the instance.
  function tidy() {
    for (const key of ["visitors", "duties", "objective"]) if (instance[key] && !instance[key].length) delete instance[key];
    const rules = instance.constraints;
    if (rules) {
      if (rules.role_ratio && !rules.role_ratio.length) delete rules.role_ratio;
      if (!Object.keys(rules).length) delete instance.constraints;
    }
  }

  let box = null;

  function render() {
    box.replaceChildren(roundsPart(), peoplePart(), visitorsPart(), dutiesPart(), rulesPart(), objectivePart());
  }

  // The input a path names, or the nearest one above it: `participants[3].attributes.age`
  // shows beside `participants[3].attributes`, and `rounds[2].groups[1]` (a group's sizes
  // that disagree, its id given twice) beside that group's number in its round's list.
  function inputFor(path) {
    let at = path;
    while (at) {
      const found = box.querySelector(`[data-path="${CSS.escape(at)}"]`);
      if (found) return found;
      const cut = Math.max(at.lastIndexOf("."), at.lastIndexOf("["));
      at = cut > 0 ? at.slice(0, cut) : "";
    }
    return null;
  }

  function showIssues(issues) {
    box.querySelectorAll(".beside").forEach((old) => old.remove());
    box.querySelectorAll(".has-error").forEach((old) => old.classList.remove("has-error"));
    const rest = [];
    for (const issue of issues) {
      const target = inputFor(issue.path || "");
      if (!target) {
        rest.push(issue);
        continue;
      }
      target.classList.add("has-error");
      const note = element("span", "beside form-error", `${issue.path}: ${issue.message}${issue.hint ? " — " + issue.hint : ""}`);
      target.after(note);
    }
    return rest;
  }

  return {
    start(root, words, data, changed) {
      box = root;
      said = words;
      instance = data;
      onChange = () => {
        tidy();
        changed(instance);
      };
      render();
    },
    replace(data) {
      instance = data;
      render();
    },
    current: () => instance,
    showIssues,
  };
})();
