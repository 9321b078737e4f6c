// The sandbox dashboard's live parts: the journal (polled from /__ctk/requests with the last id seen), the charts
// drawn from it as inline SVG, the scenario and fault switches (PUT to the admin API), and the reload banner.
// Everything the journal holds came from a client, so it is written with textContent and setAttribute only,
// never parsed as HTML. The page's Content-Security-Policy forbids inline script anyway.
"use strict";

(function () {
  const ADMIN = "/__ctk";
  const POLL_MS = 1000;
  const RESYNC_EVERY = 15; // polls: a full read now and then catches a journal cleared by someone else
  const KEEP = 1000; // entries kept for the charts
  const SHOWN = 200; // rows in the table
  const SVG = "http://www.w3.org/2000/svg";

  // Fault switches: a key of the API's faults table, and the value a switch sets (off removes the key).
  const SWITCHES = {
    errors: { key: "error_rate", on: 1 },
    latency: { key: "latency", on: { fixed_ms: 500 } },
    resets: { key: "connection", on: { reset: 0.25 } },
  };

  const state = {
    entries: [],
    ids: new Set(),
    lastId: null,
    polls: 0,
    faults: {},
    generation: Number(document.body.dataset.generation || "0"),
    filterApi: "",
    onlyProblems: false,
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  async function call(method, path, body) {
    const init = { method: method, headers: { Accept: "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(ADMIN + path, init);
    const text = await response.text();
    let doc = null;
    try {
      doc = text ? JSON.parse(text) : null;
    } catch (_) {
      doc = null;
    }
    if (!response.ok) {
      const detail = doc && typeof doc.detail === "string" ? doc.detail : text.slice(0, 300);
      throw new Error(`${method} ${ADMIN}${path}: ${response.status} ${detail}`);
    }
    return doc;
  }

  function statusClass(status) {
    const first = Math.floor(Number(status) / 100);
    return first >= 2 && first <= 5 ? "s" + first : "sx";
  }

  function readable(path) {
    try {
      return decodeURIComponent(path);
    } catch (_) {
      return path;
    }
  }

  function clockTime(time) {
    const date = new Date(time);
    if (Number.isNaN(date.getTime())) return String(time || "");
    return date.toLocaleTimeString([], { hour12: false });
  }

  function isProblem(entry) {
    return (
      (entry.violations || []).length > 0 || entry.unmatched || (entry.faults || []).length > 0 || entry.status >= 400
    );
  }

  // ---- the journal -------------------------------------------------------------------------------------------

  function notesFor(entry) {
    const cell = el("td", { class: "notes" });
    const list = el("ul");
    for (const v of entry.violations || []) {
      const where = v.location || [v.part, v.name, v.pointer].filter(Boolean).join(" ");
      list.append(el("li", { class: "note-violation" }, where ? `${where}: ${v.message}` : v.message));
    }
    if (entry.unmatched) {
      const near = entry.near_misses || [];
      if (near.length === 0) list.append(el("li", { class: "note-near" }, "No operation of the contract matches."));
      for (const miss of near.slice(0, 3)) {
        const named = `${miss.method} ${miss.path}`;
        const op = miss.operation && miss.operation !== named ? ` (${miss.operation})` : "";
        list.append(el("li", { class: "note-near" }, `Nearest: ${miss.method} ${miss.path}${op}: ${miss.reason}`));
      }
    }
    if (list.childNodes.length) cell.append(list);
    for (const fault of entry.faults || []) cell.append(el("span", { class: "chip fault" }, fault));
    for (const used of entry.deprecated || []) cell.append(el("span", { class: "chip deprecated" }, "deprecated: " + used));
    return cell;
  }

  function rowFor(entry, fresh) {
    const classes = [];
    if ((entry.violations || []).length) classes.push("violation");
    if (entry.unmatched) classes.push("unmatched");
    if (fresh) classes.push("fresh");
    const path = String(entry.path || "");
    const query = entry.query ? "?" + String(entry.query) : "";
    const operations = (entry.operations || []).length ? entry.operations.join(", ") : entry.operation || "";
    return el(
      "tr",
      { class: classes.join(" ") || null, "data-id": entry.id },
      el("td", { class: "time", title: entry.time }, clockTime(entry.time)),
      el("td", { class: "api" }, entry.api || "—", entry.session && entry.session !== "default" ? el("br") : null,
        entry.session && entry.session !== "default" ? el("span", { class: "badge" }, entry.session) : null),
      el("td", { class: "path", title: path + query }, `${entry.method} ${readable(path)}${readable(query)}`),
      el("td", { class: "status " + statusClass(entry.status) }, entry.status),
      el("td", { class: "latency" }, `${Number(entry.latency_ms).toFixed(1)} ms`),
      el("td", { class: "operation" }, operations || "—"),
      notesFor(entry),
    );
  }

  function visibleEntries() {
    return state.entries.filter(
      (entry) => (!state.filterApi || entry.api === state.filterApi) && (!state.onlyProblems || isProblem(entry)),
    );
  }

  function renderJournal(freshIds) {
    const body = document.getElementById("journal-rows");
    if (!body) return;
    const shown = visibleEntries();
    body.replaceChildren(...shown.slice(0, SHOWN).map((entry) => rowFor(entry, freshIds.has(entry.id))));
    document.getElementById("journal-empty").hidden = shown.length > 0;
    const count = document.getElementById("journal-count");
    count.textContent = `${Math.min(shown.length, SHOWN)} shown of ${state.entries.length} kept`;
  }

  function absorb(entries, replace) {
    const fresh = new Set();
    if (replace) {
      state.entries = [];
      state.ids = new Set();
    }
    const added = [];
    for (const entry of entries) {
      if (state.ids.has(entry.id)) continue;
      state.ids.add(entry.id);
      added.push(entry);
      if (!replace) fresh.add(entry.id);
    }
    state.entries = added.concat(state.entries).slice(0, KEEP);
    if (state.entries.length < state.ids.size) state.ids = new Set(state.entries.map((entry) => entry.id));
    for (const entry of state.entries) {
      if (state.lastId === null || entry.id > state.lastId) state.lastId = entry.id;
    }
    return { fresh: fresh, changed: replace || added.length > 0 };
  }

  async function poll() {
    const full = state.lastId === null || state.polls % RESYNC_EVERY === 0;
    state.polls += 1;
    try {
      const query = full ? `limit=${KEEP}` : `since=${encodeURIComponent(state.lastId)}&limit=${KEEP}`;
      const doc = await call("GET", "/requests?" + query);
      if (full) state.lastId = null;
      const result = absorb(doc.requests || [], full);
      if (result.changed) {
        renderJournal(result.fresh);
        renderCharts();
      }
      setLive(true);
    } catch (_) {
      setLive(false);
    }
    window.setTimeout(poll, POLL_MS);
  }

  function setLive(up) {
    const live = document.getElementById("live");
    if (!live) return;
    live.textContent = up ? "● live" : "● disconnected";
    live.classList.toggle("down", !up);
  }

  // ---- the charts --------------------------------------------------------------------------------------------

  function bars(target, labels, values, classes, titles) {
    const width = 300;
    const height = 130;
    const left = 26;
    const bottom = 18;
    const top = 6;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
    const most = Math.max(1, ...values);
    const step = (width - left) / values.length;
    chart.append(svg("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "axis" }));
    chart.append(svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, most));
    chart.append(svg("text", { x: left - 4, y: height - bottom, "text-anchor": "end" }, 0));
    values.forEach((value, index) => {
      const barHeight = ((height - bottom - top) * value) / most;
      const rect = svg("rect", {
        x: left + index * step + 1,
        y: height - bottom - barHeight,
        width: Math.max(1, step - 2),
        height: barHeight,
        class: "bar " + (classes ? classes[index] : ""),
      });
      rect.append(svg("title", {}, titles ? titles[index] : `${labels[index]}: ${value}`));
      chart.append(rect);
      if (labels[index]) {
        const anchor = index === 0 && values.length > 12 ? "start" : index === values.length - 1 && values.length > 12 ? "end" : "middle";
        const x = anchor === "start" ? left + index * step : anchor === "end" ? width : left + index * step + step / 2;
        chart.append(svg("text", { x: x, y: height - 5, "text-anchor": anchor }, labels[index]));
      }
    });
    target.replaceChildren(chart);
  }

  function renderRate(entries) {
    const target = document.getElementById("chart-rate");
    if (!target) return;
    const bucketMs = 10000;
    const count = 30;
    let end = Date.now();
    for (const entry of entries.slice(0, 1)) end = Math.max(end, Date.parse(entry.time) || end);
    const values = new Array(count).fill(0);
    for (const entry of entries) {
      const age = end - Date.parse(entry.time);
      const index = count - 1 - Math.floor(age / bucketMs);
      if (index >= 0 && index < count) values[index] += 1;
    }
    const labels = values.map((_, index) => (index === 0 ? "−5 min" : index === count - 1 ? "now" : ""));
    const titles = values.map((value, index) => `${(count - index) * 10} s to ${(count - 1 - index) * 10} s ago: ${value}`);
    bars(target, labels, values, null, titles);
  }

  const LATENCY_EDGES = [5, 10, 25, 50, 100, 250, 500, 1000];

  function renderLatency(entries) {
    const target = document.getElementById("chart-latency");
    if (!target) return;
    const values = new Array(LATENCY_EDGES.length + 1).fill(0);
    for (const entry of entries) {
      const ms = Number(entry.latency_ms);
      let index = LATENCY_EDGES.findIndex((edge) => ms < edge);
      if (index < 0) index = LATENCY_EDGES.length;
      values[index] += 1;
    }
    const labels = LATENCY_EDGES.map((edge) => (edge >= 1000 ? edge / 1000 + "s" : String(edge))).concat(["more"]);
    const titles = values.map((value, index) => {
      const low = index === 0 ? 0 : LATENCY_EDGES[index - 1];
      const band = index < LATENCY_EDGES.length ? `${low} to ${LATENCY_EDGES[index]} ms` : `${low} ms or more`;
      return `${band}: ${value} request${value === 1 ? "" : "s"}`;
    });
    bars(target, labels, values, null, titles);
  }

  function renderStatusMix(entries) {
    const target = document.getElementById("chart-status");
    if (!target) return;
    const perApi = new Map();
    for (const entry of entries) {
      const name = entry.api || "(none)";
      if (!perApi.has(name)) perApi.set(name, { s2: 0, s3: 0, s4: 0, s5: 0, sx: 0, total: 0 });
      const mix = perApi.get(name);
      mix[statusClass(entry.status)] += 1;
      mix.total += 1;
    }
    const names = Array.from(perApi.keys()).sort();
    const width = 300;
    const rowHeight = 22;
    const left = 78;
    const height = Math.max(1, names.length) * rowHeight + 4;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
    if (names.length === 0) chart.append(svg("text", { x: 4, y: 16 }, "no requests yet"));
    names.forEach((name, row) => {
      const mix = perApi.get(name);
      const y = row * rowHeight + 4;
      chart.append(svg("text", { x: left - 6, y: y + 12, "text-anchor": "end" }, name.slice(0, 14)));
      let x = left;
      for (const kind of ["s2", "s3", "s4", "s5", "sx"]) {
        if (!mix[kind]) continue;
        const share = ((width - left) * mix[kind]) / mix.total;
        const rect = svg("rect", { x: x, y: y, width: share, height: rowHeight - 6, class: kind });
        const label = kind === "sx" ? "other" : kind.slice(1) + "xx";
        rect.append(svg("title", {}, `${name} ${label}: ${mix[kind]} of ${mix.total}`));
        chart.append(rect);
        x += share;
      }
    });
    target.replaceChildren(chart);
  }

  function renderCharts() {
    const entries = state.entries.filter((entry) => !state.filterApi || entry.api === state.filterApi);
    renderRate(entries);
    renderLatency(entries);
    renderStatusMix(entries);
  }

  // ---- switches ----------------------------------------------------------------------------------------------

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function showControlError(api, message) {
    const box = document.querySelector(`.api[data-api="${CSS.escape(api)}"] .control-error`);
    if (box) {
      box.textContent = message || "";
      box.hidden = !message;
    }
  }

  function renderFaults() {
    for (const article of document.querySelectorAll(".api[data-api]")) {
      const api = article.dataset.api;
      const table = state.faults[api] || {};
      for (const input of article.querySelectorAll("input[data-fault]")) {
        const spec = SWITCHES[input.dataset.fault];
        input.checked = Boolean(spec) && same(table[spec.key], spec.on);
        input.disabled = false;
      }
      const now = article.querySelector(".faults-now");
      if (now) {
        const keys = Object.keys(table);
        now.textContent = keys.length ? "Faults now: " + JSON.stringify(table) : "No faults configured.";
        now.classList.toggle("active", keys.length > 0);
      }
    }
  }

  async function loadFaults() {
    try {
      const doc = await call("GET", "/faults");
      state.faults = (doc && doc.apis) || {};
      renderFaults();
    } catch (error) {
      for (const article of document.querySelectorAll(".api[data-api]")) showControlError(article.dataset.api, error.message);
    }
  }

  async function flip(input) {
    const api = input.closest(".api").dataset.api;
    const spec = SWITCHES[input.dataset.fault];
    const table = Object.assign({}, state.faults[api] || {});
    if (input.checked) table[spec.key] = spec.on;
    else delete table[spec.key];
    input.disabled = true;
    try {
      if (Object.keys(table).length) await call("PUT", "/faults/" + encodeURIComponent(api), table);
      else await call("DELETE", "/faults/" + encodeURIComponent(api));
      showControlError(api, "");
    } catch (error) {
      showControlError(api, error.message);
    }
    await loadFaults();
  }

  async function loadScenarios() {
    try {
      const doc = await call("GET", "/scenarios");
      const apis = (doc && doc.apis) || {};
      for (const select of document.querySelectorAll("select[data-scenario]")) {
        const api = select.closest(".api").dataset.api;
        const active = apis[api] ? apis[api].active : null;
        select.value = active || "";
        select.disabled = false;
      }
    } catch (error) {
      for (const article of document.querySelectorAll(".api[data-api]")) showControlError(article.dataset.api, error.message);
    }
  }

  async function choose(select) {
    const api = select.closest(".api").dataset.api;
    select.disabled = true;
    try {
      await call("PUT", "/scenarios/" + encodeURIComponent(api), { scenario: select.value || null });
      showControlError(api, "");
    } catch (error) {
      showControlError(api, error.message);
    }
    await loadScenarios();
  }

  // ---- the reload state --------------------------------------------------------------------------------------

  async function pollReload() {
    try {
      const doc = await call("GET", "/reload");
      const banner = document.getElementById("reload-banner");
      const error = doc && doc.error;
      if (error) {
        banner.querySelector(".message").textContent = "The last edit could not be loaded: " + (error.message || "");
        banner.querySelector(".where").textContent = error.where ? "Where: " + error.where : "";
        banner.querySelector(".hint").textContent = error.hint ? "Hint: " + error.hint : "";
        banner.querySelector(".still").textContent = `The sandbox still serves generation ${doc.generation}.`;
      }
      banner.hidden = !error;
      const changed = document.getElementById("reload-changed");
      if (doc && doc.generation !== state.generation && !error) {
        changed.hidden = false;
        await Promise.all([loadFaults(), loadScenarios()]);
        state.generation = doc.generation;
      }
    } catch (_) {
      // the journal's poll already says when the sandbox is unreachable
    }
    window.setTimeout(pollReload, 3000);
  }

  // ---- wiring ------------------------------------------------------------------------------------------------

  function wire() {
    for (const input of document.querySelectorAll("input[data-fault]")) input.addEventListener("change", () => flip(input));
    for (const select of document.querySelectorAll("select[data-scenario]")) select.addEventListener("change", () => choose(select));
    const filter = document.getElementById("filter-api");
    filter.disabled = false;
    filter.addEventListener("change", () => {
      state.filterApi = filter.value;
      renderJournal(new Set());
      renderCharts();
    });
    const problems = document.getElementById("only-problems");
    problems.disabled = false;
    problems.addEventListener("change", () => {
      state.onlyProblems = problems.checked;
      renderJournal(new Set());
    });
    const clear = document.getElementById("clear-journal");
    clear.disabled = false;
    clear.addEventListener("click", async () => {
      try {
        await call("DELETE", "/requests");
      } catch (_) {
        setLive(false);
      }
      state.lastId = null;
      absorb([], true);
      renderJournal(new Set());
      renderCharts();
    });
    for (const hidden of document.querySelectorAll("[data-js-only]")) hidden.hidden = false;
    for (const note of document.querySelectorAll("[data-no-js]")) note.hidden = true;
  }

  wire();
  renderCharts();
  loadFaults();
  loadScenarios();
  poll();
  pollReload();
})();
