// Proves that the official Bot Framework Web Chat 4.18 bundle (dist/webchat.js), unmodified and running in
// Chromium on another origin, works with SafetyBot's Direct Line 3.0 endpoint: connects (CORS), shows the
// welcome and its suggested actions, marks a typed message "sent" (the echo), shows the bot's reply, and
// answers a suggested-action (messageBack) click.
//
// usage: node webchat-check.mjs <baseUrl>      (e.g. http://127.0.0.1:5182)
// prints one JSON line: {"ok":true,"checks":[...]} (exit 0) or {"ok":false,"failed":"<check>","detail":"..."} (exit 1)
// env: CHROMIUM=/path/to/chromium (default /usr/bin/chromium), WEBCHAT_LOCALE (default en-US),
//      WEBCHAT_WEBSOCKET=0 (Web Chat in polling mode), WEBCHAT_TYPING=1 (sendTypingIndicator: true),
//      WEBCHAT_STRICT=1 (also checks a messageBack without text and an event, which need echoes the default
//      flow does not), CHECK_DEBUG=1 (print what the browser saw to stderr)

import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckFailure, Report, baseUrlFromArgs, decodeJwt, fetchWidgetToken, waitFor } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = baseUrlFromArgs('webchat-check.mjs');
const serverOrigin = new URL(baseUrl).origin;
const domain = `${baseUrl}/v3/directline`;
const locale = process.env.WEBCHAT_LOCALE || 'en-US';
const webSocket = process.env.WEBCHAT_WEBSOCKET !== '0';
const sendTyping = process.env.WEBCHAT_TYPING === '1';
const strict = process.env.WEBCHAT_STRICT === '1';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
// Web Chat sends its locale on every activity and SafetyBot picks helplines by the locale's region:
// en-US gets the United States list (911); a locale without a region (or an EU one) gets the EU list (112).
const expectedEmergency = /-US$/i.test(locale) ? '911' : '112';
// With a region in the locale SafetyBot asks to confirm that country (answered "Yes"); without one it asks
// which country (answered "Another country", the EU list).
const regionInLocale = /[-_][A-Za-z]{2}$/.test(locale);
// SafetyBot's English texts, as shipped.
const en = JSON.parse(readFileSync(join(here, '..', '..', 'localization', 'en.json'), 'utf8'));

/** Matches a button whose whole text is `text` ("Yes" but not "Yes, it's safe"). */
const exactly = (text) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

const pageHtml = readFileSync(join(here, 'webchat-page.html'));
const bundlePath = join(here, 'node_modules', 'botframework-webchat', 'dist', 'webchat.js');

