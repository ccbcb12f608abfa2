// The hotline end to end in Debian's Chromium: a staff member signs in to the console; a person in the web chat
// asks for a person; the conversation appears in the console's queue without a reload; the staff member takes it
// and replies; the person sees the reply in the chat, and what the person writes appears in the console live.
// Usage: STAFF_USERNAME=… STAFF_PASSWORD=… node tests/node/console-check.mjs <baseUrl>
// Prints one JSON line: {"ok":true,"checks":[...]} (exit 0) or {"ok":false,"failed":"<check>","detail":"..."} (exit 1).
import { CheckFailure, Report, assert, baseUrlFromArgs, browserRun, launchChromium, sleep } from './lib/common.mjs';

const base = baseUrlFromArgs('console-check.mjs');
const username = process.env.STAFF_USERNAME;
const password = process.env.STAFF_PASSWORD;
const report = new Report();
const run = browserRun(report, 'the console checks', 90_000);

/** Waits for a condition; on time-out the (async) description says what was there instead. */
async function waitFor(check, predicate, { timeoutMs = 10000, describe = async () => 'timed out' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) throw new CheckFailure(check, `timed out after ${timeoutMs} ms: ${await describe()}`);
    await sleep(50);
  }
}

async function texts(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));
}

async function main() {
  const browser = run.track(await launchChromium());
  const problems = [];
  const open = async () => {
    const context = await browser.newContext({ serviceWorkers: 'block', locale: 'en-GB' });
    await context.route((url) => !url.href.startsWith(base + '/') && !url.href.startsWith(base.replace('http', 'ws') + '/'), (route) => route.abort());
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return page;
  };
  const staff = await open();
  const person = await open();

  await report.check('staff-signed-in', async () => {
    await staff.goto(`${base}/console`);
    await staff.fill('#username', username);
    await staff.fill('#password', password);
    await Promise.all([staff.waitForURL(`${base}/console`), staff.click('#submit')]);
    await waitFor('staff-signed-in', async () => (await staff.textContent('#live')) === 'live',
      { timeoutMs: 15000, describe: async () => `live line: ${await staff.textContent('#live')}; ${problems.join('; ')}` });
    // A marker that a reload would wipe out.
    await staff.evaluate(() => { window.__sameDocument = true; });
  });

  await report.check('person-asks-for-a-person', async () => {
    await person.goto(`${base}/chat?locale=en-GB`);
    const tap = async (title) => {
      await waitFor('person-asks-for-a-person', async () => (await texts(person, '[data-testid="chat-action"]')).includes(title),
        { timeoutMs: 15000, describe: async () => `no button "${title}": ${JSON.stringify(await texts(person, '[data-testid="chat-action"]'))}` });
      await person.click(`[data-testid="chat-action"] >> text="${title}"`);
    };
    await tap("Yes, it's safe");
    await tap('Talk to a person');
    await waitFor('person-asks-for-a-person', async () => (await texts(person, '[data-testid="msg-bot"]')).some((t) => t.includes('You are number')),
      { timeoutMs: 15000, describe: async () => JSON.stringify((await texts(person, '[data-testid="msg-bot"]')).slice(-2)) });
  });

  await report.check('queue-updates-without-reload', async () => {
    await waitFor('queue-updates-without-reload', async () => (await staff.$$('[data-testid="queue-row"] [data-testid="claim"]')).length > 0,
      { timeoutMs: 15000, describe: async () => `queue: ${await staff.textContent('[data-testid="queue"]')}` });
    const row = await staff.textContent('[data-testid="queue-row"]');
    assert('queue-updates-without-reload', row.includes('en') && row.includes('directline'), () => `row: ${row}`);
    assert('queue-updates-without-reload', await staff.evaluate(() => window.__sameDocument === true), 'the console page was reloaded');
  });

  await report.check('staff-takes-it', async () => {
    await staff.click('[data-testid="queue-row"] [data-testid="claim"]');
    await waitFor('staff-takes-it', async () => (await texts(staff, '[data-testid="line-bot"]')).some((t) => t.includes("Hi, I'm SafetyBot")),
      { timeoutMs: 15000, describe: async () => `transcript: ${await staff.textContent('[data-testid="transcript"]')}; message: ${await staff.textContent('#message')}` });
    await waitFor('staff-takes-it', async () => (await texts(person, '[data-testid="msg-bot"]')).some((t) => t.includes('has joined the chat')),
      { timeoutMs: 15000, describe: async () => JSON.stringify((await texts(person, '[data-testid="msg-bot"]')).slice(-2)) });
  });

  await report.check('staff-reply-reaches-the-widget', async () => {
    const reply = "I'm here with you. <b>Take your time.</b>";
    await staff.fill('[data-testid="reply"]', reply);
    await staff.click('[data-testid="send"]');
    // A person's words are shown as theirs, on screen as well as to screen readers, not as the bot's.
    await waitFor('staff-reply-reaches-the-widget', async () => (await texts(person, '[data-testid="msg-staff"]')).some((t) => t.endsWith(reply)),
      { timeoutMs: 15000, describe: async () => JSON.stringify((await texts(person, '[data-testid="msg-staff"], [data-testid="msg-bot"]')).slice(-2)) });
    const bold = await person.$$('[data-testid="msg-staff"] b');
    assert('staff-reply-reaches-the-widget', bold.length === 0, 'the reply was rendered as HTML');
    const who = await person.locator('[data-testid="msg-staff"] .sb-who').last();
    assert('staff-reply-reaches-the-widget', (await who.innerText()).startsWith('A person from the helpline'), 'the reply does not say a person from the helpline wrote it');
    assert('staff-reply-reaches-the-widget', await who.isVisible(), 'who wrote the reply is not shown on screen');
  });

  await report.check('person-reply-reaches-the-console', async () => {
    await person.fill('[data-testid="chat-input"]', 'thank you, he keeps messaging me');
    await person.press('[data-testid="chat-input"]', 'Enter');
    await waitFor('person-reply-reaches-the-console', async () => (await texts(staff, '[data-testid="line-user"]')).some((t) => t.includes('thank you, he keeps messaging me')),
      { timeoutMs: 15000, describe: async () => `transcript: ${await staff.textContent('[data-testid="transcript"]')}` });
    assert('person-reply-reaches-the-console', await staff.evaluate(() => window.__sameDocument === true), 'the console page was reloaded');
    assert('person-reply-reaches-the-console', problems.length === 0, () => problems.join('; '));
  });
}

main().then(() => run.finish(), (error) => run.finish(error));
