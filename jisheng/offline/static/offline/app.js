// The village officer's offline app: the village copy, local search, the forms and the outbox.
// Every record gets a client id (UUID) when it is first saved; the server applies an id once, so a
// record may be sent again after any failure. A record leaves the outbox only when the officer
// discards it; sent records stay listed as sent.

import { openStore } from "./db.js";

const T = JSON.parse(document.getElementById("offline-strings").textContent);
const API = "/api/v1/offline";
const CURRENT = "jisheng-offline-current";
const UNSENT = new Set(["waiting", "sending", "refused", "conflict"]);
const MAX_PHOTOS = 4;
const PHOTO_EDGE = 1600;
// One collator for the whole sort: localeCompare(…, "zh") builds one per comparison (a village of
// 3,000 takes some 35,000 of them).
const COLLATOR = new Intl.Collator("zh");

const state = {
  user: null, // {id, name}
  csrf: "",
  store: null,
  persons: [],
  elsewhere: [], // persons outside the village looked up online (kept for the outbox's labels)
  villages: null, // the villages a user above village level may choose from, when none is chosen
  households: [],
  outbox: [],
  view: "persons",
  query: "",
  needSignIn: false,
  online: navigator.onLine,
  busy: false,
  again: false, // something was saved while a round ran: run one more round when it ends
  notice: "",
  channel: null, // the other tabs of the same officer's app (BroadcastChannel)
};

const $ = (selector, root = document) => root.querySelector(selector);
const main = () => $("#app-main");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- who is signed in ---------------------------------------------------------------------------

async function whoami() {
  try {
    const response = await fetch("/offline/whoami", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 200) return { ok: true, user: await response.json() };
    return { ok: false, status: response.status };
  } catch (error) {
    return { ok: false, status: 0 }; // no network
  }
}

async function identify() {
  const answer = await whoami();
  if (answer.ok) {
    state.user = { id: answer.user.id, name: answer.user.name };
    state.csrf = answer.user.csrf;
    state.needSignIn = false;
    localStorage.setItem(CURRENT, JSON.stringify(state.user));
    return true;
  }
  if (answer.status === 0) {
    // Offline: the officer who last signed in here and did not sign out keeps working.
    const saved = localStorage.getItem(CURRENT);
    state.user = saved ? JSON.parse(saved) : null;
    return Boolean(state.user);
  }
  // Online and not signed in (or expired): show nobody's data; every outbox stays in its own store.
  state.needSignIn = true;
  localStorage.removeItem(CURRENT);
  state.user = null;
  return false;
}

// --- storage that stays -------------------------------------------------------------------------

async function checkStorage() {
  const warnings = [];
  if (navigator.storage && navigator.storage.persist) {
    const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
    if (!persisted) warnings.push(T.storage_refused);
  }
  if (navigator.storage && navigator.storage.estimate) {
    const { usage, quota } = await navigator.storage.estimate();
    if (quota && usage / quota > 0.8) warnings.push(T.storage_full);
  }
  const box = $("#storage-warning");
  box.replaceChildren(...warnings.map((text) => el("p", { text })));
  box.hidden = warnings.length === 0;
}

// --- the local copy -----------------------------------------------------------------------------

async function load() {
  state.persons = (await state.store.all("persons")).sort((a, b) => COLLATOR.compare(a.name, b.name));
  state.households = (await state.store.all("households")).sort((a, b) => a.number.localeCompare(b.number));
  state.outbox = (await state.store.all("outbox")).sort((a, b) => a.created.localeCompare(b.created));
  state.elsewhere = (await state.store.meta("elsewhere", [])) || [];
}

function personById(id) {
  return state.persons.find((p) => p.id === Number(id)) || state.elsewhere.find((p) => p.id === Number(id));
}

// A person field holds a person's id, or (entered offline for someone outside the village) their ID
// number and name, matched by the server when the record is sent.
function personOf(value) {
  if (value && typeof value === "object") return { name: value.name || value.id_number || "" };
  return personById(value);
}

function search(query, persons = state.persons) {
  const q = query.trim().toLowerCase().replace(/\s+/g, "");
  if (!q) return persons;
  if (/^[0-9x]+$/.test(q)) return persons.filter((p) => p.id_masked.toLowerCase().includes(q));
  if (/^[a-z]+$/.test(q)) return persons.filter((p) => p.keys.some((key) => key.startsWith(q)));
  return persons.filter((p) => p.name.includes(q) || p.keys.some((key) => key.includes(q)));
}

