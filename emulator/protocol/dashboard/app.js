// offstage's dashboard (docs/dashboard.md). Plain JavaScript, no build step, no dependencies:
// every view reads the control API under /_offstage/ and draws with DOM calls (recorded text is
// only ever set as textContent; the one HTML it inserts is the trace renderer's fragment, which
// escapes every recorded string). Live: a long poll on /_offstage/changes redraws the current
// view whenever the daemon committed something.
'use strict';

const API = '/_offstage';
const state = {
  version: 0,
  view: null,
  params: new URLSearchParams(),
  logs: { after: 0, function: '', lines: [] },
  redrawing: false,
  again: false,
  kept: new Map(),  // nodes that outlive a redraw (an action's result)
};

// The node kept under `key`, made once: a redraw moves it into the new view unchanged.
function kept(key, make) {
  if (!state.kept.has(key)) state.kept.set(key, make());
  return state.kept.get(key);
}

// ---- helpers -------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function ms(ns) {
  const value = ns / 1e6;
  if (value >= 10000) return (value / 1000).toFixed(1) + ' s';
  if (value >= 100) return value.toFixed(0) + ' ms';
  return value.toFixed(1) + ' ms';
}

function when(ns) {
  if (!ns) return '';
  const d = new Date(ns / 1e6);
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

async function getJson(path) {
  const response = await fetch(API + path, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || body.message || `${response.status} from ${path}`);
  return body;
}

async function postJson(path, body) {
  const response = await fetch(API + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(reply.error || reply.message || `${response.status} from ${path}`);
  return reply;
}

function notice(text) {
  const node = document.getElementById('notice');
  node.textContent = text;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { node.textContent = ''; }, 6000);
}

function badge(text, cls = text) {
  return el('span', { class: 'badge ' + cls }, text);
}

// A delivery's status as a badge colour: delivered or handed to Lambda, filtered out, failed.
function outcomeClass(status) {
  if (status === 'delivered' || status === 'invoked') return 'succeeded';
  if (status === 'failed' || status === 'not_emulated' || status === 'unknown') return 'failed';
  if (status === 'pending') return 'running';
  return 'filtered';
}

function table(headers, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  // Each cell names its column, so a narrow window can stack a row's cells under their names.
  for (const row of rows) {
    [...row.children].forEach((cell, i) => { if (headers[i]) cell.dataset.label = headers[i]; });
  }
  return el('div', { class: 'table-wrap' },
    el('table', {},
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
}

// Keeps what a user typed in a view's inputs across a redraw.
function preserveInputs(main, draw) {
  const saved = {};
  for (const input of main.querySelectorAll('[data-keep]')) {
    saved[input.dataset.keep] = input.type === 'checkbox' ? input.checked : input.value;
  }
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.keep : undefined;
  draw();
  for (const input of main.querySelectorAll('[data-keep]')) {
    if (!(input.dataset.keep in saved)) continue;
    if (input.type === 'checkbox') input.checked = saved[input.dataset.keep];
    else input.value = saved[input.dataset.keep];
  }
  if (focused) {
    const again = main.querySelector(`[data-keep="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// ---- views ---------------------------------------------------------------------------------

const views = {};

views.traces = {
  title: 'Traces',
  async load() { return getJson('/traces?limit=100&figures=1'); },
  draw(main, data) {
    const filter = (state.params.get('q') || '').toLowerCase();
    const status = state.params.get('status') || '';
    const rows = data.traces
      .filter((t) => !filter || t.names.some((n) => n.toLowerCase().includes(filter)))
      .filter((t) => !status || t.badge === status)
      .map((t) => {
        const open = () => { location.hash = '#/trace/' + encodeURIComponent(t.trace_id); };
        return el('tr', { class: 'clickable', 'data-trace': t.trace_id, onclick: open },
          el('td', { class: 'mono' }, when(t.start_ns)),
          el('td', {}, el('a', { href: '#/trace/' + encodeURIComponent(t.trace_id) }, t.root_name || t.trace_id),
            el('span', { class: 'muted' }, ' ', t.root_kind)),
          el('td', {}, badge(t.badge)),
          el('td', { class: 'num' }, ms(t.root_duration_ns)),
          el('td', { class: 'num' }, t.offloaded ? ms(t.margin_ns) : '—'),
          el('td', { class: 'num' }, ms(t.end_to_end_ns)),
          el('td', { class: 'num' }, t.spans),
          el('td', { class: 'verdict-line' }, t.verdict));
      });
    const onFilter = () => {
      const q = main.querySelector('[data-keep="q"]').value;
      const s = main.querySelector('[data-keep="status"]').value;
      const params = new URLSearchParams();
      if (q) params.set('q', q);
      if (s) params.set('status', s);
      history.replaceState(null, '', '#/traces' + (params.toString() ? '?' + params : ''));
      state.params = params;
      views.traces.draw(main, data);
    };
    main.replaceChildren(
      el('h2', {}, 'Traces'),
      el('div', { class: 'toolbar' },
        el('label', {}, 'Function or topic',
          el('input', { type: 'search', 'data-keep': 'q', value: state.params.get('q') || '', oninput: onFilter })),
        el('label', {}, 'Verdict',
          el('select', { 'data-keep': 'status', onchange: onFilter },
            ['', 'offloaded', 'failed', 'running', 'not-offloaded'].map((v) =>
              el('option', { value: v, selected: v === status }, v || 'any'))))),
      table(['Started', 'Root', 'Verdict', 'Critical path', 'Margin', 'End to end', 'Spans', 'What it proves'],
        rows, data.traces.length ? 'No trace matches the filter.' : 'No traces yet: invoke a function or publish a message.'));
    main.querySelector('[data-keep="status"]').value = status;
  },
};

views.trace = {
  title: 'Trace',
  async load(id) {
    const response = await fetch(`${API}/traces/${encodeURIComponent(id)}/waterfall`);
    if (!response.ok) throw new Error(response.status === 404 ? 'no trace ' + id : `${response.status} from the waterfall`);
    return { id, html: await response.text() };
  },
  draw(main, data) {
    const waterfall = el('div', { class: 'waterfall', 'data-trace': data.id });
    // The trace renderer's own HTML: every recorded string in it is escaped on the server.
    waterfall.innerHTML = data.html;
    main.replaceChildren(
      el('p', {}, el('a', { href: '#/traces' }, '← all traces')),
      el('h2', {}, 'Trace ', el('code', {}, data.id)),
      waterfall);
  },
};

function invokePanel(fn) {
  const payload = el('textarea', { rows: 5, 'data-keep': 'payload-' + fn.name, 'aria-label': `Payload for ${fn.name}` }, '{}');
  const result = kept('invoke-' + fn.name, () => el('div', { class: 'result', role: 'status', 'aria-live': 'polite', hidden: true }));
  const run = async (async) => {
    let body;
    try { body = JSON.parse(payload.value || '{}'); } catch (e) {
      result.hidden = false; result.textContent = 'The payload is not JSON: ' + e.message; return;
    }
    result.hidden = false;
    result.textContent = async ? 'Queued…' : 'Invoking…';
    try {
      const out = await postJson('/invoke', { function: fn.name, payload: body, async });
      result.replaceChildren(
        `status ${out.status}${out.function_error ? ', ' + out.function_error : ''} · request ${out.request_id} · `,
        el('a', { href: '#/trace/' + encodeURIComponent(out.trace_id) }, 'open its trace'),
        async ? '' : '\n' + out.payload);
    } catch (e) {
      result.textContent = e.message;
    }
  };
  return el('details', { class: 'invoke' },
    el('summary', {}, 'Invoke…'),
    el('label', {}, 'Event (JSON)', payload),
    el('div', { class: 'actions' },
      el('button', { class: 'primary', type: 'button', 'data-invoke': fn.name, onclick: () => run(false) }, 'Invoke'),
      el('button', { type: 'button', onclick: () => run(true) }, 'Invoke as Event')),
    result);
}

views.functions = {
  title: 'Functions',
  async load() { return getJson('/functions?detail=1'); },
  draw(main, data) {
    const open = {};
    for (const d of main.querySelectorAll('details.invoke')) open[d.closest('.card').dataset.function] = d.open;
    const cards = data.functions.map((f) => {
      const s = f.stats;
      const card = el('section', { class: 'card', 'data-function': f.name, 'aria-label': f.name },
        el('h3', {}, f.name),
        el('dl', { class: 'facts' },
          el('dt', {}, 'Runtime'), el('dd', {}, f.runtime, el('span', { class: 'muted' }, ' · ', f.runs_on)),
          el('dt', {}, 'Handler'), el('dd', { class: 'mono' }, f.handler),
          el('dt', {}, 'Memory · timeout'), el('dd', {}, `${f.memory} MB · ${f.timeout} s`),
          el('dt', {}, 'Code'), el('dd', { class: 'mono' }, f.code || '(zip)'),
          el('dt', {}, `Last ${s.window_s / 60} min`),
          el('dd', {}, `${s.invocations} invocation${s.invocations === 1 ? '' : 's'} (${s.per_minute.toFixed(1)}/min), ` +
            `${(s.error_rate * 100).toFixed(0)}% errors, ${s.throttles} throttled, ${s.cold_starts} cold starts`),
          el('dt', {}, 'Duration'), el('dd', {}, s.invocations - s.throttles > 0 ? `p50 ${s.p50_ms.toFixed(1)} ms · p99 ${s.p99_ms.toFixed(1)} ms` : '—')),
        f.runtime_warning ? el('p', { class: 'muted' }, f.runtime_warning) : null,
        el('h4', { class: 'muted' }, `Environments (${f.environments.length})`),
        f.environments.length
          ? el('ul', { class: 'envs' }, f.environments.map((e) =>
            el('li', {}, badge(e.state), el('span', { class: 'muted' }, ` ${ms(e.age_ms * 1e6)} old, ${e.invocations} run`))))
          : el('p', { class: 'muted' }, 'none running'),
        el('div', { class: 'actions' },
          el('a', { href: '#/logs?function=' + encodeURIComponent(f.name) }, 'Logs'),
          el('a', { href: '#/traces?q=' + encodeURIComponent(f.name) }, 'Traces')),
        invokePanel(f));
      if (open[f.name]) card.querySelector('details.invoke').open = true;
      return card;
    });
    preserveInputs(main, () => main.replaceChildren(
      el('h2', {}, 'Functions'),
      cards.length ? el('div', { class: 'cards' }, cards) : el('p', { class: 'empty' }, 'No functions yet.')));
  },
};

views.logs = {
  title: 'Logs',
  async load() {
    const fn = state.params.get('function') || '';
    const l = state.logs;
    if (l.function !== fn) { l.function = fn; l.after = 0; l.lines = []; }
    const query = new URLSearchParams({ limit: '500' });
    if (fn) query.set('function', fn);
    if (l.after === 0) query.set('tail', '1'); else query.set('after', String(l.after));
    const [logs, functions] = await Promise.all([getJson('/logs?' + query), getJson('/functions')]);
    l.lines = l.lines.concat(logs.lines).slice(-2000);
    if (logs.next) l.after = logs.next;
    return { functions: functions.functions.map((f) => f.name) };
  },
  draw(main, data) {
    const fn = state.params.get('function') || '';
    const rid = (state.params.get('request') || '').trim();
    // Fold each invocation's lines under its REPORT (or START) line.
    const groups = [];
    const byKey = new Map();
    for (const line of state.logs.lines) {
      if (rid && !line.request_id.includes(rid)) continue;
      const key = line.function + '\u0000' + (line.request_id || ('#' + line.seq));
      let group = byKey.get(key);
      if (!group) { group = { fn: line.function, id: line.request_id, lines: [], head: '' }; byKey.set(key, group); groups.push(group); }
      const platform = line.stream === 'platform' && /^(START|END|REPORT) /.test(line.text);
      if (platform) {
        if (line.text.startsWith('REPORT ') || !group.head) group.head = line.text;
      } else {
        group.lines.push(line);
      }
    }
    const items = groups.map((g) => el('details', { open: true, 'data-request': g.id },
      el('summary', {}, el('span', { class: 'fn' }, g.fn), ' ', g.head || g.id || ''),
      g.lines.map((l) => el('p', { class: 'line ' + l.stream }, `${when(l.ts_ns)} ${l.text}`))));
    const onFilter = () => {
      const params = new URLSearchParams();
      const f = main.querySelector('[data-keep="function"]').value;
      const r = main.querySelector('[data-keep="request"]').value;
      if (f) params.set('function', f);
      if (r) params.set('request', r);
      history.replaceState(null, '', '#/logs' + (params.toString() ? '?' + params : ''));
      state.params = params;
      redraw();
    };
    preserveInputs(main, () => main.replaceChildren(
      el('h2', {}, 'Logs'),
      el('div', { class: 'toolbar' },
        el('label', {}, 'Function',
          el('select', { 'data-keep': 'function', onchange: onFilter },
            el('option', { value: '' }, 'every function'),
            data.functions.map((name) => el('option', { value: name, selected: name === fn }, name)))),
        el('label', {}, 'Request id',
          el('input', { type: 'search', 'data-keep': 'request', value: rid, onchange: onFilter }))),
      items.length ? el('div', { class: 'logs', 'aria-live': 'polite' }, items)
        : el('p', { class: 'empty' }, 'No log lines yet.')));
    main.querySelector('[data-keep="function"]').value = fn;
  },
};

views.topics = {
  title: 'Topics',
  async load() { return getJson('/topics?detail=1'); },
  draw(main, data) {
    const cards = data.topics.map((t) => {
      const message = el('textarea', { rows: 3, 'data-keep': 'message-' + t.name, 'aria-label': `Message for ${t.name}` }, '{}');
      const subject = el('input', { type: 'text', 'data-keep': 'subject-' + t.name });
      const result = kept('publish-' + t.name, () => el('div', { class: 'result', role: 'status', 'aria-live': 'polite', hidden: true }));
      const publish = async () => {
        result.hidden = false;
        result.textContent = 'Publishing…';
        try {
          const body = { topic: t.arn, message: message.value };
          if (subject.value) body.subject = subject.value;
          if (t.name.endsWith('.fifo')) { body.message_group_id = 'dashboard'; body.message_deduplication_id = String(Date.now()); }
          const out = await postJson('/publish', body);
          result.replaceChildren(`message ${out.message_id} · `,
            el('a', { href: '#/trace/' + encodeURIComponent(out.trace_id) }, 'open its trace'));
        } catch (e) { result.textContent = e.message; }
      };
      const subs = t.subscription_list.map((s) => el('tr', {},
        el('td', {}, s.protocol),
        el('td', { class: 'mono' }, s.endpoint),
        el('td', {}, s.FilterPolicy ? el('pre', { class: 'policy' }, s.FilterPolicy) : el('span', { class: 'muted' }, 'every message')),
        el('td', {}, s.PendingConfirmation === 'true' ? badge('pending', 'running') : badge('confirmed', 'succeeded')),
        el('td', { class: 'outcomes' }, Object.keys(s.deliveries).length
          ? Object.entries(s.deliveries).map(([status, n]) => badge(`${n} ${status}`, outcomeClass(status)))
          : el('span', { class: 'muted' }, 'none'))));
      return el('section', { class: 'card', 'data-topic': t.name, 'aria-label': t.name },
        el('h3', {}, t.name),
        el('p', { class: 'mono muted' }, t.arn),
        table(['Protocol', 'Endpoint', 'Filter policy', 'State', 'Deliveries, last 5 min'], subs, 'No subscriptions.'),
        el('div', { class: 'actions' }, el('a', { href: '#/traces?q=' + encodeURIComponent(t.name) }, 'Deliveries in traces')),
        el('details', { class: 'publish' },
          el('summary', {}, 'Publish a test message…'),
          el('label', {}, 'Message', message),
          el('label', {}, 'Subject (optional)', subject),
          el('div', { class: 'actions' }, el('button', { class: 'primary', type: 'button', onclick: publish }, 'Publish')),
          result));
    });
    const open = new Set([...main.querySelectorAll('details.publish')].filter((d) => d.open).map((d) => d.closest('.card').dataset.topic));
    preserveInputs(main, () => main.replaceChildren(
      el('h2', {}, 'Topics and subscriptions'),
      cards.length ? el('div', { class: 'cards' }, cards) : el('p', { class: 'empty' }, 'No topics yet.')));
    for (const d of main.querySelectorAll('details.publish')) if (open.has(d.closest('.card').dataset.topic)) d.open = true;
  },
};

views.failures = {
  title: 'Failures',
  async load() { return getJson('/failures?limit=200'); },
  draw(main, data) {
    const act = async (button, path, body, done) => {
      button.disabled = true;
      try {
        const out = await postJson(path, body);
        notice(done(out));
        redraw();
      } catch (e) {
        notice(e.message);
        button.disabled = false;
      }
    };
    const functions = [...new Set(data.events.map((e) => e.function))];
    const events = data.events.map((e) => el('tr', { 'data-request': e.request_id },
      el('td', {}, e.function),
      el('td', { class: 'mono' }, e.request_id),
      el('td', {}, badge(e.state)),
      el('td', { class: 'num' }, e.attempts),
      el('td', {}, e.last_error, e.last_error_message ? ': ' + e.last_error_message : ''),
      el('td', { class: 'mono' }, when(e.finished_ns)),
      el('td', {},
        el('div', { class: 'actions' },
          el('a', { href: '#/trace/' + encodeURIComponent(e.trace_id) }, 'trace'),
          el('button', { type: 'button', 'data-replay': e.request_id,
            onclick: (ev) => act(ev.currentTarget, '/replay/invocation', { request_id: e.request_id, async: true },
              (out) => `replayed ${e.request_id} as ${out.request_id}`) }, 'Replay')))));
    const deliveries = data.deliveries.map((d) => el('tr', {},
      el('td', { class: 'mono' }, d.endpoint),
      el('td', { class: 'mono' }, d.message_id),
      el('td', { class: 'num' }, d.attempts),
      el('td', {}, d.reason),
      el('td', { class: 'mono' }, when(d.updated_ns)),
      el('td', {}, el('button', { type: 'button',
        onclick: (ev) => act(ev.currentTarget, '/replay/message', { message_id: d.message_id, subscription: d.subscription_arn },
          (out) => `replayed message ${d.message_id} as ${out.message_id}`) }, 'Replay'))));
    main.replaceChildren(
      el('h2', {}, 'Failures'),
      el('h3', {}, 'Asynchronous events that failed or expired'),
      functions.length ? el('div', { class: 'actions' }, functions.map((fn) => el('button', {
        type: 'button', class: 'primary', 'data-redrive': fn,
        onclick: (ev) => act(ev.currentTarget, '/replay/failed', { function: fn },
          (out) => `redrove ${out.redriven.length} event(s) of ${fn}`),
      }, `Redrive every failed event of ${fn}`))) : null,
      table(['Function', 'Request id', 'State', 'Attempts', 'Last error', 'Ended', ''], events,
        'No failed or expired events (redriven ones leave this list).'),
      el('h3', {}, 'HTTP/S deliveries whose retries ran out'),
      table(['Endpoint', 'Message', 'Attempts', 'Reason', 'Given up', ''], deliveries, 'No failed deliveries.'));
  },
};

// ---- routing and the live loop -------------------------------------------------------------

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  const [name, ...rest] = path.split('/');
  state.view = views[name] && name !== 'trace' ? name : (name === 'trace' && rest.length ? 'trace' : 'traces');
  state.arg = rest.map(decodeURIComponent).join('/');
  state.params = new URLSearchParams(query || '');
  for (const link of document.querySelectorAll('nav a')) {
    const current = link.dataset.view === state.view || (state.view === 'trace' && link.dataset.view === 'traces');
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  document.title = `${views[state.view].title} · offstage`;
  const main = document.getElementById('main');
  main.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  redraw();
}

async function redraw() {
  if (state.redrawing) { state.again = true; return; }
  state.redrawing = true;
  const name = state.view;
  const main = document.getElementById('main');
  try {
    const data = await views[name].load(state.arg);
    if (name === state.view) views[name].draw(main, data);
  } catch (e) {
    if (name === state.view) main.replaceChildren(el('p', { class: 'empty', role: 'alert' }, e.message));
  } finally {
    state.redrawing = false;
    if (state.again) { state.again = false; redraw(); }
  }
}

async function live() {
  const status = document.getElementById('live');
  for (;;) {
    try {
      const out = await getJson(`/changes?since=${state.version}&wait_ms=20000`);
      status.textContent = 'live';
      status.className = 'live on';
      if (out.version !== state.version) {
        const first = state.version === 0;
        state.version = out.version;
        if (!first) redraw();
        // At most a few redraws a second under a burst of writes.
        await new Promise((resolve) => setTimeout(resolve, 250));
      } else if (out.busy) {
        // Too many pages wait on the daemon already: ask again in a while instead.
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    } catch (e) {
      status.textContent = 'disconnected: retrying';
      status.className = 'live off';
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', () => {
  route();
  live();
});
