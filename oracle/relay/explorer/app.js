// The explorer: reads only the relay's read API (/v1/...), renders tables and SVG charts.
// The selected subnet is in the URL hash (#netuid=N); the first subnet is shown by default.
// When everything is drawn, <body data-ready="1"> (the browser test waits for it).
"use strict";

const API = "../v1";
const U16 = 65535;
const RAO = 1e9;
const MAX_EPOCHS_CHARTED = 20;

// The relay runs at most RELAY_READ_CONCURRENCY_PER_CLIENT reads per client (default 2) and
// answers 429 RelayBusy beyond: keep within it, and retry a refused read after a short pause.
const MAX_IN_FLIGHT = 2;
const BUSY_RETRIES = 20;
let inFlight = 0;
const waiting = [];

async function withSlot(fn) {
  while (inFlight >= MAX_IN_FLIGHT) await new Promise((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await fn();
  } finally {
    inFlight--;
    const next = waiting.shift();
    if (next) next();
  }
}

async function getJSON(path) {
  for (let attempt = 0; ; attempt++) {
    const res = await withSlot(() => fetch(API + path, { headers: { accept: "application/json" } }));
    const body = await res.json().catch(() => ({}));
    if (res.status === 429 && attempt < BUSY_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      continue;
    }
    if (!res.ok) {
      const d = body.detail || {};
      throw new Error(`${res.status} ${d.error || ""}: ${d.message || JSON.stringify(body.detail)}`);
    }
    return body;
  }
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function shortKey(addr) { return addr ? addr.slice(0, 8) + "…" + addr.slice(-4) : "—"; }
function alpha(v) { return (Number(v) / RAO).toFixed(4); }
function frac(v, digits) { return v === null || v === undefined ? null : Number(v).toFixed(digits || 4); }
function pct(v) { return (100 * v).toFixed(2) + "%"; }

function selectedNetuid() {
  const m = /netuid=(\d+)/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function renderSubnets(data, selected) {
  const tbody = document.querySelector("#subnets tbody");
  tbody.textContent = "";
  for (const s of data.subnets) {
    const tr = document.createElement("tr");
    tr.className = "clickable" + (s.netuid === selected ? " selected" : "");
    tr.dataset.netuid = s.netuid;
    cell(tr, s.netuid);
    cell(tr, s.price.toFixed(6));
    cell(tr, s.moving_price.toFixed(6));
    cell(tr, pct(s.emission_share));
    cell(tr, alpha(s.tao_in));
    cell(tr, alpha(s.alpha_in));
    cell(tr, alpha(s.total_stake));
    cell(tr, s.neurons);
    tr.addEventListener("click", () => { location.hash = "netuid=" + s.netuid; });
    tbody.appendChild(tr);
  }
}

function renderMetagraph(mg) {
  document.getElementById("metagraph-block").textContent =
    `at block ${mg.block}` + (mg.consensus_epoch === null ? "" : ` · trust and consensus of epoch ${mg.consensus_epoch}`);
  const tbody = document.querySelector("#metagraph tbody");
  tbody.textContent = "";
  for (const n of mg.neurons) {
    const tr = document.createElement("tr");
    tr.dataset.uid = n.uid;
    cell(tr, n.uid);
    cell(tr, shortKey(n.hotkey), "key").title = n.hotkey;
    cell(tr, shortKey(n.coldkey), "key").title = n.coldkey;
    cell(tr, alpha(n.stake));
    cell(tr, frac(n.trust));
    cell(tr, frac(n.consensus));
    cell(tr, frac(n.incentive));
    cell(tr, frac(n.dividends));
    cell(tr, alpha(n.emission));
    cell(tr, n.validator_permit ? "✔" : "");
    cell(tr, n.axon);
    cell(tr, n.last_update);
    // Clicking a UID explains it in the chosen epoch.
    tr.className = "clickable";
    tr.addEventListener("click", () => {
      const sel = document.getElementById("explain-uid");
      if (![...sel.options].some((o) => o.value === String(n.uid))) return;
      sel.value = String(n.uid);
      explainUid(mg.netuid);
    });
    tbody.appendChild(tr);
  }
}

function renderEpochs(list) {
  const tbody = document.querySelector("#epochs tbody");
  tbody.textContent = "";
  for (const e of list.slice().reverse()) {
    const tr = document.createElement("tr");
    tr.dataset.epoch = e.epoch;
    tr.className = e.settled ? "settled" : "open";
    cell(tr, e.epoch);
    cell(tr, e.snapshot_block);
    cell(tr, e.settled ? "settled" : "open");
    cell(tr, e.settled_block);
    for (const k of ["owner_cut", "miner_alpha", "validator_alpha", "burned", "carried"]) cell(tr, e.settled ? alpha(e[k]) : null);
    tbody.appendChild(tr);
  }
}

function perUidSeries(details, value) {
  const byUid = new Map();
  for (const d of details) {
    for (const n of d.neurons) {
      const v = value(n);
      if (v === null || v === undefined) continue;
      if (!byUid.has(n.uid)) byUid.set(n.uid, []);
      byUid.get(n.uid).push([d.epoch, v]);
    }
  }
  return [...byUid.entries()].filter(([, pts]) => pts.some((p) => p[1] !== 0))
    .map(([uid, points]) => ({ name: "UID " + uid, points }));
}

function renderCharts(prices, details) {
  lineChart(document.getElementById("chart-price"), [
    { name: "spot", points: prices.points.map((p) => [p.block, p.price]) },
    { name: "moving", points: prices.points.map((p) => [p.block, p.moving_price]) },
  ], { xLabel: "block", integerX: true, label: "pool price" });
  const opts = (label) => ({ xLabel: "epoch", integerX: true, label, empty: "no settled epoch yet" });
  lineChart(document.getElementById("chart-emission"),
    perUidSeries(details, (n) => (n.stake_credited + n.emission_credited) / RAO), opts("emission"));
  lineChart(document.getElementById("chart-incentive"),
    perUidSeries(details, (n) => (n.incentive === undefined ? null : n.incentive / U16)), opts("incentive"));
  lineChart(document.getElementById("chart-dividends"),
    perUidSeries(details, (n) => (n.dividends === undefined ? null : n.dividends / U16)), opts("dividends"));
}

function fillExplainForm(netuid, details) {
  const epochSel = document.getElementById("explain-epoch");
  const uidSel = document.getElementById("explain-uid");
  const keepEpoch = epochSel.value, keepUid = uidSel.value;
  epochSel.textContent = "";
  uidSel.textContent = "";
  for (const d of details.slice().reverse()) epochSel.appendChild(new Option(String(d.epoch), String(d.epoch)));
  const latest = details[details.length - 1];
  if (!latest) return false;
  for (const n of latest.neurons) uidSel.appendChild(new Option(String(n.uid), String(n.uid)));
  // Default: the UID that earned the most in the latest settled epoch (its story is the richest).
  const earned = (n) => (n.stake_credited || 0) + (n.emission_credited || 0);
  uidSel.value = String(latest.neurons.reduce((best, n) => (earned(n) > earned(best) ? n : best), latest.neurons[0]).uid);
  if ([...epochSel.options].some((o) => o.value === keepEpoch)) epochSel.value = keepEpoch;
  if ([...uidSel.options].some((o) => o.value === keepUid)) uidSel.value = keepUid;
  document.getElementById("explain-form").onsubmit = (ev) => { ev.preventDefault(); explainUid(netuid); };
  return true;
}

async function explainUid(netuid) {
  const epoch = document.getElementById("explain-epoch").value;
  const uid = document.getElementById("explain-uid").value;
  const pre = document.getElementById("explanation");
  try {
    const x = await getJSON(`/subnets/${netuid}/epochs/${epoch}/explain?uid=${uid}`);
    pre.textContent = x.text;
    pre.className = "";
    pre.dataset.epoch = epoch;
    pre.dataset.uid = uid;
  } catch (err) {
    pre.textContent = String(err.message);
    pre.className = "muted";
  }
}

async function loadSubnet(netuid) {
  document.getElementById("subnet").hidden = false;
  document.getElementById("subnet-id").textContent = netuid;
  const [mg, ep, prices] = await Promise.all([
    getJSON(`/subnets/${netuid}/metagraph`), getJSON(`/subnets/${netuid}/epochs`), getJSON(`/subnets/${netuid}/prices`),
  ]);
  renderMetagraph(mg);
  renderEpochs(ep.epochs);
  const settled = ep.epochs.filter((e) => e.settled).slice(-MAX_EPOCHS_CHARTED);
  const details = await Promise.all(settled.map((e) => getJSON(`/subnets/${netuid}/epochs/${e.epoch}`)));
  renderCharts(prices, details);
  if (fillExplainForm(netuid, details)) await explainUid(netuid);
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const data = await getJSON("/subnets");
    let netuid = selectedNetuid();
    if (netuid === null && data.subnets.length) netuid = data.subnets[0].netuid;
    renderSubnets(data, netuid);
    if (netuid !== null) await loadSubnet(netuid);
    status.textContent = `block ${data.block} · ${data.subnets.length} subnet(s)`;
    document.body.dataset.ready = "1";
  } catch (err) {
    status.textContent = "error: " + err.message;
    document.body.dataset.error = err.message;
  }
}

window.addEventListener("hashchange", refresh);
refresh();
setInterval(refresh, 15000);
