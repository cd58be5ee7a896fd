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
    body.replaceChildren(...runs.map(r => el('tr', { 'data-id': r.id, 'data-state': r.state },
      el('td', {}, el('a', { href: '#/runs/' + encodeURIComponent(r.id) }, r.id)),
      el('td', {}, el('span', { class: 'state ' + r.state }, r.state)),
      el('td', {}, r.model), el('td', {}, r.loss), el('td', {}, r.sampler),
      el('td', { class: 'n' }, r.gamma), el('td', { class: 'n' }, r.batch),
      el('td', { class: 'n' }, r.steps_done), el('td', { class: 'n' }, fmt(r.last_normalized_margin)),
      el('td', {}, el('a', { href: '#/runs/' + encodeURIComponent(r.id) }, 'plots')))));
    document.getElementById('runs-updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('runs-updated').textContent = e.message;
  }
}

async function submit() {
  const out = document.getElementById('submit-result');
  try {
    const r = await api('/runs', { method: 'POST', headers: { 'Content-Type': 'application/yaml' },
      body: document.getElementById('submit-config').value });
    const j = await r.json();
    out.className = '';
    out.replaceChildren('submitted ', el('a', { href: '#/runs/' + j.id }, j.id));
    showRuns();
  } catch (e) { out.className = 'error'; out.textContent = e.message; }
}

// ---- run page --------------------------------------------------------------------------------
function openRun(id) {
  document.getElementById('runs-view').hidden = true;
  document.getElementById('run-view').hidden = false;
  document.getElementById('run-id').textContent = id;
  run = { id, evalNext: 0, stepNext: 0, logNext: 0, evals: [], steps: [], log: [] };
  document.getElementById('log').textContent = '';
  refreshRun();
}

async function refreshRun() {
  if (!run) return;
  const id = run.id;
  const q = encodeURIComponent(id);
  try {
    const d = await (await api('/runs/' + q)).json();
    if (!run || run.id !== id) return;
    const st = document.getElementById('run-state');
    st.textContent = d.state; st.className = 'state ' + d.state; st.dataset.state = d.state;
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
    await readRows('eval');
    await readRows('steps');
    draw();
    if (d.managed) await readLog();
  } catch (e) {
    document.getElementById('run-info').textContent = e.message;
  }
}

async function readRows(file) {
  const key = file === 'eval' ? 'evalNext' : 'stepNext';
  for (;;) {
    const r = await api('/runs/' + encodeURIComponent(run.id) + '/metrics?file=' + file + '&from=' + run[key]);
    const text = await r.text();
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
  const r = await (await api('/runs/' + encodeURIComponent(run.id) + '/log?from=' + run.logNext + '&size=262144')).json();
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

async function action(what) {
  const out = document.getElementById('action-result');
  try {
    const j = await (await api('/runs/' + encodeURIComponent(run.id) + '/' + what, { method: 'POST' })).json();
    out.className = ''; out.textContent = what + ': ' + (j.message || j.state);
    refreshRun();
  } catch (e) { out.className = 'error'; out.textContent = e.message; }
}

async function openReport() {
  const out = document.getElementById('action-result');
  try {
    const blob = await (await api('/runs/' + encodeURIComponent(run.id) + '/report')).blob();
    window.open(URL.createObjectURL(blob), '_blank');
  } catch (e) { out.className = 'error'; out.textContent = e.message; }
}

// ---- routing ---------------------------------------------------------------------------------
function route() {
  clearInterval(timer);
  const m = location.hash.match(/^#\/runs\/([^/?]+)/);
  if (m) {
    openRun(decodeURIComponent(m[1]));
    timer = setInterval(refreshRun, REFRESH_MS);
  } else {
    run = null;
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
  document.getElementById('stop').addEventListener('click', () => action('stop'));
  document.getElementById('resume').addEventListener('click', () => action('resume'));
  document.getElementById('report').addEventListener('click', openReport);
  window.addEventListener('hashchange', route);
  route();
}

init();