// --- the outbox ---------------------------------------------------------------------------------

function unsentCount() {
  return state.outbox.filter((r) => UNSENT.has(r.state)).length;
}

async function saveRecord(record) {
  await state.store.put("outbox", record);
  await load();
  render();
  announce();
}

// Tell this officer's other tabs that the outbox or the copy changed: they read the store again, so
// every tab shows the same outbox (a form being filled in is left alone).
function announce() {
  if (state.channel) state.channel.postMessage({ changed: true });
}

function listen(userId) {
  if (!("BroadcastChannel" in window)) return;
  state.channel = new BroadcastChannel(`jisheng-offline-u${userId}`);
  state.channel.onmessage = async () => {
    if (!state.store) return;
    await load();
    await render();
  };
}

async function addRecord(kind, payload, existing = null) {
  const record = existing
    ? { ...existing, payload, state: "waiting", errors: [], conflict: null, edited: new Date().toISOString() }
    : {
        client_id: uuid(),
        kind,
        payload,
        state: "waiting",
        errors: [],
        conflict: null,
        created: new Date().toISOString(),
        captured_at: new Date().toISOString(),
      };
  await saveRecord(record);
  state.notice = T.saved;
  state.view = "outbox";
  render();
  syncNow();
}

async function post(path, body) {
  return fetch(`${API}${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": state.csrf },
    body: JSON.stringify(body),
  });
}

// Send one record; false stops the round (no network, signed out): the record waits, unchanged.
async function sendRecord(record) {
  record.state = "sending";
  await state.store.put("outbox", record);
  renderOutboxCount();
  let response;
  try {
    if (record.kind === "decision") {
      response = await post("/decisions", record.payload);
    } else {
      response = await post("/records", {
        client_id: record.client_id,
        kind: record.kind,
        payload: record.payload,
        captured_at: record.captured_at,
      });
    }
  } catch (error) {
    record.state = "waiting";
    await state.store.put("outbox", record);
    return false;
  }
  const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (response.status === 200 || response.status === 204) {
    record.state = "sent";
    record.result = body.body || {};
    record.sent_at = new Date().toISOString();
    if (record.result.person) await state.store.put("persons", record.result.person);
  } else if (response.status === 400 && body.status === "refused") {
    record.state = "refused";
    record.errors = body.body.errors || [];
  } else if (response.status === 409 && body.status === "conflict") {
    record.state = "conflict";
    record.conflict = body.body;
  } else {
    record.state = "waiting";
    if (response.status === 401 || response.status === 403) state.needSignIn = true;
    await state.store.put("outbox", record);
    return false;
  }
  await state.store.put("outbox", record);
  return true;
}

async function sendOutbox() {
  for (const record of [...state.outbox]) {
    if (record.state !== "waiting" && record.state !== "sending") continue;
    const fresh = await state.store.get("outbox", record.client_id);
    if (!fresh || (fresh.state !== "waiting" && fresh.state !== "sending")) continue;
    if (!(await sendRecord(fresh))) return false;
  }
  return true;
}

async function download() {
  const persons = {};
  for (const p of state.persons) persons[p.id] = p.v;
  const households = {};
  for (const h of state.households) households[h.id] = h.v;
  const village = await state.store.meta("village_choice", "");
  let response;
  try {
    response = await post("/sync", {
      village,
      cursor: await state.store.meta("cursor", ""),
      known: { persons, households },
    });
  } catch (error) {
    return;
  }
  if (response.status === 401 || response.status === 403) {
    state.needSignIn = true;
    return;
  }
  if (response.status === 400 && !village) {
    // Staff above village level (a township's clerk or head) choose the village to take along.
    const list = await fetch(`${API}/villages`, { credentials: "same-origin" }).catch(() => null);
    state.villages = list && list.ok ? await list.json() : [];
    return;
  }
  if (!response.ok) return;
  state.villages = null;
  const answer = await response.json();
  if (answer.unchanged) {
    await state.store.setMeta("synced_at", new Date().toISOString());
    return;
  }
  const removed = (answer.removed.persons || []).length + (answer.removed.households || []).length;
  await state.store.applySync(answer);
  if (removed) state.notice = T.removed_note;
}

async function syncNow() {
  if (!state.store) return;
  if (state.busy) {
    // A decision or a record saved while a round is running would otherwise wait for the next
    // minute's round: the running round has already read the outbox.
    state.again = true;
    return;
  }
  if (!navigator.onLine) return;
  state.busy = true;
  state.again = false;
  renderStatus();
  try {
    if (!state.csrf || state.needSignIn) {
      const answer = await whoami();
      if (!answer.ok) {
        if (answer.status) state.needSignIn = true;
        return;
      }
      if (answer.user.id !== state.user.id) return; // another officer signed in: reload picks them
      state.csrf = answer.user.csrf;
      state.needSignIn = false;
    }
    const run = async () => {
      // Records left "sending" by a closed tab or a cut upload are sent again: the id makes it safe.
      await load();
      if (await sendOutbox()) {
        await load();
        await download();
      }
    };
    if (navigator.locks) await navigator.locks.request(`jisheng-offline-${state.user.id}`, run);
    else await run();
  } finally {
    state.busy = false;
    await load();
    await render();
    announce();
    // How many rounds have ended (tests and the curious wait on it; nothing reads it back).
    document.body.dataset.rounds = String(Number(document.body.dataset.rounds || 0) + 1);
    if (state.again) setTimeout(syncNow, 0);
  }
}

// --- rendering ----------------------------------------------------------------------------------

function renderOutboxCount() {
  const count = unsentCount();
  const badge = $("#unsent-count");
  badge.textContent = String(count);
  badge.dataset.count = String(count);
}

function renderStatus() {
  const status = $("#net-status");
  status.textContent = state.busy ? T.syncing : navigator.onLine ? T.online : T.offline;
  status.className = navigator.onLine ? "online" : "offline";
  const signIn = $("#sign-in-banner");
  signIn.hidden = !state.needSignIn;
}

function tabs() {
  const tab = (view, label) =>
    el("button", {
      type: "button",
      class: state.view === view ? "tab current" : "tab",
      "data-view": view,
      onclick: () => {
        state.view = view;
        state.notice = "";
        render();
      },
      text: label,
    });
  return el(
    "nav",
    { class: "tabs" },
    tab("persons", T.persons),
    tab("households", T.households),
    tab("tasks", T.tasks),
    tab("record", T.record),
    tab("outbox", `${T.outbox} (${unsentCount()})`)
  );
}

function label(key) {
  return T[key] || key;
}

function personLine(p) {
  return `${p.name} ${p.sex === "2" ? T.female : T.male} ${p.birth_date} ${p.id_masked}`;
}

function viewPersons() {
  const input = el("input", {
    type: "search",
    id: "search",
    placeholder: T.search,
    value: state.query,
    oninput: (event) => {
      state.query = event.target.value;
      list.replaceChildren(...rows());
    },
  });
  const rows = () => {
    const found = search(state.query).slice(0, 100);
    if (!found.length) return [el("li", { class: "empty", text: state.persons.length ? T.no_match : T.not_synced })];
    return found.map((p) =>
      el(
        "li",
        { class: "person", "data-person": p.id },
        el("button", { type: "button", class: "link", onclick: () => showPerson(p.id) }, personLine(p))
      )
    );
  };
  const list = el("ul", { class: "list", id: "person-list" }, rows());
  return [input, list];
}

function showPerson(id) {
  const p = personById(id);
  if (!p) return;
  const household = state.households.find((h) => h.id === p.household);
  const act = (kind, key) =>
    el("button", { type: "button", class: "button", onclick: () => openForm(kind, { preset: key ? { [key]: p.id } : {} }) }, T[`kind_${kind}`]);
  main().replaceChildren(
    tabs(),
    el(
      "section",
      { class: "card", id: "person-card" },
      el("h2", { text: p.name }),
      el(
        "dl",
        {},
        ...[
          [T.id_number, p.id_masked],
          [T.date_of_birth, p.birth_date],
          [T.sex, p.sex === "2" ? T.female : T.male],
          [T.phone, p.phone_masked],
          [T.address, p.address],
          [T.household, household ? household.number : ""],
        ].flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v || "—" })])
      ),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", class: "button", onclick: () => openForm("person_update", { person: p }) }, T.kind_person_update),
        p.sex === "2" ? act("birth", "mother") : null,
        act("contraception", "person"),
        act("move_out", "person"),
        act("departure", "person"),
        act("proxy_application", "person")
      )
    )
  );
}

function viewHouseholds() {
  if (!state.households.length) return [el("p", { class: "empty", text: T.not_synced })];
  return [
    el(
      "ul",
      { class: "list" },
      state.households.map((h) => {
        const members = state.persons.filter((p) => p.household === h.id).map((p) => p.name);
        return el(
          "li",
          {},
          el("strong", { text: h.number }),
          ` ${h.address || ""} · ${T.members}: ${members.join("、") || "—"} `,
          el("button", { type: "button", class: "button small", onclick: () => openForm("visit", { preset: { household: h.id } }) }, T.kind_visit)
        );
      })
    ),
  ];
}

async function viewTasks() {
  const tasks = (await state.store.meta("tasks", [])) || [];
  if (!tasks.length) return [el("p", { class: "empty", text: T.no_tasks })];
  return [
    el(
      "ul",
      { class: "list" },
      tasks.map((t) => el("li", {}, el("strong", { text: t.number }), ` ${t.item} · ${t.applicant} · ${t.status} · ${T.due} ${t.due_on}`))
    ),
  ];
}

function viewRecord() {
  const kinds = ["birth", "marriage", "contraception", "move_in", "move_out", "departure", "visit", "proxy_application"];
  return [
    el(
      "div",
      { class: "actions grid" },
      kinds.map((kind) => el("button", { type: "button", class: "button", "data-kind": kind, onclick: () => openForm(kind) }, T[`kind_${kind}`]))
    ),
  ];
}

function describe(record) {
  const p = record.payload || {};
  const who = personOf(p.person || p.mother || p.husband);
  if (record.kind === "birth") return `${p.child_name || ""}（${who ? who.name : ""}）`;
  if (record.kind === "move_in") return p.name || p.id_number || "";
  if (record.kind === "visit") {
    const h = state.households.find((x) => x.id === Number(p.household));
    return h ? h.number : "";
  }
  if (record.kind === "decision") return who ? who.name : "";
  return who ? who.name : "";
}

function viewOutbox() {
  if (!state.outbox.length) return [el("p", { class: "empty", text: T.no_outbox })];
  const order = { conflict: 0, refused: 1, waiting: 2, sending: 3, sent: 4 };
  const records = [...state.outbox].sort((a, b) => order[a.state] - order[b.state] || b.created.localeCompare(a.created));
  return [
    el(
      "ul",
      { class: "list outbox", id: "outbox-list" },
      records.map((r) =>
        el(
          "li",
          { class: `record state-${r.state}`, "data-client-id": r.client_id, "data-state": r.state, "data-kind": r.kind },
          el("span", { class: "state", text: T[`state_${r.state}`] }),
          " ",
          el("strong", { text: T[`kind_${r.kind}`] || T.take_theirs }),
          ` ${describe(r)} · ${T.captured} ${new Date(r.captured_at).toLocaleString("zh-CN")}`,
          r.state === "sent" && r.result && r.result.message ? el("p", { class: "result", text: r.result.message }) : null,
          r.state === "refused"
            ? el("ul", { class: "errors" }, r.errors.map((e) => el("li", { text: e.message })))
            : null,
          r.state === "conflict" ? conflictView(r) : null,
          r.state === "refused"
            ? el(
                "div",
                { class: "actions" },
                el("button", { type: "button", class: "button", "data-action": "edit", onclick: () => openForm(r.kind, { record: r }) }, T.edit),
                el("button", { type: "button", class: "button secondary", "data-action": "discard", onclick: () => discard(r) }, T.discard)
              )
            : null
        )
      )
    ),
  ];
}

function conflictView(record) {
  const server = record.conflict.server || {};
  const changes = record.payload.changes || {};
  const rows = Object.entries(changes).map(([field, mine]) => {
    const theirs = field === "phone" ? server.phone_masked : server[field];
    return el(
      "tr",
      { class: mine === theirs ? "same" : "differs", "data-field": field },
      el("th", { text: label(field) }),
      el("td", { class: "mine", text: mine || "—" }),
      el("td", { class: "theirs", text: theirs || "—" })
    );
  });
  return el(
    "div",
    { class: "conflict" },
    el("p", { text: record.conflict.message || T.conflict_explain }),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", { text: T.field }), el("th", { text: T.mine }), el("th", { text: T.theirs }))),
      el("tbody", {}, rows)
    ),
    el(
      "div",
      { class: "actions" },
      el("button", { type: "button", class: "button", "data-action": "keep-mine", onclick: () => keepMine(record) }, T.keep_mine),
      el("button", { type: "button", class: "button secondary", "data-action": "take-theirs", onclick: () => takeTheirs(record) }, T.take_theirs)
    )
  );
}

async function keepMine(record) {
  record.payload = { ...record.payload, base_version: record.conflict.server_version, resolution: "mine" };
  record.state = "waiting";
  record.conflict_seen = record.conflict;
  record.conflict = null;
  await saveRecord(record);
  syncNow();
}

async function takeTheirs(record) {
  const conflict = record.conflict;
  // The edit is dropped; the server's copy replaces the phone's; the decision is sent and audited.
  await state.store.put("persons", conflict.server);
  await state.store.remove("outbox", record.client_id);
  await saveRecord({
    client_id: uuid(),
    kind: "decision",
    payload: {
      client_id: record.client_id,
      person: conflict.person,
      server_version: conflict.server_version,
      fields: Object.keys(record.payload.changes || {}),
    },
    state: "waiting",
    errors: [],
    conflict: null,
    created: new Date().toISOString(),
    captured_at: new Date().toISOString(),
  });
  syncNow();
}

async function discard(record) {
  if (!window.confirm(T.discard_confirm)) return;
  await state.store.remove("outbox", record.client_id);
  await load();
  render();
  announce();
}

// --- forms --------------------------------------------------------------------------------------

const METHODS = [
  ["100", "口服避孕药"],
  ["200", "注射避孕针"],
  ["300", "皮下埋植"],
  ["400", "避孕套"],
  ["500", "外用避孕药具"],
  ["600", "其他"],
  ["700", "宫内节育器"],
  ["810", "女性绝育"],
  ["820", "男性绝育"],
];

const REASONS = [
  ["work", "务工"],
  ["business", "经商"],
  ["study", "上学"],
  ["family", "投亲"],
  ["other", "其他"],
];

function formSpec(kind, forms) {
  const date = (name, required = true) => ({ name, type: "date", required });
  const text = (name, required = false) => ({ name, type: "text", required });
  const person = (name, sex = "", required = true) => ({ name, type: "person", sex, required });
  switch (kind) {
    case "birth":
      return [person("mother", "2"), person("father", "1", false), { name: "date", type: "date", required: true },
        { name: "sex", type: "select", required: true, options: [["1", T.male], ["2", T.female]] },
        text("child_name", true), text("child_id_number"), { name: "weight_grams", type: "number" }, text("place")];
    case "marriage":
      return [person("husband", "1"), person("wife", "2"), date("date"), text("certificate_number")];
    case "contraception":
      return [person("person", "2"), { name: "method", type: "select", required: true, options: METHODS }, date("start_date"), text("provider")];
    case "move_out":
      return [person("person"), text("destination", true), date("date"), text("note")];
    case "move_in":
      return [text("id_number", true), text("name"), text("origin"), date("date"), text("phone"), text("note")];
    case "departure":
      return [person("person"), text("destination", true), date("left_on"),
        { name: "reason", type: "select", options: REASONS }, text("address"), text("employer"), text("phone"),
        text("contact_phone"), { name: "contraception", type: "select", options: [["000", "不适用"], ...METHODS] },
        { name: "agreement_signed", type: "select", options: [["1", T.yes], ["0", T.no]] }];
    case "visit":
      return [{ name: "household", type: "household", required: true }, date("visited_on"), text("met"),
        { name: "asked", type: "textarea" }, { name: "promised", type: "textarea" }, date("follow_up_due", false)];
    case "proxy_application":
      return [{ name: "item", type: "select", required: true, options: forms.map((f) => [f.code, f.name]) },
        person("person"), text("phone", true), { name: "photos", type: "photos" }, text("note")];
    default:
      return [];
  }
}

function personPicker(field, given) {
  const outside = given && typeof given === "object" ? given : null;
  let value = outside ? "" : given;
  const select = el("select", { name: field.name, id: `f-${field.name}`, required: field.required });
  const fill = (query) => {
    const pool = field.sex ? state.persons.filter((p) => p.sex === field.sex) : state.persons;
    const found = search(query, pool).slice(0, 50);
    const current = personById(value);
    if (current && !found.includes(current)) found.unshift(current);
    select.replaceChildren(el("option", { value: "", text: T.pick }), ...found.map((p) => el("option", { value: String(p.id), text: personLine(p) })));
    if (value) select.value = String(value);
    else if (query && found.length) select.value = String(found[0].id);
  };
  const filter = el("input", {
    type: "search",
    class: "pick-filter",
    "data-for": field.name,
    placeholder: T.search,
    oninput: (event) => fill(event.target.value),
  });
  fill("");
  // Someone outside the village: looked up online by the full ID number (shown masked), or, without a
  // network, their ID number and name saved with the record for the server to match.
  const idInput = el("input", { type: "text", id: `f-${field.name}-id_number`, "data-elsewhere-id": field.name,
    autocomplete: "off", value: outside ? outside.id_number || "" : "" });
  const nameInput = el("input", { type: "text", id: `f-${field.name}-name`, "data-elsewhere-name": field.name,
    autocomplete: "off", value: outside ? outside.name || "" : "" });
  const result = el("p", { class: "elsewhere-result", "data-for": field.name });
  const lookUp = async () => {
    const number = idInput.value.trim();
    if (!number) return;
    let response;
    try {
      response = await fetch(`${API}/persons/lookup?id_number=${encodeURIComponent(number)}`, {
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (error) {
      result.textContent = T.look_up_offline;
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.status !== 200) {
      result.textContent = body.detail || T.look_up_offline;
      return;
    }
    const p = body.person;
    state.elsewhere = [...state.elsewhere.filter((x) => x.id !== p.id), p];
    await state.store.setMeta("elsewhere", state.elsewhere);
    value = p.id;
    fill(filter.value);
    select.value = String(p.id);
    idInput.value = "";
    nameInput.value = p.name;
    result.textContent = `${personLine(p)} · ${T.lives_in} ${p.area ? p.area.name : ""}`;
  };
  const box = el("details", { class: "elsewhere", open: outside ? true : null },
    el("summary", { text: T.elsewhere }),
    el("label", { for: idInput.id, text: T.elsewhere_id }), idInput,
    el("label", { for: nameInput.id, text: T.elsewhere_name }), nameInput,
    el("button", { type: "button", class: "button small", "data-action": "look-up", onclick: lookUp }, T.look_up),
    result);
  return el("div", { class: "picker" }, filter, select, box);
}

// A person field's value on submit: the chosen person's id, else the ID number and name typed.
function pickedPerson(form, name) {
  const chosen = form.querySelector(`select[name="${name}"]`).value;
  if (chosen) return chosen;
  const number = form.querySelector(`[data-elsewhere-id="${name}"]`).value.trim();
  if (!number) return "";
  return { id_number: number, name: form.querySelector(`[data-elsewhere-name="${name}"]`).value.trim() };
}

async function shrinkPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const data = canvas.toDataURL("image/jpeg", 0.7);
  return { name: file.name.replace(/\.[^.]*$/, "") + ".jpg", content_base64: data.split(",", 2)[1] };
}

function photosField(value, forms, form) {
  const photos = [...(value || [])];
  const list = el("ul", { class: "photos" });
  const material = el("select", { name: "photo_material" });
  const refreshMaterials = () => {
    const code = form.querySelector("[name=item]")?.value;
    const item = forms.find((f) => f.code === code);
    material.replaceChildren(...(item ? item.materials : []).map((m) => el("option", { value: m.code, text: m.name })));
  };
  const draw = () =>
    list.replaceChildren(
      ...photos.map((photo, index) =>
        el("li", {}, el("img", { src: `data:image/jpeg;base64,${photo.content_base64}`, alt: photo.name }),
          el("button", { type: "button", class: "button small secondary", onclick: () => { photos.splice(index, 1); draw(); } }, T.discard))
      )
    );
  const input = el("input", {
    type: "file",
    name: "photo_files",
    accept: "image/*",
    capture: "environment",
    multiple: true,
    onchange: async (event) => {
      for (const file of event.target.files) {
        if (photos.length >= MAX_PHOTOS) {
          window.alert(T.photo_too_many);
          break;
        }
        photos.push({ material: material.value, ...(await shrinkPhoto(file)) });
      }
      event.target.value = "";
      draw();
    },
  });
  setTimeout(() => {
    refreshMaterials();
    form.querySelector("[name=item]")?.addEventListener("change", refreshMaterials);
  });
  draw();
  const wrapper = el("div", { class: "photos-field" }, material, input, list);
  wrapper.photos = photos;
  return wrapper;
}

function openForm(kind, options = {}) {
  if (kind === "person_update") return openEditForm(options);
  const record = options.record || null;
  const values = record ? record.payload : options.preset || {};
  const errors = record ? record.errors : [];
  state.view = "form";
  (async () => {
    const forms = (await state.store.meta("forms", [])) || [];
    const spec = formSpec(kind, forms);
    const form = el("form", { class: "card", id: "record-form", "data-kind": kind, novalidate: true });
    const fields = spec.map((field) => {
      const id = `f-${field.name}`;
      const value = values[field.name] ?? "";
      let input;
      if (field.type === "person") input = personPicker(field, value);
      else if (field.type === "household")
        input = el("select", { name: field.name, id, required: field.required },
          el("option", { value: "", text: T.pick }),
          state.households.map((h) => el("option", { value: String(h.id), text: h.number, selected: String(h.id) === String(value) })));
      else if (field.type === "select")
        input = el("select", { name: field.name, id, required: field.required },
          el("option", { value: "", text: T.pick }),
          field.options.map(([v, text]) => el("option", { value: v, text, selected: v === value })));
      else if (field.type === "textarea") input = el("textarea", { name: field.name, id, rows: 3 }, value);
      else if (field.type === "photos") input = photosField(value, forms, form);
      else input = el("input", { name: field.name, id, type: field.type, value, required: field.required });
      const fieldErrors = errors.filter((e) => e.field === field.name);
      return el(
        "div",
        { class: fieldErrors.length ? "field has-error" : "field", "data-field": field.name },
        el("label", { for: id, text: label(field.name) + (field.required ? " *" : "") }),
        input,
        fieldErrors.map((e) => el("p", { class: "error", text: e.message }))
      );
    });
    const general = errors.filter((e) => !spec.some((f) => f.name === e.field));
    form.append(
      el("h2", { text: T[`kind_${kind}`] }),
      general.length ? el("ul", { class: "errors" }, general.map((e) => el("li", { text: e.message }))) : null,
      ...fields,
      el("div", { class: "actions" },
        el("button", { type: "submit", class: "button" }, T.save),
        el("button", { type: "button", class: "button secondary", onclick: () => { state.view = record ? "outbox" : "persons"; render(); } }, T.cancel))
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const payload = {};
      for (const field of spec) {
        if (field.type === "photos") payload.photos = form.querySelector(".photos-field").photos;
        else if (field.type === "person") payload[field.name] = pickedPerson(form, field.name);
        // Not form.elements[name]: the collection's own item() would shadow a field named "item".
        else payload[field.name] = form.querySelector(`[name="${field.name}"]`).value.trim();
      }
      const missing = spec.filter((f) => f.required && !payload[f.name]);
      for (const f of spec) form.querySelector(`[data-field=${f.name}]`).classList.toggle("missing", missing.includes(f));
      if (missing.length) return;
      await addRecord(kind, payload, record);
    });
    main().replaceChildren(tabs(), form);
  })();
}

const EDITABLE = ["name", "phone", "address", "marital_status", "ethnicity", "hukou_type"];
const MARITAL = [["10", "未婚"], ["20", "已婚"], ["21", "初婚"], ["22", "再婚"], ["23", "复婚"], ["30", "丧偶"], ["40", "离婚"], ["90", "未说明"]];
const HUKOU = [["agri", "农业"], ["non_agri", "非农业"], ["unified", "统一居民户口"]];

function openEditForm({ person, record }) {
  const p = person || personById(record.payload.person);
  const changes = record ? record.payload.changes : {};
  state.view = "form";
  const form = el("form", { class: "card", id: "record-form", "data-kind": "person_update" });
  const fields = EDITABLE.map((name) => {
    const current = name === "phone" ? "" : p[name] || "";
    const value = name in changes ? changes[name] : current;
    let input;
    if (name === "marital_status" || name === "hukou_type") {
      const options = name === "marital_status" ? MARITAL : HUKOU;
      input = el("select", { name, id: `f-${name}` }, el("option", { value: "", text: "—" }),
        options.map(([v, text]) => el("option", { value: v, text, selected: v === value })));
    } else input = el("input", { name, id: `f-${name}`, value, placeholder: name === "phone" ? p.phone_masked : "" });
    return el("div", { class: "field", "data-field": name }, el("label", { for: `f-${name}`, text: label(name) }), input);
  });
  form.append(
    el("h2", { text: `${T.kind_person_update}：${p.name}` }),
    record && record.errors.length ? el("ul", { class: "errors" }, record.errors.map((e) => el("li", { text: e.message }))) : null,
    ...fields,
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "button" }, T.save),
      el("button", { type: "button", class: "button secondary", onclick: () => { state.view = "persons"; render(); } }, T.cancel))
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changed = {};
    for (const name of EDITABLE) {
      const value = form.querySelector(`[name="${name}"]`).value.trim();
      const current = name === "phone" ? "" : p[name] || "";
      if (value !== current && !(name === "phone" && !value)) changed[name] = value;
    }
    if (!Object.keys(changed).length) return;
    const base = record ? record.payload.base_version : p.v;
    await addRecord("person_update", { person: p.id, base_version: base, changes: changed }, record);
  });
  main().replaceChildren(tabs(), form);
}

// --- the page -----------------------------------------------------------------------------------

function viewChooseVillage() {
  const select = el("select", { id: "village-choice" },
    state.villages.map((v) => el("option", { value: v.code, text: `${v.name}（${v.code}）` })));
  const take = async () => {
    await state.store.setMeta("village_choice", select.value);
    state.villages = null;
    await syncNow();
  };
  return [el("section", { class: "card" }, el("h2", { text: T.choose_village }), select,
    el("button", { type: "button", class: "button", id: "take-village", onclick: take }, T.take_village))];
}

async function render() {
  renderOutboxCount();
  renderStatus();
  const village = state.store ? await state.store.meta("village", null) : null;
  const syncedAt = state.store ? await state.store.meta("synced_at", "") : "";
  $("#village-name").textContent = village ? village.name : "";
  $("#synced-at").textContent = syncedAt ? `${T.synced_at} ${new Date(syncedAt).toLocaleString("zh-CN")}` : "";
  $("#user-name").textContent = state.user ? state.user.name : "";
  if (state.view === "form") return;
  let body;
  if (!state.user) body = [];
  else if (state.villages && state.villages.length && !state.persons.length) body = viewChooseVillage();
  else if (state.view === "households") body = viewHouseholds();
  else if (state.view === "tasks") body = await viewTasks();
  else if (state.view === "record") body = viewRecord();
  else if (state.view === "outbox") body = viewOutbox();
  else body = viewPersons();
  const notice = state.notice ? el("p", { class: "notice", id: "notice", text: state.notice }) : null;
  main().replaceChildren(...(state.user ? [tabs()] : []), notice, ...body);
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/offline/sw.js", { scope: "/offline/" }).catch(() => {});
  }
  $("#sync-now").addEventListener("click", () => syncNow());
  $("#sign-out").addEventListener("click", async () => {
    // The outbox stays in this officer's store and is sent when they sign in again.
    localStorage.removeItem(CURRENT);
    if (!state.csrf) {
      const answer = await whoami();
      if (answer.ok) state.csrf = answer.user.csrf;
    }
    const form = el(
      "form",
      { method: "post", action: "/accounts/logout/", hidden: true },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: state.csrf })
    );
    document.body.append(form);
    form.submit();
  });
  window.addEventListener("online", () => { renderStatus(); syncNow(); });
  window.addEventListener("offline", renderStatus);
  const known = await identify();
  if (!known) {
    document.body.dataset.ready = "signed-out";
    render();
    return;
  }
  state.store = await openStore(state.user.id);
  listen(state.user.id);
  await load();
  // Records a closed tab or a cut upload left "sending" are waiting again (the id makes resending safe).
  for (const record of state.outbox) {
    if (record.state === "sending") await state.store.put("outbox", { ...record, state: "waiting" });
  }
  await load();
  await render();
  checkStorage();
  document.body.dataset.ready = "yes";
  await syncNow();
  document.body.dataset.synced = "yes";
  setInterval(syncNow, 60_000);
}

start();
