// marginflow serve: the runs table and a run page with live plots, fed by /api/v1.
// Plain JS and SVG; nothing is loaded from outside this server.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'marginflow.token';
const REFRESH_MS = 2000;
let timer = null;
let run = null; // the run page's state: id, rows read so far, next row numbers

function token() { return localStorage.getItem(TOKEN_KEY) || ''; }

async function api(path, options = {}) {
  const headers = Object.assign({ 'Authorization': 'Bearer ' + token() }, options.headers || {});
  if (options.method && options.method !== 'GET') headers['X-Requested-By'] = 'marginflow-web';
  const r = await fetch(API + path, Object.assign({}, options, { headers }));
  if (r.status === 401) { setAuth(false); throw new Error('not authenticated: enter the token'); }
  setAuth(true);
  if (!r.ok) {
    let msg = r.status + '';
    try { const e = await r.json(); msg = e.key + ': ' + e.message; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}

function setAuth(ok) {
  document.getElementById('auth-state').textContent = ok ? '✓' : '✗ token needed';
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '—' : String(c)));
  return e;
}

function fmt(v) {
  if (v == null || v === '') return '—';
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => k + ' ' + fmt(x)).join(', ');
  if (typeof v === 'number') return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(4) : String(+v.toPrecision(6));
  return String(v);
}

// ---- runs table -----------------------------------------------------------------------------
async function showRuns() {
  document.getElementById('runs-view').hidden = false;
  document.getElementById('run-view').hidden = true;
  try {
    const runs = await (await api('/runs')).json();
    const body = document.querySelector('#runs tbody');
    body.replaceChildren(...runs.map(r => el('tr', { 'data-id': r.id, 'data-state': r.state, 'data-kind': r.kind || 'run' },
      el('td', {}, el('a', { href: runHref(r) }, r.kind === 'sweep-run' ? r.sweep + ' / ' + r.id : r.id),
        r.kind === 'sweep' ? el('span', { class: 'kind' }, ' sweep') : ''),
      el('td', {}, el('span', { class: 'state ' + r.state }, r.state)),
      el('td', {}, r.model), el('td', {}, r.loss), el('td', {}, r.sampler),
      el('td', { class: 'n' }, r.gamma), el('td', { class: 'n' }, r.batch),
      el('td', { class: 'n' }, r.steps_done), el('td', { class: 'n' }, fmt(r.last_normalized_margin)),
      el('td', {}, el('a', { href: runHref(r) }, r.kind === 'sweep' ? 'sweep page' : 'plots')))));
    document.getElementById('runs-updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('runs-updated').textContent = e.message;
  }
}

function runHref(r) {
  if (r.kind === 'sweep') return '#/sweeps/' + encodeURIComponent(r.id);
  if (r.kind === 'sweep-run') return '#/sweeps/' + encodeURIComponent(r.sweep) + '/runs/' + encodeURIComponent(r.id);
  return '#/runs/' + encodeURIComponent(r.id);
}

// A config with grid: or seeds: at its top level is a sweep (as `marginflow submit` decides).
function isSweep(text) { return /^(grid|seeds)\s*:/m.test(text) || /"(grid|seeds)"\s*:/.test(text); }

async function submit() {
  const out = document.getElementById('submit-result');
  try {
    const text = document.getElementById('submit-config').value;
    const sweep = isSweep(text);
    const r = await api(sweep ? '/sweeps' : '/runs', { method: 'POST', headers: { 'Content-Type': 'application/yaml' },
      body: text });
    const j = await r.json();
    out.className = '';
    out.replaceChildren('submitted ' + (sweep ? 'sweep ' : ''), el('a', { href: sweep ? '#/sweeps/' + j.id : '#/runs/' + j.id }, j.id));
    showRuns();
  } catch (e) { out.className = 'error'; out.textContent = e.message; }
}

// ---- run page --------------------------------------------------------------------------------
// base: the API path of the run ('/runs/ID', or '/sweeps/S/runs/R' for a run of a sweep)
function openRun(id, base) {
  showView('run-view');
  document.getElementById('run-id').textContent = id;
  run = { id, base, evalNext: 0, stepNext: 0, logNext: 0, evals: [], steps: [], log: [],
          streaming: {}, ended: false };
  document.getElementById('log').textContent = '';
  for (const b of ['stop', 'resume']) document.getElementById(b).hidden = base.startsWith('/sweeps/');
  refreshRun().then(() => { follow('eval'); follow('steps'); });
}

function showView(v) {
  for (const x of ['runs-view', 'run-view', 'sweep-view']) document.getElementById(x).hidden = x !== v;
}

// Follows a metric file as server-sent events (GET …/metrics?follow=true); rows are appended as
// they are written. On any failure (429: too many streams; an old browser) the page polls instead.
async function follow(file) {
  const key = file === 'eval' ? 'evalNext' : 'stepNext';
  const mine = run;
  if (!mine || mine.ended || !window.ReadableStream || !window.TextDecoder) return;
  mine.streaming[file] = true;
  try {
    while (run === mine && !mine.ended) {
      const r = await api(mine.base + '/metrics?file=' + file + '&from=' + mine[key] + '&follow=true');
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '', event = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done || run !== mine) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i); buf = buf.slice(i + 2);
          let name = 'message', id = null, data = null;
          for (const line of ev.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('id: ')) id = +line.slice(4);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (data == null) continue;
          if (name === 'message' && id === mine[key]) {
            (file === 'eval' ? mine.evals : mine.steps).push(JSON.parse(data));
            mine[key] = id + 1;
            scheduleDraw();
          } else if (name !== 'message') event = name;
        }
      }
      if (event === 'end') { mine.ended = true; break; }
      if (event !== 'idle') break; // the connection dropped: polling takes over
    }
  } catch (e) { /* polling takes over */ }
  mine.streaming[file] = false;
}

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => { drawPending = false; if (run) draw(); }, 200);
}

