// Checks the staff console's sign-in page in Debian's Chromium: a wrong password shows the server's message,
// the right one signs in and opens /console (with its Secure, HttpOnly session cookie on http://127.0.0.1),
// and signing out returns to the sign-in page.
// Usage: STAFF_USERNAME=… STAFF_PASSWORD=… node tests/node/console-signin-check.mjs <baseUrl>
// Prints one JSON line: {"ok":true,"checks":[...]} (exit 0) or {"ok":false,"failed":"<check>","detail":"..."} (exit 1).
import { CheckFailure, Report, assert, baseUrlFromArgs, browserRun, launchChromium, sleep, waitFor } from './lib/common.mjs';

const base = baseUrlFromArgs('console-signin-check.mjs');
const username = process.env.STAFF_USERNAME;
const password = process.env.STAFF_PASSWORD;
const report = new Report();
const run = browserRun(report, 'the console checks', 60_000);

async function main() {
  const browser = run.track(await launchChromium());
  const context = await browser.newContext({ serviceWorkers: 'block' });
  // Nothing but the SafetyBot host.
  await context.route((url) => !url.href.startsWith(base + '/'), (route) => route.abort());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error' && !/401|Failed to load resource/.test(message.text())) problems.push(message.text()); });

  await report.check('wrong-password-message', async () => {
    await page.goto(`${base}/console`);
    assert('wrong-password-message', new URL(page.url()).pathname === '/console/signin', () => `went to ${page.url()}`);
    await page.fill('#username', username);
    await page.fill('#password', 'certainly not the password');
    await page.click('#submit');
    await waitFor('wrong-password-message', async () => (await page.textContent('#message')).length > 0,
      { describe: () => 'no message after a wrong password' });
    const text = await page.textContent('#message');
    assert('wrong-password-message', text === 'The username or password is not right.', () => `message: ${text}`);
  });

  await report.check('signed-in', async () => {
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(`${base}/console`), page.click('#submit')]);
  });

  await report.check('console-shows-user', async () => {
    await waitFor('console-shows-user', async () => (await page.textContent('#who')).startsWith(username + ' ('),
      { describe: () => 'the console did not show who is signed in' });
    const body = await page.textContent('main');
    assert('console-shows-user', body.includes('Queue'), () => `page: ${body}`);
  });

  await report.check('cookie-httponly', async () => {
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'safetybot.staff');
    assert('cookie-httponly', session && session.httpOnly && session.secure && session.sameSite === 'Strict',
      () => `cookie: ${JSON.stringify(cookies.map((c) => ({ ...c, value: '…' })))}`);
    const visible = await page.evaluate(() => document.cookie);
    assert('cookie-httponly', !visible.includes('safetybot.staff'), 'the page script can read the session cookie');
  });

  await report.check('signed-out', async () => {
    await Promise.all([page.waitForURL(`${base}/console/signin`), page.click('#signout')]);
    const cookies = await context.cookies(base);
    assert('signed-out', !cookies.some((c) => c.name === 'safetybot.staff'), 'the session cookie is still there');
    await page.goto(`${base}/console`);
    assert('signed-out', new URL(page.url()).pathname === '/console/signin', () => `after signing out /console showed ${page.url()}`);
    assert('signed-out', problems.length === 0, () => problems.join('; '));
  });
}

main().then(() => run.finish(), (error) => run.finish(error));
