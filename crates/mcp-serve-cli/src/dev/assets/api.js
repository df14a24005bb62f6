// Talking to the inspector's API. The per-run token comes in the URL
// fragment (#token=…, never sent to any server by the browser) and goes out
// in a header on every API call; it is kept in sessionStorage so a reload
// of this tab still works.

const KEY = 'mcp-serve-inspector-token';

export const token = (() => {
  const m = location.hash.match(/token=([0-9a-fA-F]+)/);
  if (m) {
    sessionStorage.setItem(KEY, m[1]);
    return m[1];
  }
  return sessionStorage.getItem(KEY) || '';
})();

/** Calls the API; always resolves to the JSON body ({ok, result, error} for server requests). */
export async function api(method, path, body) {
  const headers = { 'X-Inspector-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    return { ok: false, error: { kind: 'network', message: `the inspector is not reachable (${e.message}); is mcp-serve dev still running?` } };
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    return { ok: false, status: res.status, error: { kind: 'auth', message: text } };
  }
  try {
    const data = JSON.parse(text);
    if (data && typeof data === 'object') data.status = res.status;
    return data;
  } catch {
    return { ok: false, status: res.status, error: { kind: 'http', message: text || res.statusText } };
  }
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});
export const put = (path, body) => api('PUT', path, body);

/** A fresh id for a call the page starts (its progress token and cancel handle). */
export function newCallId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return 'ui-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Follows the event stream (newline-delimited JSON; EventSource cannot send
 * the token header) and reconnects when it drops.
 */
export function streamEvents(onEvent, onConnection) {
  let stopped = false;
  (async () => {
    while (!stopped) {
      try {
        const res = await fetch('/api/events', { headers: { 'X-Inspector-Token': token } });
        if (res.status === 401 || res.status === 403) {
          onConnection('unauthorized', await res.text());
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onConnection('open');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.trim()) continue;
            try {
              onEvent(JSON.parse(line));
            } catch (e) {
              console.error('bad event', e, line);
            }
          }
        }
      } catch (e) {
        console.warn('event stream', e);
      }
      onConnection('closed');
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return () => { stopped = true; };
}