async function refreshRun() {
  if (!run) return;
  const id = run.id;
  try {
    const d = await (await api(run.base)).json();
    if (!run || run.id !== id) return;
    const state = d.state || d.status;
    const st = document.getElementById('run-state');
    st.textContent = state; st.className = 'state ' + state; st.dataset.state = state;
    if (!d.summary && d.model) d.summary = d; // a run of a sweep: its runs --json entry
    const p = d.progress || {};
    const parts = [];
    if (d.summary) parts.push(d.summary.model, d.summary.loss, d.summary.sampler, 'γ ' + d.summary.gamma, 'n_b ' + d.summary.batch);
    if (p.step != null) parts.push('step ' + p.step + (p.steps ? ' / ' + p.steps : ''));
    if (p.steps_per_second) parts.push(fmt(p.steps_per_second) + ' steps/s');
    if (p.eta_seconds != null) parts.push('ETA ' + Math.round(p.eta_seconds) + ' s');
    if (d.app_id) parts.push('app ' + d.app_id);
    if (d.reason) parts.push('(' + d.reason + ')');
    document.getElementById('run-info').textContent = parts.join(' · ');
    const le = document.querySelector('#last-eval tbody');
    le.replaceChildren(...Object.entries(d.last_eval || {}).filter(([k]) => k !== 'schema')
      .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'n' }, Array.isArray(v) ? v.map(fmt).join(', ') : fmt(v)))));
    if (!run.streaming.eval) await readRows('eval');
    if (!run.streaming.steps) await readRows('steps');
    draw();
    if (d.managed) await readLog();
  } catch (e) {
    document.getElementById('run-info').textContent = e.message;
  }
}

async function readRows(file) {
  const key = file === 'eval' ? 'evalNext' : 'stepNext';
  for (;;) {
    const from = run[key];
    const r = await api(run.base + '/metrics?file=' + file + '&from=' + from);
    const text = await r.text();
    if (!run || run[key] !== from) return; // a stream delivered these rows meanwhile
    const rows = text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l));
    (file === 'eval' ? run.evals : run.steps).push(...rows);
    const next = +r.headers.get('X-Marginflow-Next-Row');
    const total = +r.headers.get('X-Marginflow-Total-Rows');
    if (next < run[key]) { // the file was truncated (a resume): read again from the start
      run[key] = 0; if (file === 'eval') run.evals = []; else run.steps = [];
      continue;
    }
    run[key] = next;
    if (next >= total || rows.length === 0) return;
  }
}