/** Serves the test page and the Web Chat bundle on 127.0.0.1:<random port> (a different origin from SafetyBot). */
function startStaticServer() {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    if (path === '/' || path === '/webchat-page.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(pageHtml);
    } else if (path === '/webchat.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      createReadStream(bundlePath)
        .on('error', (error) => res.destroy(error))
        .pipe(res);
    } else if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The CORS preflight a browser sends before Web Chat's first POST (rxjs ajax adds X-Requested-With). */
async function checkPreflight(pageOrigin) {
  const check = 'CORS preflight';
  const requestHeaders = 'authorization,content-type,x-ms-bot-agent,x-requested-with';
  const url = `${domain}/conversations`;
  const response = await fetch(url, {
    method: 'OPTIONS',
    headers: { Origin: pageOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': requestHeaders },
  });
  const allowOrigin = response.headers.get('access-control-allow-origin');
  const allowHeaders = (response.headers.get('access-control-allow-headers') || '').toLowerCase();
  const allowMethods = (response.headers.get('access-control-allow-methods') || '').toUpperCase();
  const evidence = `OPTIONS ${url} Origin: ${pageOrigin}, Access-Control-Request-Method: POST, Access-Control-Request-Headers: ${requestHeaders} -> ${response.status}; allow-origin=${allowOrigin} allow-headers=${allowHeaders} allow-methods=${allowMethods}`;
  if (response.status >= 300) throw new CheckFailure(check, evidence);
  if (allowOrigin !== '*' && allowOrigin !== pageOrigin) throw new CheckFailure(check, evidence);
  const missing = requestHeaders.split(',').filter((h) => !allowHeaders.split(/\s*,\s*/).includes(h) && allowHeaders !== '*');
  if (missing.length) throw new CheckFailure(check, `missing allowed headers ${missing.join(', ')}: ${evidence}`);
  if (!allowMethods.includes('POST') && allowMethods !== '*') throw new CheckFailure(check, evidence);
}

const report = new Report();
let browser;
let staticServer;
const consoleErrors = [];
const failedRequests = [];
const badResponses = [];
const sockets = [];

function evidence() {
  const parts = [];
  if (consoleErrors.length) parts.push(`console errors: ${consoleErrors.slice(-5).join(' || ')}`);
  if (failedRequests.length) parts.push(`failed requests: ${failedRequests.slice(-5).join(' || ')}`);
  if (badResponses.length) parts.push(`error responses: ${badResponses.slice(-5).join(' || ')}`);
  return parts.join('; ');
}

const watchdog = setTimeout(async () => {
  report.fail(new CheckFailure('overall timeout', `did not finish within 60 s; passed so far: ${report.passed.join(', ')}; ${evidence()}`));
  try {
    await browser?.close();
  } catch {
    // ignore
  }
  process.exit(1);
}, 60000);

async function main() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new CheckFailure('setup', `cannot load playwright-core from tests/node/node_modules: ${error.message}`);
  }
  if (!existsSync(bundlePath)) throw new CheckFailure('setup', `${bundlePath} is missing`);
  staticServer = await startStaticServer();
  const pageOrigin = `http://127.0.0.1:${staticServer.address().port}`;
  if (pageOrigin === serverOrigin) throw new CheckFailure('setup', 'the page must be on a different origin from SafetyBot');

  await report.check('CORS preflight', () => checkPreflight(pageOrigin));

  const issued = await report.check('widget token', () => fetchWidgetToken(baseUrl));
  const userId = decodeJwt(issued.token).user;

  browser = await report.check('launch chromium', () =>
    chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }),
  );
  const context = await browser.newContext({ locale });
  const page = await context.newPage();

  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location()?.url ? ` @ ${message.location().url.replace(/token=[^&]+/, 'token=<token>')}` : '';
      consoleErrors.push(`${message.text()}${where}`);
    }
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => {
    failedRequests.push(`${request.method()} ${request.url().replace(/t=[^&]+/, 't=<token>')}: ${request.failure()?.errorText}`);
  });
  page.on('response', async (response) => {
    if (response.url().startsWith(serverOrigin) && response.status() >= 400) {
      let body = '';
      try {
        body = (await response.text()).slice(0, 300);
      } catch {
        // ignore
      }
      badResponses.push(`${response.request().method()} ${response.url()} -> ${response.status()} ${body}`);
    }
  });
  page.on('websocket', (ws) => {
    const entry = { url: ws.url().replace(/t=[^&]+/, 't=<token>'), frames: 0, closed: false, error: undefined };
    sockets.push(entry);
    ws.on('framereceived', () => entry.frames++);
    ws.on('close', () => {
      entry.closed = true;
    });
    ws.on('socketerror', (e) => {
      entry.error = String(e);
    });
  });

  const query = new URLSearchParams({ token: issued.token, domain, locale, webSocket: webSocket ? '1' : '0', typing: sendTyping ? '1' : '0' });
  await report.check('page loads Web Chat', async () => {
    const response = await page.goto(`${pageOrigin}/?${query}`, { waitUntil: 'load', timeout: WAIT });
    if (!response || response.status() !== 200) throw new CheckFailure('page loads Web Chat', `page status ${response?.status()}`);
    await page.waitForFunction(() => window.__rendered === true, null, { timeout: WAIT });
  });

  const state = () =>
    page.evaluate(() => ({
      actions: window.__actions,
      statuses: window.__statuses,
      errors: window.__errors,
      activities: window.__store.getState().activities.map((a) => ({
        id: a.id,
        type: a.type,
        text: a.text,
        value: a.value,
        from: a.from,
        clientActivityID: a.channelData?.clientActivityID,
        sendStatus: a.channelData?.['webchat:send-status'],
        state: a.channelData?.state,
      })),
      bodyText: document.body.innerText,
    }));
  const describeState = async () => {
    try {
      const s = await state();
      return `statuses=${JSON.stringify(s.statuses)} actions=${s.actions.map((a) => a.type).join(',')} activities=${JSON.stringify(
        s.activities.map((a) => ({ id: a.id, role: a.from?.role, text: a.text?.slice(0, 40), cid: a.clientActivityID, send: a.sendStatus })),
      )} pageErrors=${JSON.stringify(s.errors)} ${evidence()}`;
    } catch (error) {
      return `(page state unavailable: ${error.message}) ${evidence()}`;
    }
  };
  const failWith = async (check, what) => new CheckFailure(check, `${what}; ${await describeState()}`);
  const slowText = /taking longer than usual to connect/i;

  // 1. connects and shows the welcome
  await report.check('welcome rendered', async () => {
    try {
      await page.getByText('it is not your fault', { exact: false }).first().waitFor({ state: 'visible', timeout: 20000 });
    } catch {
      const body = await page.evaluate(() => document.body.innerText).catch(() => '');
      const slow = slowText.test(body) ? ' (Web Chat shows "Taking longer than usual to connect.")' : '';
      const cors = consoleErrors.some((e) => /CORS|Access-Control/i.test(e));
      throw await failWith(cors ? 'no CORS errors' : 'welcome rendered', `welcome text "it is not your fault" not rendered${slow}`);
    }
  });
  await report.check('connected (no slow-connection notice)', async () => {
    const s = await state();
    const types = s.actions.map((a) => a.type);
    if (!types.includes('DIRECT_LINE/CONNECT_FULFILLED') || types.includes('DIRECT_LINE/CONNECT_REJECTED')) {
      throw await failWith('connected (no slow-connection notice)', 'Web Chat did not reach DIRECT_LINE/CONNECT_FULFILLED');
    }
    if (slowText.test(s.bodyText)) throw await failWith('connected (no slow-connection notice)', 'Web Chat shows "Taking longer than usual to connect."');
    if (webSocket && !sockets.some((w) => w.url.startsWith(serverOrigin.replace(/^http/, 'ws')) && w.url.includes('/stream'))) {
      throw await failWith('connected (no slow-connection notice)', `Web Chat opened no WebSocket stream to SafetyBot; sockets=${JSON.stringify(sockets)}`);
    }
  });

  // 2. suggested actions: the welcome ends by asking whether it is safe to talk right now
  const buttons = page.locator('.webchat__suggested-actions button');
  await report.check('suggested actions rendered', async () => {
    try {
      await page.getByText(en['welcome.safe_now'], { exact: false }).first().waitFor({ state: 'visible', timeout: WAIT });
      await buttons.filter({ hasText: en['welcome.safe_yes'] }).first().waitFor({ state: 'visible', timeout: WAIT });
    } catch {
      throw await failWith('suggested actions rendered', `the safety question "${en['welcome.safe_now']}" with its button "${en['welcome.safe_yes']}" was not rendered`);
    }
    const titles = (await buttons.allInnerTexts()).map((t) => t.trim());
    for (const expected of [en['welcome.safe_yes'], en['welcome.safe_no'], 'Talk to a person', 'Helplines', 'Leave now']) {
      if (!titles.includes(expected)) throw await failWith('suggested actions rendered', `button "${expected}" missing; buttons=${JSON.stringify(titles)}`);
    }
  });

  // "Yes, it's safe" (a messageBack click) brings the main menu
  await report.check('safe to talk: yes shows the menu', async () => {
    await buttons.filter({ hasText: en['welcome.safe_yes'] }).first().click();
    await waitSent('safe to talk: yes shows the menu', (a) => a.value?.action === 'answer' && a.value?.argument === 'welcome-safe_now-yes', `the "${en['welcome.safe_yes']}" messageBack`);
    await waitFor('safe to talk: yes shows the menu', async () => (await state()).activities.some((a) => a.from?.role === 'bot' && a.text === en['menu.prompt']), {
      timeoutMs: WAIT,
      intervalMs: 100,
      describe: () => `no bot reply "${en['menu.prompt']}"`,
    }).catch(async (error) => {
      throw await failWith('safe to talk: yes shows the menu', error.detail);
    });
    try {
      await page.getByText(en['menu.prompt'], { exact: false }).first().waitFor({ state: 'visible', timeout: WAIT });
      await buttons.filter({ hasText: en['menu.selfcheck'] }).first().waitFor({ state: 'visible', timeout: WAIT });
    } catch {
      throw await failWith('safe to talk: yes shows the menu', `the menu "${en['menu.prompt']}" with its button "${en['menu.selfcheck']}" was not rendered`);
    }
  });

  const helplineReplies = async () => (await state()).activities.filter((a) => a.from?.role === 'bot' && /Helplines in the /.test(a.text ?? ''));
  const renderedReplies = () => page.getByText(/Helplines in the /).count();

  /** Waits until the user's activity (found by `match`) is marked sent by Web Chat, i.e. the echo came back. */
  async function waitSent(check, match, what) {
    let last;
    await waitFor(
      check,
      async () => {
        const s = await state();
        last = s.activities.filter((a) => a.from?.role === 'user').find(match);
        if (last?.sendStatus === 'send failed' || last?.state === 'send failed') {
          throw await failWith(check, `Web Chat marked ${what} "send failed"`);
        }
        return last?.sendStatus === 'sent' && last.id;
      },
      { timeoutMs: WAIT, intervalMs: 100, describe: () => `${what} never marked "sent" (last seen ${JSON.stringify(last)}); ${evidence()}` },
    ).catch(async (error) => {
      if (error instanceof CheckFailure && !error.detail.includes('activities=')) throw await failWith(check, error.detail);
      throw error;
    });
    if (last.from?.id !== userId) throw await failWith(check, `${what} has from.id=${last.from?.id}, the token's user claim is ${userId}`);
    return last;
  }

  async function waitReplies(check, count) {
    await waitFor(check, async () => (await helplineReplies()).length >= count && (await renderedReplies()) >= count, {
      timeoutMs: WAIT,
      intervalMs: 100,
      describe: () => `expected ${count} rendered bot replies with "Helplines in the"`,
    }).catch(async (error) => {
      throw await failWith(check, error.detail);
    });
    const reply = (await helplineReplies())[count - 1];
    if (!reply.text.includes(expectedEmergency)) {
      throw await failWith(check, `reply lacks the emergency number ${expectedEmergency} expected for locale ${locale}: ${reply.text}`);
    }
    return reply;
  }

  // 3. typed message: shown as sent (echo with the same clientActivityID), then the bot's reply
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await report.check('typed message sent', async () => {
    await input.waitFor({ state: 'visible', timeout: WAIT });
    await input.click();
    await input.fill('Helplines');
    await input.press('Enter');
    const sent = await waitSent('typed message sent', (a) => a.text === 'Helplines' && a.value === undefined, 'the typed "Helplines" message');
    const body = await page.evaluate(() => document.body.innerText);
    if (/Send failed/i.test(body)) throw await failWith('typed message sent', 'the transcript shows "Send failed"');
    const bubble = page.locator('.webchat__basic-transcript .webchat__bubble--from-user', { hasText: 'Helplines' });
    if ((await bubble.count()) !== 1) throw await failWith('typed message sent', `expected 1 user bubble "Helplines" in the transcript, found ${await bubble.count()}`);
    return sent;
  });
  // SafetyBot first settles the country the helplines are for.
  const confirmStart = en['helplines.confirm_country'].split('{place}')[0];
  const isCountryQuestion = (a) =>
    a.from?.role === 'bot' && (regionInLocale ? (a.text ?? '').startsWith(confirmStart) : a.text === en['helplines.ask_country']);
  const firstReply = await report.check('bot reply to typed message', async () => {
    let question;
    await waitFor('bot reply to typed message', async () => (question = (await state()).activities.find(isCountryQuestion)), {
      timeoutMs: WAIT,
      intervalMs: 100,
      describe: () => `no bot reply asking for the country (${regionInLocale ? `"${confirmStart}…"` : `"${en['helplines.ask_country']}"`})`,
    }).catch(async (error) => {
      throw await failWith('bot reply to typed message', error.detail);
    });
    return question;
  });
  await report.check('echo before reply', async () => {
    const s = await state();
    const iEcho = s.activities.findIndex((a) => a.from?.role === 'user' && a.text === 'Helplines' && a.sendStatus === 'sent');
    const iReply = s.activities.findIndex((a) => a.id === firstReply.id);
    if (!(iEcho >= 0 && iEcho < iReply)) throw await failWith('echo before reply', `echo at #${iEcho}, reply at #${iReply}`);
    const incoming = s.actions.filter((a) => a.type === 'DIRECT_LINE/INCOMING_ACTIVITY').map((a) => a.activity?.id);
    if (!(incoming.indexOf(s.activities[iEcho].id) < incoming.indexOf(firstReply.id))) {
      throw await failWith('echo before reply', `the reply ${firstReply.id} came in before the echo ${s.activities[iEcho].id}`);
    }
  });

  await report.check('country answered gets the helplines', async () => {
    const answer = regionInLocale ? en['answer.yes'] : en['helplines.other_country'];
    const button = buttons.filter({ hasText: exactly(answer) }).first();
    try {
      await button.waitFor({ state: 'visible', timeout: WAIT });
    } catch {
      throw await failWith('country answered gets the helplines', `no suggested-action button "${answer}" on the country question`);
    }
    await button.click();
    await waitSent('country answered gets the helplines', (a) => a.value?.action === 'answer' && /^helplines-/.test(a.value?.argument ?? ''), `the "${answer}" messageBack`);
    await waitReplies('country answered gets the helplines', 1);
  });

  // 4. suggested action (messageBack) click
  await report.check('suggested action click gets a reply', async () => {
    const helplines = buttons.filter({ hasText: 'Helplines' }).last();
    await helplines.waitFor({ state: 'visible', timeout: WAIT });
    await helplines.click();
    await waitSent('suggested action click gets a reply', (a) => a.value?.action === 'helplines', 'the "Helplines" messageBack');
    await waitReplies('suggested action click gets a reply', 2);
    const bubbles = page.locator('.webchat__basic-transcript .webchat__bubble--from-user', { hasText: 'Helplines' });
    if ((await bubbles.count()) !== 2) throw await failWith('suggested action click gets a reply', `expected 2 user bubbles "Helplines", found ${await bubbles.count()}`);
  });

  // Opt-in (WEBCHAT_STRICT=1): Web Chat features beyond the default widget flow that need more echoes.
  if (strict) {
    await report.check('strict: messageBack without text stays shown', async () => {
      const displayText = 'Show me the helplines';
      await page.evaluate((d) => window.__store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE_BACK', payload: { value: { action: 'helplines' }, displayText: d } }), displayText);
      await waitSent('strict: messageBack without text stays shown', (a) => a.value?.action === 'helplines' && a.text === undefined, 'a messageBack with only displayText');
      await waitReplies('strict: messageBack without text stays shown', 3);
      // The live region (for screen readers) keeps a copy of the text; look only at the visible transcript bubbles.
      const bubble = page.locator('.webchat__basic-transcript .webchat__bubble--from-user', { hasText: displayText });
      if ((await bubble.count()) === 0) {
        throw await failWith('strict: messageBack without text stays shown', `the user's bubble "${displayText}" disappeared when the echo replaced it (echo lacks channelData.messageBack.displayText)`);
      }
    });
    await report.check('strict: event is echoed (WEB_CHAT/SEND_EVENT)', async () => {
      await page.evaluate(() => window.__store.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: {} } }));
      await waitFor('strict: event is echoed (WEB_CHAT/SEND_EVENT)', async () => (await state()).activities.some((a) => a.type === 'event' && a.sendStatus === 'sent'), {
        timeoutMs: 5000,
        intervalMs: 100,
        describe: () => 'the event was never marked "sent" (no echo with its clientActivityID): Web Chat dispatches POST_ACTIVITY_IMPEDED after 20 s and POST_ACTIVITY_REJECTED with a console error after 5 min',
      }).catch(async (error) => {
        throw await failWith('strict: event is echoed (WEB_CHAT/SEND_EVENT)', error.detail);
      });
    });
  }

  // 5. no slow-connection notice, no CORS or other browser errors from talking to SafetyBot
  await report.check('no slow-connection notice', async () => {
    const s = await state();
    if (slowText.test(s.bodyText)) throw await failWith('no slow-connection notice', 'Web Chat shows "Taking longer than usual to connect."');
    const transcript = await page.locator('.webchat__basic-transcript').innerText();
    if (/Send failed|Sending/i.test(transcript)) throw await failWith('no slow-connection notice', `the transcript shows a send status: ${transcript.match(/.*(Send failed|Sending).*/i)?.[0]}`);
    const last = s.statuses.at(-1);
    if (last !== 2) throw await failWith('no slow-connection notice', `DirectLine connectionStatus is ${last}, expected 2 (Online)`);
  });
  await report.check('no CORS errors', async () => {
    const cors = consoleErrors.filter((e) => /CORS|Access-Control|cross-origin/i.test(e));
    if (cors.length) throw new CheckFailure('no CORS errors', cors.join(' || '));
  });
  await report.check('no failed requests to SafetyBot', async () => {
    const mine = failedRequests.filter((e) => e.includes(serverOrigin) || e.includes(serverOrigin.replace(/^http/, 'ws')));
    if (mine.length || badResponses.length) throw new CheckFailure('no failed requests to SafetyBot', evidence());
    const pageErrors = (await state()).errors;
    const serverErrors = consoleErrors.filter((e) => e.includes(new URL(baseUrl).host));
    if (serverErrors.length || pageErrors.length) throw new CheckFailure('no failed requests to SafetyBot', `${JSON.stringify(pageErrors)} ${evidence()}`);
  });

  if (process.env.CHECK_DEBUG) {
    const s = await state();
    process.stderr.write(`${JSON.stringify({ consoleErrors, failedRequests, badResponses, sockets, statuses: s.statuses, activities: s.activities.map((a) => ({ ...a, text: a.text?.slice(0, 200) })) }, null, 1)}\n`);
  }
  await context.close();
}

try {
  await main();
  report.succeed();
  process.exitCode = 0;
} catch (error) {
  report.fail(error);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  try {
    await browser?.close();
  } catch {
    // ignore
  }
  staticServer?.close();
  staticServer?.closeAllConnections?.();
}
process.exit(process.exitCode);
