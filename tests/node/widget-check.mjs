// Checks SafetyBot's own web chat widget (embed.js + /chat) in Debian's Chromium.
// Usage: node tests/node/widget-check.mjs <baseUrl>
// Prints one JSON line: {"ok":true,"checks":[...]} (exit 0) or {"ok":false,"failed":"<check>","detail":"..."} (exit 1).
// No real network is used: every request that is not to <baseUrl> is answered locally or aborted.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { CheckFailure, Report, assert, baseUrlFromArgs, browserRun, describeError, launchChromium, sleep, waitFor } from './lib/common.mjs';

const base = baseUrlFromArgs('widget-check.mjs');
const report = new Report();
// Pages of "another site" that embeds the widget, served from a second loopback origin (a page answered by
// page.route would count as a public address, and Chromium then blocks its requests to the loopback host).
const hostPages = new Map();
let HOST_PAGES;
const SECRET = 'pineapple-7f3k secret words';
// SafetyBot's texts, as shipped.
const shipped = (language) => JSON.parse(readFileSync(new URL(`../../localization/${language}.json`, import.meta.url), 'utf8'));
const en = shipped('en');
const ar = shipped('ar');

const sel = {
  launcher: '[data-testid="safetybot-launcher"]',
  panel: '[data-testid="safetybot-panel"]',
  panelTitle: '[data-testid="safetybot-title"]',
  panelExit: '[data-testid="safetybot-quick-exit"]',
  iframe: '[data-testid="safetybot-iframe"]',
  botMsg: '[data-testid="msg-bot"]',
  userMsg: '[data-testid="msg-user"]',
  action: '[data-testid="chat-action"]',
  input: '[data-testid="chat-input"]',
  chatExit: '[data-testid="chat-quick-exit"]',
  log: '[data-testid="chat-log"]',
};

let browser;
const run = browserRun(report, 'the widget checks', 100_000);

async function getJson(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: response.status, body, text };
}