async function readLog() {
  const r = await (await api(run.base + '/log?from=' + run.logNext + '&size=262144')).json();
  run.logNext = r.next;
  run.log.push(...r.lines);
  if (run.log.length > 400) run.log = run.log.slice(run.log.length - 400);
  document.getElementById('log').textContent = run.log.join('\n');
}

function draw() {
  const train = run.evals.filter(r => r.split === 'train');
  plot('plot-margin', [{ cls: 'margin', pts: train.filter(r => r.normalized_margin != null).map(r => [r.step, r.normalized_margin]) }]);
  plot('plot-loss', [
    { cls: 'batch', pts: run.steps.filter(r => r.batch_log_loss != null).map(r => [r.step, r.batch_log_loss]), data: false },
    { cls: 'loss', pts: train.filter(r => r.log_loss != null).map(r => [r.step, r.log_loss]) }]);
}

function short(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(4)); }

// Draws series of [x, y] points; the first series with data !== false is recorded in data-steps /
// data-values (what the tests compare with the run's rows).
function plot(id, series) {
  const svg = document.getElementById(id);
  const W = 560, H = 300, L = 72, R = 12, T = 12, B = 32;
  const all = series.flatMap(s => s.pts);
  const ns = 'http://www.w3.org/2000/svg';
  const mk = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
  svg.replaceChildren();
  const main = series.find(s => s.data !== false);
  svg.dataset.steps = main.pts.map(p => p[0]).join(',');
  svg.dataset.values = main.pts.map(p => p[1]).join(',');
  svg.dataset.points = main.pts.length;
  if (all.length === 0) {
    const t = mk('text', { x: W / 2 - 30, y: H / 2 }); t.textContent = 'no rows yet'; svg.append(t); return;
  }
  let x0 = Math.min(...all.map(p => p[0])), x1 = Math.max(...all.map(p => p[0]));
  let y0 = Math.min(...all.map(p => p[1])), y1 = Math.max(...all.map(p => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = y => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  svg.append(mk('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.append(mk('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
  for (const [v, x, y, anchor] of [[x0, L, H - B + 16, 'start'], [x1, W - R, H - B + 16, 'end']]) {
    const t = mk('text', { x, y, 'text-anchor': anchor }); t.textContent = fmt(v); svg.append(t);
  }
  for (const [v, y] of [[y0 + pad, sy(y0 + pad)], [y1 - pad, sy(y1 - pad)]]) {
    const t = mk('text', { x: L - 4, y: y + 4, 'text-anchor': 'end' }); t.textContent = short(v); svg.append(t);
  }
  const xl = mk('text', { x: (W + L) / 2, y: H - 4, 'text-anchor': 'middle' }); xl.textContent = 'step'; svg.append(xl);
  for (const s of series) {
    if (s.pts.length === 0) continue;
    svg.append(mk('polyline', { class: s.cls, points: s.pts.map(p => sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1)).join(' ') }));
  }
}

// A POST to BASE/WHAT (stop, resume) from a button; the answer goes to #OUT, then REFRESH.
async function post(base, what, out, refresh) {
  const o = document.getElementById(out);
  try {
    const j = await (await api(base + '/' + what, { method: 'POST' })).json();
    o.className = ''; o.textContent = what + ': ' + (j.message || j.state);
    refresh();
  } catch (e) { o.className = 'error'; o.textContent = e.message; }
}

// Opens the HTML report at PATH in a new tab (fetched with the token); errors go to #OUT.
async function openHtml(path, out) {
  try {
    const blob = await (await api(path)).blob();
    window.open(URL.createObjectURL(blob), '_blank');
  } catch (e) { const o = document.getElementById(out); o.className = 'error'; o.textContent = e.message; }
}

// ---- sweep page ------------------------------------------------------------------------------
let sweep = null; // the sweep page's id

function openSweep(id) {
  showView('sweep-view');
  sweep = id;
  document.getElementById('sweep-id').textContent = id;
  refreshSweep();
}

async function refreshSweep() {
  if (!sweep) return;
  const id = sweep;
  try {
    const d = await (await api('/sweeps/' + encodeURIComponent(id))).json();
    if (sweep !== id) return;
    const st = document.getElementById('sweep-state');
    st.textContent = d.state; st.className = 'state ' + d.state; st.dataset.state = d.state;
    const s = d.sweep || {};
    document.getElementById('sweep-info').textContent = [
      'grid ' + (Object.entries(s.grid || {}).map(([k, v]) => k + ' ∈ {' + v.join(', ') + '}').join(' × ') || '—'),
      'seeds ' + (s.seeds || []).join(', '), 'parallel ' + fmt(s.parallel),
      d.reason ? '(' + d.reason + ')' : ''].join(' · ');
    const body = document.querySelector('#sweep-runs tbody');
    body.replaceChildren(...(d.runs || []).map(r => el('tr', { 'data-id': r.id, 'data-status': r.status,
        'data-step': r.step, 'data-margin': r.last_normalized_margin == null ? '' : r.last_normalized_margin },
      el('td', {}, el('a', { href: '#/sweeps/' + encodeURIComponent(id) + '/runs/' + encodeURIComponent(r.id) }, r.id)),
      el('td', {}, fmt(r.point)), el('td', { class: 'n' }, r.seed),
      el('td', {}, el('span', { class: 'state ' + r.status }, r.status)),
      el('td', { class: 'n' }, r.step >= 0 ? r.step : null),
      el('td', { class: 'n' }, fmt(r.last_normalized_margin)), el('td', {}, r.reason || ''))));
    document.getElementById('sweep-runs').dataset.runs = (d.runs || []).length;
  } catch (e) {
    document.getElementById('sweep-info').textContent = e.message;
  }
}

// ---- routing ---------------------------------------------------------------------------------
function route() {
  clearInterval(timer);
  run = null; sweep = null;
  const sr = location.hash.match(/^#\/sweeps\/([^/?]+)\/runs\/([^/?]+)/);
  const sw = location.hash.match(/^#\/sweeps\/([^/?]+)/);
  const m = location.hash.match(/^#\/runs\/([^/?]+)/);
  if (sr) {
    const [s, r] = [decodeURIComponent(sr[1]), decodeURIComponent(sr[2])];
    openRun(s + ' / ' + r, '/sweeps/' + encodeURIComponent(s) + '/runs/' + encodeURIComponent(r));
    timer = setInterval(refreshRun, REFRESH_MS);
  } else if (sw) {
    openSweep(decodeURIComponent(sw[1]));
    timer = setInterval(refreshSweep, REFRESH_MS);
  } else if (m) {
    const id = decodeURIComponent(m[1]);
    openRun(id, '/runs/' + encodeURIComponent(id));
    timer = setInterval(refreshRun, REFRESH_MS);
  } else {
    showView('runs-view');
    showRuns();
    timer = setInterval(showRuns, REFRESH_MS);
  }
}

function init() {
  // A token handed over in the address (#…&token=T or ?token=T) is stored, then removed from it.
  const h = location.hash.match(/[#&?]token=([^&]+)/) || location.search.match(/[?&]token=([^&]+)/);
  if (h) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(h[1]));
    history.replaceState(null, '', location.pathname + location.hash.replace(/[&?]?token=[^&]+/, ''));
  }
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    document.getElementById('token').value = '';
    route();
  });
  document.getElementById('submit').addEventListener('click', submit);
  document.getElementById('stop').addEventListener('click', () => post(run.base, 'stop', 'action-result', refreshRun));
  document.getElementById('resume').addEventListener('click', () => post(run.base, 'resume', 'action-result', refreshRun));
  document.getElementById('report').addEventListener('click', () => openHtml(run.base + '/report', 'action-result'));
  const sweepBase = () => '/sweeps/' + encodeURIComponent(sweep);
  document.getElementById('sweep-stop').addEventListener('click', () => post(sweepBase(), 'stop', 'sweep-result', refreshSweep));
  document.getElementById('sweep-resume').addEventListener('click', () => post(sweepBase(), 'resume', 'sweep-result', refreshSweep));
  document.getElementById('sweep-report').addEventListener('click', () => openHtml(sweepBase() + '/report', 'sweep-result'));
  window.addEventListener('hashchange', route);
  route();
}

init();
