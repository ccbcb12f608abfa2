// Shared helpers for the Direct Line client checks and the Chromium checks of the widget and the staff console.
// Each script prints exactly one JSON line: {"ok":true,"checks":[...]} or {"ok":false,"failed":"<check>","detail":"..."}.

/** A failed assertion: `check` names the check, `detail` says what was expected and what happened. */
export class CheckFailure extends Error {
  constructor(check, detail) {
    super(`${check}: ${detail}`);
    this.check = check;
    this.detail = detail;
  }
}

/** Collects passed checks and prints the single result line. */
export class Report {
  constructor() {
    this.passed = [];
    this.finished = false;
  }

  pass(name) {
    this.passed.push(name);
  }

  /** Runs `fn`; on a thrown error fails the script under `name` (or the CheckFailure's own name). */
  async check(name, fn) {
    try {
      const result = await fn();
      this.pass(name);
      return result;
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      throw new CheckFailure(name, describeError(error));
    }
  }

  succeed() {
    if (this.finished) return;
    this.finished = true;
    process.stdout.write(JSON.stringify({ ok: true, checks: this.passed }) + '\n');
  }

  fail(error) {
    if (this.finished) return;
    this.finished = true;
    const failed = error instanceof CheckFailure ? error.check : 'unexpected';
    const detail = error instanceof CheckFailure ? error.detail : describeError(error);
    process.stdout.write(JSON.stringify({ ok: false, failed, detail }) + '\n');
  }
}

export function describeError(error) {
  if (error === undefined || error === null) return String(error);
  if (error instanceof Error) {
    const extra = ['status', 'code', 'url']
      .filter((k) => error[k] !== undefined)
      .map((k) => `${k}=${error[k]}`)
      .join(' ');
    const cause = error.cause ? `; cause: ${error.cause.code ?? ''} ${error.cause.message ?? error.cause}`.trimEnd() : '';
    return `${error.name}: ${error.message}${extra ? ` (${extra})` : ''}${cause}`;
  }
  if (typeof error === 'object') {
    // rxjs AjaxError and friends
    const parts = [];
    if (error.status !== undefined) parts.push(`status=${error.status}`);
    if (error.message) parts.push(error.message);
    if (error.request?.url) parts.push(`url=${error.request.method} ${error.request.url}`);
    if (error.xhr?.responseText) parts.push(`body=${String(error.xhr.responseText).slice(0, 300)}`);
    if (parts.length) return parts.join(' ');
    try {
      return JSON.stringify(error).slice(0, 500);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/** `node script.mjs <baseUrl>`: the SafetyBot base URL without a trailing slash. */
export function baseUrlFromArgs(scriptName) {
  const arg = process.argv[2];
  if (!arg || !/^https?:\/\//i.test(arg)) {
    process.stdout.write(JSON.stringify({ ok: false, failed: 'usage', detail: `usage: node ${scriptName} <baseUrl> (e.g. http://127.0.0.1:5182)` }) + '\n');
    process.exit(1);
  }
  return arg.replace(/\/+$/, '');
}

/** Decodes a JWT's payload without checking it (the client does the same with jwt-decode). */
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${String(token).slice(0, 40)}…`);
  return JSON.parse(Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

/** Checks the {conversationId, token, expires_in} shape shared by the token endpoints. */
export function assertTokenShape(check, body, where) {
  if (!body || typeof body !== 'object') throw new CheckFailure(check, `${where} returned ${JSON.stringify(body)}`);
  const problems = [];
  if (typeof body.conversationId !== 'string' || !body.conversationId) problems.push('conversationId missing');
  if (typeof body.token !== 'string' || !body.token) problems.push('token missing');
  if (typeof body.expires_in !== 'number' || !(body.expires_in > 0)) problems.push('expires_in missing or not a positive number');
  if (problems.length) throw new CheckFailure(check, `${where}: ${problems.join(', ')}; body=${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** POST /api/webchat/token (the anonymous widget token); on 429 waits Retry-After once if it fits in `maxWaitMs`. */
export async function fetchWidgetToken(baseUrl, { locale = 'en', maxWaitMs = 15000 } = {}) {
  const url = `${baseUrl}/api/webchat/token`;
  const started = Date.now();
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ locale }),
    });
    const text = await response.text();
    if (response.status === 429) {
      const wait = Number(response.headers.get('retry-after') || '10') * 1000;
      if (Date.now() - started + wait <= maxWaitMs) {
        await sleep(wait);
        continue;
      }
    }
    if (response.status !== 200) {
      throw new CheckFailure('token', `POST ${url} {"locale":"${locale}"} -> ${response.status} ${text.slice(0, 300)}`);
    }
    return assertTokenShape('token', JSON.parse(text), `POST ${url}`);
  }
}

/** POST /v3/directline/tokens/refresh with the token as bearer. Returns {status, body, text}. */
export async function refreshTokenRest(baseUrl, token) {
  const response = await fetch(`${baseUrl}/v3/directline/tokens/refresh`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` (sync or async) until it returns a truthy value or `timeoutMs` passes; then throws CheckFailure(check, describe()). */
export async function waitFor(check, predicate, { timeoutMs = 10000, intervalMs = 50, describe = () => 'timed out' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() >= deadline) {
      throw new CheckFailure(check, `timed out after ${timeoutMs} ms: ${typeof describe === 'function' ? describe() : describe}`);
    }
    await sleep(intervalMs);
  }
}

/** Short, log-friendly view of an activity. */
export function brief(activity) {
  if (!activity) return String(activity);
  const text = typeof activity.text === 'string' ? activity.text.replace(/\s+/g, ' ').slice(0, 60) : undefined;
  return JSON.stringify({
    id: activity.id,
    type: activity.type,
    role: activity.from?.role,
    from: activity.from?.id,
    text,
    value: activity.value,
    cid: activity.channelData?.clientActivityID,
  });
}

/** Throws a CheckFailure named `check` unless `condition` holds; `detail` may be a function, called only on failure. */
export function assert(check, condition, detail) {
  if (!condition) throw new CheckFailure(check, typeof detail === 'function' ? detail() : detail);
}

/**
 * The end of a Chromium check: a watchdog that fails the run after `timeoutMs`, and `finish(error?)`, which prints
 * the result line once, closes the browser handed to `track` (waiting at most 5 s) and exits 0 or 1.
 */
export function browserRun(report, what, timeoutMs) {
  let browser;
  const watchdog = setTimeout(() => finish(new CheckFailure('timeout', `${what} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
  function finish(error) {
    clearTimeout(watchdog);
    if (error) report.fail(error);
    else report.succeed();
    const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
    Promise.race([closing, sleep(5000)]).then(() => process.exit(error ? 1 : 0));
  }
  return {
    finish,
    track(launched) {
      browser = launched;
      return launched;
    },
  };
}

/** Debian's Chromium (or CHROMIUM_PATH), headless, without the background traffic a check does not want. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