/** A page whose only network is the SafetyBot host; host pages and the quick-exit site are answered locally. */
async function startHostPages() {
  const server = createServer((request, response) => {
    const body = hostPages.get(request.url);
    response.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(body || 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  HOST_PAGES = `http://127.0.0.1:${server.address().port}`;
  return server;
}

async function newPage(check, { viewport = { width: 1280, height: 800 }, quickExitUrl } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', serviceWorkers: 'block' });
  const problems = [];
  // Requests to SafetyBot and to the host pages are not intercepted at all (an intercepted keepalive request
  // can be lost when its frame goes away, as the quick-exit erase request does); everything else is.
  const local = (url) => url.href.startsWith(base + '/') || url.href.startsWith(HOST_PAGES + '/');
  await context.route((url) => !local(url), async (route) => {
    const url = route.request().url();
    if (quickExitUrl && url.split('#')[0] === quickExitUrl) {
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Weather</title><h1 id="neutral">Weather today</h1>' });
    }
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  const note = (text) => problems.push(text);
  page.on('pageerror', (error) => note(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|Refused to (apply|execute|load|connect)/i.test(text)) note(`CSP: ${text}`);
  });
  page.setDefaultTimeout(10_000);
  return { context, page, problems, check };
}

async function openWidget(check, page) {
  const launcher = page.locator(sel.launcher);
  await launcher.waitFor({ state: 'visible' });
  await launcher.click();
  await page.locator(sel.panel).waitFor({ state: 'visible' });
  const frame = page.frameLocator(sel.iframe);
  await waitForWelcome(check, frame);
  return frame;
}

/** Waits for the greeting and for the question that ends the welcome ("is it safe for you to talk right now?") with its buttons. */
async function waitForWelcome(check, frame, pattern = /it is not your fault/i, question = en['welcome.safe_now']) {
  for (const [what, expected] of [['welcome', pattern], ['safety question', question]]) {
    const message = frame.locator(sel.botMsg).filter({ hasText: expected });
    try {
      await message.first().waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      const seen = await frame.locator('body').innerText().catch(() => '(no body)');
      throw new CheckFailure(check, `the bot's ${what} (${expected}) did not appear; the chat shows: ${seen.slice(0, 400)}`);
    }
  }
  await frame.locator(sel.action).first().waitFor({ state: 'visible', timeout: 10_000 });
}

/** Waits until a bot message after the first `before` ones satisfies `match`. */
async function waitForBotText(check, frame, before, match, describe) {
  await waitFor(check, async () => (await botTexts(frame)).slice(before).some(match), { timeoutMs: 10_000, describe });
}

async function botTexts(frame) {
  return frame.locator(`${sel.botMsg} .sb-text`).allInnerTexts();
}

function noProblems(check, problems) {
  assert(check, problems.length === 0, () => problems.join(' | ').slice(0, 600));
}

async function main() {
  await startHostPages();
  browser = run.track(await launchChromium());
  const ui = await getJson(`${base}/api/webchat/ui?locale=en`);
  if (ui.status !== 200 || !ui.body?.texts) throw new CheckFailure('ui', `GET /api/webchat/ui?locale=en -> ${ui.status} ${ui.text.slice(0, 200)}`);
  const texts = ui.body.texts;
  const quickExitUrl = ui.body.quickExitUrl;

  // a + b share one page: the demo help centre with the widget embedded by one script tag.
  const demo = await newPage('demo-page', { quickExitUrl });
  let frame;
  await report.check('demo-page-opens-chat', async () => {
    const check = 'demo-page-opens-chat';
    const response = await demo.page.goto(`${base}/`);
    assert(check, response.status() === 200, `GET / -> ${response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    assert(check, /script-src 'self'/.test(csp), `the demo page has no strict CSP: ${csp}`);
    const launcher = demo.page.locator(sel.launcher);
    await launcher.waitFor({ state: 'visible' });
    const label = (await launcher.innerText()).trim();
    assert(check, label === texts.open, `help button says "${label}", expected "${texts.open}"`);
    const globals = await demo.page.evaluate(() => {
      const api = window.SafetyBotWidget;
      return { api: !!api && ['open', 'close', 'quickExit'].every((k) => typeof api[k] === 'function') };
    });
    assert(check, globals.api, 'window.SafetyBotWidget {open, close, quickExit} is missing');
    assert(check, await demo.page.locator(sel.iframe).count() === 0, 'the chat iframe loaded before the button was pressed');
    await launcher.click();
    await demo.page.locator(sel.panel).waitFor({ state: 'visible' });
    const src = await demo.page.locator(sel.iframe).getAttribute('src');
    assert(check, src.startsWith(`${base}/chat?`) && /locale=en/.test(src), `iframe src is ${src}`);
    frame = demo.page.frameLocator(sel.iframe);
    await waitForWelcome(check, frame);
    const actions = (await frame.locator(sel.action).allInnerTexts()).map((a) => a.trim());
    const expected = [en['welcome.safe_yes'], en['welcome.safe_no'], en['menu.human'], en['menu.helplines'], en['menu.exit']];
    assert(check, JSON.stringify(actions) === JSON.stringify(expected), `the safety question's buttons are ${JSON.stringify(actions)}, expected ${JSON.stringify(expected)}`);
    const log = frame.locator(sel.log);
    assert(check, (await log.getAttribute('role')) === 'log' && (await log.getAttribute('aria-live')) === 'polite', 'the message list is not an aria-live="polite" log');
    const who = await frame.locator(`${sel.botMsg} .sb-who`).first().innerText();
    assert(check, who.includes(texts.bot_said), `bot message is not labelled "${texts.bot_said}" for screen readers: "${who}"`);
    const exitLabel = (await demo.page.locator(sel.panelExit).innerText()).trim();
    assert(check, exitLabel === texts.quick_exit, `panel quick exit says "${exitLabel}"`);
    assert(check, (await demo.page.locator(sel.panelExit).getAttribute('title')) === texts.quick_exit_note, 'quick exit note missing on the panel button');
    assert(check, await frame.locator(sel.chatExit).isVisible(), 'no quick exit inside the chat page');
    noProblems(check, demo.problems);
  });

  await report.check('send-message-and-menu-button', async () => {
    const check = 'send-message-and-menu-button';
    // "Yes, it's safe" to the welcome's question brings the main menu.
    const beforeSafe = (await botTexts(frame)).length;
    await frame.locator(sel.action).filter({ hasText: en['welcome.safe_yes'] }).click();
    await waitForBotText(check, frame, beforeSafe, (t) => t === en['menu.prompt'], `no "${en['menu.prompt']}" after "${en['welcome.safe_yes']}"`);
    await frame.locator(sel.action).filter({ hasText: en['menu.selfcheck'] }).waitFor({ state: 'visible' });

    const before = (await botTexts(frame)).length;
    const input = frame.locator(sel.input);
    await input.click();
    await input.fill('Helplines');
    await input.press('Enter');
    const mine = frame.locator(sel.userMsg).filter({ hasText: /^\s*(You said:\s*)?Helplines\s*$/ });
    await mine.first().waitFor({ state: 'visible' });
    await waitFor(check, async () => (await mine.first().getAttribute('data-state')) === 'sent', { timeoutMs: 10_000, describe: 'the message was never confirmed by the server echo' });
    // English suggests no country: SafetyBot asks which one, and "Another country" (typed) gets the EU numbers.
    await waitForBotText(check, frame, before, (t) => t === en['helplines.ask_country'], `no bot reply "${en['helplines.ask_country']}"`);
    assert(check, (await mine.count()) === 1, `the message is shown ${await mine.count()} times (echo not deduplicated)`);
    const beforeCountry = (await botTexts(frame)).length;
    await input.fill(en['helplines.other_country']);
    await input.press('Enter');
    await waitForBotText(check, frame, beforeCountry, (t) => t.includes('Helplines in the European Union') && t.includes('112'), 'no bot reply with the EU helplines and 112');
    assert(check, (await input.inputValue()) === '', 'the input was not cleared after sending');
    const who = await frame.locator(`${sel.userMsg} .sb-who`).first().innerText();
    assert(check, who.includes(texts.you_said), `the person's message is not labelled "${texts.you_said}"`);

    const beforeButton = (await botTexts(frame)).length;
    const usersBefore = await frame.locator(sel.userMsg).count();
    await frame.locator(sel.action).filter({ hasText: /^Helplines$/ }).last().click();
    await waitFor(check, async () => (await frame.locator(sel.userMsg).count()) === usersBefore + 1, { describe: 'the button press was not shown as the person\'s message' });
    await waitFor(check, async () => {
      const all = await botTexts(frame);
      return all.length > beforeButton && all.slice(beforeButton).some((t) => t.includes('112'));
    }, { timeoutMs: 10_000, describe: 'no bot reply to the menu button' });
    const actionsNow = await frame.locator(sel.action).count();
    assert(check, actionsNow > 0 && actionsNow <= 12, `expected one set of suggested actions, found ${actionsNow}`);
    noProblems(check, demo.problems);
  });

  await report.check('files-refused', async () => {
    const check = 'files-refused';
    assert(check, (await frame.locator('input[type="file"]').count()) === 0, 'the chat has a file input');
    const posts = [];
    const onRequest = (request) => { if (request.method() === 'POST' && request.url().includes('/activities')) posts.push(request.url()); };
    demo.page.on('request', onRequest);
    const usersBefore = await frame.locator(sel.userMsg).count();
    await frame.locator(sel.input).evaluate((input) => {
      const files = () => { const dt = new DataTransfer(); dt.items.add(new File(['not an image'], 'photo.png', { type: 'image/png' })); return dt; };
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: files(), bubbles: true, cancelable: true }));
      const drop = new DragEvent('drop', { dataTransfer: files(), bubbles: true, cancelable: true });
      input.dispatchEvent(drop);
      if (!drop.defaultPrevented) throw new Error('a dropped file was not refused');
    });
    const notice = frame.locator('[data-testid="chat-notice"]');
    await notice.waitFor({ state: 'visible' });
    assert(check, (await notice.innerText()).trim() === texts.files_not_accepted, `notice says "${await notice.innerText()}"`);
    await sleep(300);
    demo.page.off('request', onRequest);
    assert(check, posts.length === 0 && (await frame.locator(sel.userMsg).count()) === usersBefore, `something was sent: ${posts.join(', ')}`);
  });
  await demo.context.close();

  await report.check('keyboard', async () => {
    const check = 'keyboard';
    const { context, page, problems } = await newPage(check, { quickExitUrl });
    await page.goto(`${base}/`);
    await page.locator(sel.launcher).waitFor({ state: 'visible' });
    const focusedTestId = () => page.evaluate(() => {
      const host = document.querySelector('[data-safetybot-widget]');
      const active = host && document.activeElement === host ? host.shadowRoot.activeElement : null;
      return active ? (active.getAttribute('data-testid') || active.tagName) : null;
    });
    let reached = false;
    for (let i = 0; i < 25 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focusedTestId()) === 'safetybot-launcher';
    }
    assert(check, reached, 'Tab never reached the help button');
    const outline = await page.evaluate(() => {
      const b = document.querySelector('[data-safetybot-widget]').shadowRoot.activeElement;
      const s = getComputedStyle(b);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert(check, outline.style !== 'none' && outline.width >= 2, `no visible focus outline on the help button: ${JSON.stringify(outline)}`);
    await page.keyboard.press('Enter');
    await page.locator(sel.panel).waitFor({ state: 'visible' });
    assert(check, (await page.locator(sel.launcher).getAttribute('aria-expanded')) === 'true', 'aria-expanded not set');
    const chat = page.frame({ url: /\/chat\?/ }) || (await waitFor(check, () => page.frame({ url: /\/chat\?/ }), { describe: 'no chat frame' }));
    let lastFocus = null;
    await waitFor(check, async () => (lastFocus = await focusedTestId()) === 'safetybot-iframe', { describe: () => `focus is on ${lastFocus}, not in the panel` });
    await waitFor(check, () => chat.evaluate(() => document.hasFocus() && document.activeElement?.getAttribute('data-testid') === 'chat-input').catch(() => false),
      { describe: 'focus did not move to the message box inside the chat' });
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'hidden' });
    await waitFor(check, async () => (await focusedTestId()) === 'safetybot-launcher', { describe: 'focus did not return to the help button' });
    assert(check, (await page.locator(sel.launcher).getAttribute('aria-expanded')) === 'false', 'aria-expanded still true');
    // Open again: the conversation is still there (kept in memory while the page lives).
    await page.keyboard.press('Enter');
    await page.locator(sel.panel).waitFor({ state: 'visible' });
    await waitForWelcome(check, page.frameLocator(sel.iframe));
    await page.locator(sel.panelExit).focus();
    await page.keyboard.press('Escape');
    await page.locator(sel.panel).waitFor({ state: 'hidden' });
    assert(check, page.url() === `${base}/`, 'a single Escape left the page');
    // Escape pressed twice quickly is the quick exit.
    await page.keyboard.press('Enter');
    await page.locator(sel.panel).waitFor({ state: 'visible' });
    await waitFor(check, () => chat.evaluate(() => document.hasFocus() && document.activeElement?.getAttribute('data-testid') === 'chat-input').catch(() => false),
      { describe: 'focus did not move to the message box when the chat was opened again' });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => url.href === quickExitUrl, { timeout: 5000 }).catch(() => {
      throw new CheckFailure(check, `Escape twice did not quick-exit; the page is ${page.url()}`);
    });
    noProblems(check, problems);
    await context.close();
  });

  await report.check('phone-360', async () => {
    const check = 'phone-360';
    const { context, page, problems } = await newPage(check, { viewport: { width: 360, height: 740 }, quickExitUrl });
    await page.goto(`${base}/`);
    const launcherBox = await (await page.locator(sel.launcher).elementHandle()).boundingBox();
    assert(check, launcherBox && launcherBox.x >= 0 && launcherBox.x + launcherBox.width <= 360, `help button off screen: ${JSON.stringify(launcherBox)}`);
    const chatFrame = await openWidget(check, page);
    const box = await page.locator(sel.panel).boundingBox();
    assert(check, box && Math.abs(box.x) < 1 && Math.abs(box.width - 360) < 1 && Math.abs(box.height - 740) < 2,
      `panel is ${JSON.stringify(box)}, expected the full 360x740 screen`);
    const hostOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(check, hostOverflow <= 0, `the host page scrolls sideways by ${hostOverflow}px`);
    const frameOverflow = await chatFrame.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth);
    assert(check, frameOverflow <= 0, `the chat scrolls sideways by ${frameOverflow}px`);
    for (const [name, locator] of [['panel quick exit', page.locator(sel.panelExit)], ['chat quick exit', chatFrame.locator(sel.chatExit)], ['send', chatFrame.locator('[data-testid="chat-send"]')], ['menu button', chatFrame.locator(sel.action).first()]]) {
      const b = await locator.boundingBox();
      assert(check, b && b.height >= 44 && b.x >= 0 && b.x + b.width <= 361, `${name} is too small or off screen: ${JSON.stringify(b)}`);
    }
    noProblems(check, problems);
    await context.close();
  });

  await report.check('arabic-rtl', async () => {
    const check = 'arabic-rtl';
    const arUi = (await getJson(`${base}/api/webchat/ui?locale=ar`)).body;
    const hostUrl = `${HOST_PAGES}/ar.html`;
    hostPages.set('/ar.html', `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>مركز المساعدة</title></head><body><h1>مركز المساعدة</h1><script src="${base}/embed.js" data-locale="ar" async></script></body></html>`);
    const { context, page, problems } = await newPage(check, { quickExitUrl });
    // The chat page itself, in Arabic.
    await page.goto(`${base}/chat?locale=ar`);
    await waitForWelcome(check, page.mainFrame(), /[\u0600-\u06FF]{3,}/, ar['welcome.safe_now']);
    const doc = await page.evaluate(() => ({ dir: document.documentElement.dir, lang: document.documentElement.lang, dirAttr: document.documentElement.getAttribute('dir') }));
    assert(check, doc.dirAttr === 'rtl' && doc.lang === 'ar', `chat document has dir=${doc.dirAttr} lang=${doc.lang}`);
    const welcome = (await botTexts(page.mainFrame())).join('\n');
    assert(check, /[\u0600-\u06FF]/.test(welcome) && !/it is not your fault/i.test(welcome), `welcome is not Arabic: ${welcome.slice(0, 120)}`);
    const placeholder = await page.locator(sel.input).getAttribute('placeholder');
    assert(check, placeholder === arUi.texts.input_placeholder, `placeholder is "${placeholder}"`);
    // Mirrored: the person's messages sit on the left, the bot's on the right.
    await page.locator(sel.input).fill('مرحبا');
    await page.locator(sel.input).press('Enter');
    const userBox = await page.locator(sel.userMsg).first().boundingBox();
    const botBox = await page.locator(sel.botMsg).first().boundingBox();
    assert(check, userBox && botBox && userBox.x < botBox.x, `RTL bubbles not mirrored: user ${JSON.stringify(userBox)} bot ${JSON.stringify(botBox)}`);
    // Embedded with data-locale="ar" on another site: the button sits bottom-left and speaks Arabic.
    await page.goto(hostUrl);
    const launcher = page.locator(sel.launcher);
    await launcher.waitFor({ state: 'visible' });
    const box = await launcher.boundingBox();
    assert(check, box.x < 640 - box.width / 2, `Arabic help button is not on the left: ${JSON.stringify(box)}`);
    assert(check, (await launcher.innerText()).trim() === arUi.texts.open, 'Arabic help button label');
    const wrapDir = await page.evaluate(() => document.querySelector('[data-safetybot-widget]').shadowRoot.querySelector('.sbw').getAttribute('dir'));
    assert(check, wrapDir === 'rtl', `widget panel dir=${wrapDir}`);
    noProblems(check, problems);
    await context.close();
  });

  await report.check('quick-exit', async () => {
    const check = 'quick-exit';
    const { context, page, problems } = await newPage(check, { quickExitUrl });
    let issued;
    page.on('response', async (response) => {
      if (response.url() === `${base}/api/webchat/token` && response.status() === 200) issued = await response.json().catch(() => undefined);
    });
    await page.goto(`${base}/`);
    const chatFrame = await openWidget(check, page);
    await chatFrame.locator(sel.input).fill(SECRET);
    await chatFrame.locator(sel.input).press('Enter');
    await waitFor(check, async () => (await chatFrame.locator(`${sel.userMsg}[data-state="sent"]`).count()) === 1, { describe: 'the secret message was not sent' });
    assert(check, issued?.conversationId && issued?.token, 'did not see the widget token response');
    const conversationUrl = `${base}/v3/directline/conversations/${encodeURIComponent(issued.conversationId)}/activities`;
    const stored = await getJson(conversationUrl, { headers: { Authorization: `Bearer ${issued.token}` } });
    assert(check, stored.status === 200 && stored.text.includes(SECRET), `the conversation was not stored before quick exit: ${stored.status}`);

    const started = Date.now();
    await page.locator(sel.panelExit).click();
    await page.waitForURL((url) => url.href === quickExitUrl, { timeout: 5000 });
    const tookMs = Date.now() - started;
    assert(check, (await page.locator('#neutral').innerText()) === 'Weather today', 'did not land on the quick-exit page');
    assert(check, page.frames().length === 1, 'a chat frame is still there after quick exit');
    const back = await page.goBack({ timeout: 3000 }).catch(() => null);
    await sleep(200);
    const afterBack = page.url();
    const chatVisible = afterBack.startsWith(base) && (await page.locator(sel.iframe).count()) > 0;
    assert(check, !back || (!afterBack.startsWith(`${base}/`) && !chatVisible), `Back returned to ${afterBack} (chat visible: ${chatVisible})`);
    // The server erased the conversation (the widget asked for it on the way out).
    await waitFor(check, async () => (await getJson(conversationUrl, { headers: { Authorization: `Bearer ${issued.token}` } })).status === 404,
      { timeoutMs: 5000, intervalMs: 200, describe: 'the conversation was still stored on the server after quick exit' });
    // Nothing of the chat in the host origin's storage.
    await page.goto(`${base}/`);
    const storage = await page.evaluate(async () => {
      const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; };
      const dbs = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
      return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie, dbs };
    });
    const flat = JSON.stringify(storage);
    assert(check, !flat.includes(SECRET) && Object.keys(storage.local).length === 0 && Object.keys(storage.session).length === 0 && !storage.cookie && storage.dbs.length === 0,
      `the host origin keeps data after quick exit: ${flat.slice(0, 300)}`);
    assert(check, tookMs < 3000, `quick exit took ${tookMs} ms`);
    noProblems(check, problems.filter((p) => !/blockedbyclient/.test(p)));
    await context.close();

    // The quick exit inside the chat page does the same (the iframe asks the page around it to leave).
    const second = await newPage(check, { quickExitUrl });
    await second.page.goto(`${base}/`);
    const inner = await openWidget(check, second.page);
    await inner.locator(sel.chatExit).click();
    await second.page.waitForURL((url) => url.href === quickExitUrl, { timeout: 5000 });
    const back2 = await second.page.goBack({ timeout: 3000 }).catch(() => null);
    assert(check, !back2 || !second.page.url().startsWith(`${base}/`), `Back returned to ${second.page.url()}`);
    await second.context.close();
  });

  await report.check('neutral-mode', async () => {
    const check = 'neutral-mode';
    const hostUrl = `${HOST_PAGES}/neutral.html`;
    hostPages.set('/neutral.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Support</title></head><body><h1>Support</h1><script src="${base}/embed.js" data-locale="en" data-neutral="true" data-color="#7a3e9d" data-position="left" async></script></body></html>`);
    const { context, page, problems } = await newPage(check, { quickExitUrl });
    await page.goto(hostUrl);
    const launcher = page.locator(sel.launcher);
    await launcher.waitFor({ state: 'visible' });
    const info = await launcher.evaluate((b) => ({ text: b.textContent, html: b.innerHTML, label: b.getAttribute('aria-label') || '', title: b.title || '', bg: getComputedStyle(b).backgroundColor }));
    assert(check, info.text.trim() === texts.open_neutral, `neutral button says "${info.text.trim()}", expected "${texts.open_neutral}"`);
    assert(check, !/safety/i.test(info.html + info.label + info.title), `the neutral button mentions safety: ${info.html.slice(0, 200)}`);
    assert(check, info.bg === 'rgb(122, 62, 157)', `data-color not applied: ${info.bg}`);
    const box = await launcher.boundingBox();
    assert(check, box.x < 100, `data-position="left" not applied: ${JSON.stringify(box)}`);
    const chatFrame = await openWidget(check, page);
    const title = (await page.locator(sel.panelTitle).innerText()).trim();
    assert(check, title === texts.title_neutral && !/safety/i.test(title), `neutral panel title is "${title}"`);
    const src = await page.locator(sel.iframe).getAttribute('src');
    assert(check, /neutral=true/.test(src) && /theme=7a3e9d/.test(src), `iframe src ${src}`);
    const chatTitle = await chatFrame.locator('html').evaluate(() => document.title);
    assert(check, !/safety/i.test(chatTitle), `chat document title is "${chatTitle}"`);
    noProblems(check, problems);
    await context.close();
  });
}

main().then(() => run.finish(), (error) => run.finish(error instanceof CheckFailure ? error : new CheckFailure('unexpected', describeError(error))));
