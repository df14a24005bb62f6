// A request the user starts from the page (a tool call, a resource read, a
// prompt get): Run and Cancel buttons, a live progress bar fed by
// notifications/progress (the call id is the progress token), the log
// messages that arrive while it runs, then the rendered result.

import { h, clock } from './dom.js';
import { post, newCallId } from './api.js';
import { errorBox } from './render.js';

const running = new Map(); // callId -> runner
// Progress and logs travel on the event stream, the result on the request's
// own response, so the last updates can arrive just after the result: a
// finished call keeps listening this long.
const LINGER_MS = 1500;

/** Routes a progress event to the runner whose call it belongs to. */
export function routeProgress(ev) {
  running.get(String(ev.callId))?.progress(ev);
}

/** Log messages carry no request id: every running call shows them. */
export function routeLog(line) {
  for (const r of new Set(running.values())) r.log(line);
}


/**
 * `start(callId)` sends the request and resolves to the API's answer;
 * `render(result, ms)` draws a success. `collect()` may return null to stop
 * (e.g. the form has errors).
 */
export function createRunner({ label = 'Run', start, render, collect = () => ({}) }) {
  const runBtn = h('button', { class: 'btn primary', type: 'button', 'data-testid': 'run' }, label);
  const cancelBtn = h('button', { class: 'btn danger-ghost', type: 'button', hidden: true, 'data-testid': 'cancel' }, 'Cancel');
  const status = h('span', { class: 'run-status muted', 'data-testid': 'run-status' });
  const bar = h('div', { class: 'bar' });
  const progressText = h('span', { class: 'progress-text' });
  const progress = h('div', { class: 'progress', hidden: true, 'data-testid': 'progress' }, h('div', { class: 'track' }, bar), progressText);
  const logs = h('ul', { class: 'call-logs', hidden: true, 'data-testid': 'call-logs' });
  const output = h('div', { class: 'run-output' });
  const el = h('div', { class: 'runner' }, h('div', { class: 'run-actions' }, runBtn, cancelBtn, status), progress, logs, output);

  let callId = null;
  let lastCallId = null; // the call whose late updates are still welcome
  let timer = null;
  const me = {
    el,
    progress(ev) {
      if (String(ev.callId) !== (callId ?? lastCallId)) return;
      progress.hidden = false;
      const p = Number(ev.progress);
      const total = Number(ev.total);
      if (Number.isFinite(total) && total > 0) {
        bar.classList.remove('indeterminate');
        bar.style.width = `${Math.max(0, Math.min(100, (p / total) * 100))}%`;
        progressText.textContent = `${ev.message ? `${ev.message} · ` : ''}${p} / ${total}`;
      } else {
        bar.classList.add('indeterminate');
        bar.style.width = '';
        progressText.textContent = `${ev.message ? `${ev.message} · ` : ''}${Number.isFinite(p) ? p : ''}`;
      }
    },
    log(line) {
      logs.hidden = false;
      const data = typeof line.data === 'string' ? line.data : JSON.stringify(line.data);
      logs.append(h('li', { class: `log-line level-${line.level}`, 'data-testid': 'call-log' },
        h('span', { class: 'log-time' }, clock(line.ts)),
        h('span', { class: 'log-level' }, line.level),
        line.logger ? h('span', { class: 'log-logger' }, line.logger) : null,
        h('span', { class: 'log-data' }, data)));
      logs.scrollTop = logs.scrollHeight;
    },
    async run() {
      if (callId) return;
      const input = collect();
      if (input == null) return;
      callId = newCallId();
      lastCallId = callId;
      running.set(callId, me);
      const started = performance.now();
      runBtn.disabled = true;
      cancelBtn.hidden = false;
      progress.hidden = true;
      bar.style.width = '0%';
      progressText.textContent = '';
      logs.replaceChildren();
      logs.hidden = true;
      output.replaceChildren();
      el.classList.add('is-running');
      status.textContent = 'running…';
      timer = setInterval(() => { status.textContent = `running… ${((performance.now() - started) / 1000).toFixed(1)} s`; }, 200);
      let r;
      try {
        r = await start(callId, input);
      } finally {
        clearInterval(timer);
        const done = callId;
        setTimeout(() => { if (running.get(done) === me) running.delete(done); }, LINGER_MS);
        callId = null;
        runBtn.disabled = false;
        cancelBtn.hidden = true;
        el.classList.remove('is-running');
      }
      status.textContent = r.ok ? `done in ${r.ms} ms` : r.error?.kind === 'cancelled' ? 'cancelled' : 'failed';
      output.replaceChildren(r.ok ? render(r.result, r.ms) : errorBox(r.error, r.error?.kind === 'rpc' ? 'The server returned an error' : 'Request failed'));
    },
  };
  runBtn.addEventListener('click', () => me.run());
  cancelBtn.addEventListener('click', async () => {
    if (!callId) return;
    cancelBtn.disabled = true;
    await post(`/api/calls/${encodeURIComponent(callId)}/cancel`);
    cancelBtn.disabled = false;
  });
  return me;
}
