// Proves that SafetyBot's Direct Line 3.0 endpoint works, unmodified, with the official
// botframework-directlinejs client, in WebSocket mode and in polling mode.
//
// usage: node directlinejs-check.mjs <baseUrl>      (e.g. http://127.0.0.1:5182)
// prints one JSON line: {"ok":true,"checks":[...]} (exit 0) or {"ok":false,"failed":"<check>","detail":"..."} (exit 1)
// env: DIRECTLINE_STRICT=1 adds checks for echoes Web Chat needs beyond the default flow (events, typing,
//      messageBack displayText).
//
// directlinejs reads its transports from globals: rxjs 5's Observable.ajax creates `root.XMLHttpRequest`
// (root = global in Node) and DirectLine only uses WebSockets when `typeof WebSocket !== 'undefined'`
// (lib/directLine.js: `this.webSocket = (options.webSocket ...) && typeof WebSocket !== 'undefined'`),
// then creates them with `new this.services.WebSocket(streamUrl)` (services.WebSocket || WebSocket).
// So both globals are installed before the library is loaded.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  CheckFailure,
  Report,
  assertTokenShape,
  baseUrlFromArgs,
  brief,
  decodeJwt,
  describeError,
  fetchWidgetToken,
  refreshTokenRest,
  sleep,
  waitFor,
} from './lib/common.mjs';

const baseUrl = baseUrlFromArgs('directlinejs-check.mjs');

// Loaded dynamically so that a missing package (e.g. node_modules being reinstalled) still gives one JSON line.
let WS;
let XHR2;
try {
  WS = (await import('ws')).default;
  XHR2 = (await import('xhr2')).default;
} catch (error) {
  new Report().fail(new CheckFailure('setup', `cannot load ws/xhr2 from tests/node/node_modules: ${describeError(error)}`));
  process.exit(1);
}
const domain = `${baseUrl}/v3/directline`;
const POLLING_INTERVAL = 300;
const WAIT = 12000;
const strict = process.env.DIRECTLINE_STRICT === '1';
// SafetyBot's English texts, as shipped (the widget token asks for locale "en").
const en = JSON.parse(readFileSync(new URL('../../localization/en.json', import.meta.url), 'utf8'));

// ---- transport instrumentation (evidence for failures, and clean-up checks) ----

/** Every HTTP request directlinejs made: {method, url, status, body (first 300 chars), started, ended}. */
const httpLog = [];
/** Every WebSocket directlinejs opened. */
const sockets = [];

class TrackedXMLHttpRequest extends XHR2 {
  open(method, url, ...rest) {
    this._entry = { method, url: String(url), started: Date.now() };
    return super.open(method, url, ...rest);
  }

  send(body) {
    const entry = this._entry;
    if (entry) {
      entry.requestBody = typeof body === 'string' ? body.slice(0, 300) : undefined;
      httpLog.push(entry);
      this.addEventListener('loadend', () => {
        entry.ended = Date.now();
        entry.status = this.status;
        try {
          const body = this.responseType === 'json' ? JSON.stringify(this.response) : this.responseText;
          entry.body = typeof body === 'string' ? body.slice(0, 300) : undefined;
        } catch {
          entry.body = undefined;
        }
      });
    }
    return super.send(body);
  }
}

class TrackedWebSocket extends WS {
  constructor(url, ...rest) {
    super(url, ...rest);
    this.trackedUrl = String(url);
    this.opened = Date.now();
    this.emptyFramesSent = 0;
    this.framesReceived = 0;
    this.closeInfo = undefined;
    this.on('message', () => {
      this.framesReceived++;
    });
    this.on('close', (code, reason) => {
      this.closeInfo = { code, reason: String(reason), at: Date.now() };
    });
    sockets.push(this);
  }

  send(data, ...rest) {
    if (data === '') this.emptyFramesSent++;
    return super.send(data, ...rest);
  }
}

globalThis.XMLHttpRequest = TrackedXMLHttpRequest;
globalThis.WebSocket = TrackedWebSocket;

const require = createRequire(import.meta.url);
let DirectLine;
let ConnectionStatus;
try {
  ({ DirectLine, ConnectionStatus } = require('botframework-directlinejs'));
} catch (error) {
  new Report().fail(new CheckFailure('setup', `cannot load botframework-directlinejs: ${describeError(error)}`));
  process.exit(1);
}

const statusName = (s) => ConnectionStatus[s] ?? String(s);
const redact = (text) =>
  String(text)
    .replace(/([?&]t=)[^&"]+/g, '$1<token>')
    .replace(/("token":")[^"]+/g, '$1<token>');

function recentHttp(filter = () => true, count = 6) {
  return httpLog
    .filter(filter)
    .slice(-count)
    .map((e) => `${e.method} ${redact(e.url)} -> ${e.status ?? 'pending'} ${redact(e.body ?? '')}`.trim())
    .join(' | ');
}

// ---- one DirectLine instance and what it saw ----

class Session {
  constructor(label, options) {
    this.label = label;
    this.options = options;
    this.statuses = [];
    this.received = []; // {activity, watermark, at}
    this.errors = [];
    this.socketsBefore = sockets.length;
    this.dl = new DirectLine(options);
    this.statusSub = this.dl.connectionStatus$.subscribe((s) => this.statuses.push(s));
    this.activitySub = this.dl.activity$.subscribe(
      (activity) => this.received.push({ activity, watermark: this.dl.watermark, at: Date.now() }),
      (error) => this.errors.push(error),
    );
  }

  get activities() {
    return this.received.map((r) => r.activity);
  }

  get sockets() {
    return sockets.slice(this.socketsBefore);
  }

  describe() {
    return `[${this.label}] statuses=${this.statuses.map(statusName).join('>')} errors=${this.errors
      .map(describeError)
      .join(';')} activities=${this.activities.map(brief).join(', ')} http=${recentHttp()}`;
  }

  async waitOnline(check) {
    await waitFor(
      check,
      () => {
        const failed = this.statuses.find((s) => s === ConnectionStatus.FailedToConnect || s === ConnectionStatus.ExpiredToken || s === ConnectionStatus.Ended);
        if (failed !== undefined) {
          throw new CheckFailure(check, `connectionStatus$ went to ${statusName(failed)}; ${this.describe()}`);
        }
        return this.dl.connectionStatus$.getValue() === ConnectionStatus.Online;
      },
      { timeoutMs: WAIT, describe: () => this.describe() },
    );
  }

  async waitActivity(check, predicate, what) {
    return waitFor(check, () => this.activities.find(predicate), {
      timeoutMs: WAIT,
      describe: () => `no activity ${what}; ${this.describe()}`,
    });
  }

  async post(check, activity) {
    let id;
    try {
      id = await this.dl.postActivity(activity).toPromise();
    } catch (error) {
      throw new CheckFailure(check, `postActivity(${JSON.stringify(activity)}) failed: ${describeError(error)}; http=${recentHttp((e) => e.method === 'POST')}`);
    }
    if (typeof id !== 'string' || !id || id === 'retry') {
      throw new CheckFailure(check, `postActivity returned ${JSON.stringify(id)} (expected the activity id); http=${recentHttp((e) => e.method === 'POST')}`);
    }
    return id;
  }

  end() {
    this.endedAt = Date.now();
    this.dl.end();
  }

  dispose() {
    this.statusSub?.unsubscribe();
    this.activitySub?.unsubscribe();
  }
}

const isBot = (a) => a?.from?.role === 'bot';
const textOf = (a) => (typeof a?.text === 'string' ? a.text : '');

function assertActivityShapes(check, session, userId) {
  for (const a of session.activities) {
    if (typeof a.id !== 'string' || !a.id) throw new CheckFailure(check, `activity without id: ${JSON.stringify(a).slice(0, 300)}`);
    if (!a.from || (a.from.role !== 'bot' && a.from.role !== 'user')) {
      throw new CheckFailure(check, `activity ${a.id} has from=${JSON.stringify(a.from)}; Web Chat needs from.role "bot" on every bot activity`);
    }
    if (a.from.role === 'user' && a.from.id !== userId) {
      throw new CheckFailure(check, `user activity ${a.id} has from.id=${a.from.id}, the token's user claim is ${userId}`);
    }
    if (a.conversation?.id && a.conversation.id !== session.dl.conversationId) {
      throw new CheckFailure(check, `activity ${a.id} has conversation.id=${a.conversation.id}, expected ${session.dl.conversationId}`);
    }
  }
  const ids = session.activities.map((a) => a.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dupes.length) throw new CheckFailure(check, `activities delivered twice: ${[...new Set(dupes)].join(', ')}; ${session.describe()}`);
}

// ---- the scenario, for one transport ----

async function runMode(report, mode) {
  const webSocket = mode === 'websocket';
  const c = (name) => `${mode}: ${name}`;
  const sessions = [];
  try {
    const issued = await report.check(c('widget token'), () => fetchWidgetToken(baseUrl));
    const claims = decodeJwt(issued.token);
    const userId = claims.user;
    if (typeof userId !== 'string' || !userId) throw new CheckFailure(c('widget token'), `token has no user claim: ${JSON.stringify(claims)}`);

    // 1. connect
    const first = new Session(`${mode}#1`, { token: issued.token, domain, webSocket, pollingInterval: POLLING_INTERVAL });
    sessions.push(first);
    if (first.dl.webSocket !== webSocket) {
      throw new CheckFailure(c('transport'), `DirectLine.webSocket is ${first.dl.webSocket}, expected ${webSocket} (global WebSocket missing?)`);
    }
    await report.check(c('connection Online'), () => first.waitOnline(c('connection Online')));
    await report.check(c('conversationId matches token'), () => {
      if (first.dl.conversationId !== issued.conversationId) {
        throw new CheckFailure(c('conversationId matches token'), `POST /conversations gave conversationId=${first.dl.conversationId}, the token is for ${issued.conversationId}`);
      }
      if (webSocket && !/^wss?:\/\//.test(first.dl.streamUrl ?? '')) {
        throw new CheckFailure(c('conversationId matches token'), `streamUrl=${redact(first.dl.streamUrl)} is not a ws(s) URL`);
      }
    });

    // 2. welcome: it ends by asking whether it is safe to talk right now, with the answers, a person, helplines and a way out
    const question = await report.check(c('welcome arrives'), async () => {
      await first.waitActivity(c('welcome arrives'), (a) => isBot(a) && /it is not your fault/i.test(textOf(a)), 'from the bot containing "it is not your fault"');
      const asked = await first.waitActivity(c('welcome arrives'), (a) => isBot(a) && textOf(a) === en['welcome.safe_now'], `from the bot asking "${en['welcome.safe_now']}"`);
      const actions = asked.suggestedActions?.actions ?? [];
      const titles = actions.map((x) => x.title);
      const expected = [en['welcome.safe_yes'], en['welcome.safe_no'], en['menu.human'], en['menu.helplines'], en['menu.exit']];
      if (titles.join('|') !== expected.join('|') || !actions.every((x) => x.type === 'messageBack')) {
        throw new CheckFailure(c('welcome arrives'), `the safety question should offer messageBack actions ${JSON.stringify(expected)}: ${JSON.stringify(asked.suggestedActions)}`);
      }
      const iFault = first.activities.findIndex((a) => /it is not your fault/i.test(textOf(a)));
      const iQuestion = first.activities.indexOf(asked);
      if (iFault > iQuestion) throw new CheckFailure(c('welcome arrives'), `welcome messages out of order; ${first.describe()}`);
      return asked;
    });

    // "Yes, it's safe", tapped as Web Chat posts a messageBack: the main menu follows
    await report.check(c('safe to talk: yes shows the menu'), async () => {
      const yes = question.suggestedActions.actions[0];
      if (yes.value?.action !== 'answer' || yes.value?.argument !== 'welcome-safe_now-yes') {
        throw new CheckFailure(c('safe to talk: yes shows the menu'), `the "${yes.title}" button carries ${JSON.stringify(yes.value)}, expected {"action":"answer","argument":"welcome-safe_now-yes"}`);
      }
      const id = await first.post(c('safe to talk: yes shows the menu'), {
        type: 'message',
        from: { id: userId },
        text: yes.text,
        value: yes.value,
        channelData: { clientActivityID: `dljs-${mode}-safe`, messageBack: { displayText: yes.displayText } },
      });
      const echo = await first.waitActivity(c('safe to talk: yes shows the menu'), (a) => a.id === id, `with the posted id ${id} (the echo)`);
      const iEcho = first.activities.indexOf(echo);
      const menu = await first.waitActivity(
        c('safe to talk: yes shows the menu'),
        (a) => isBot(a) && textOf(a) === en['menu.prompt'] && first.activities.indexOf(a) > iEcho,
        `from the bot saying "${en['menu.prompt']}" after the answer`,
      );
      const actions = menu.suggestedActions?.actions ?? [];
      if (!actions.some((x) => x.type === 'messageBack' && x.title === en['menu.helplines'])) {
        throw new CheckFailure(c('safe to talk: yes shows the menu'), `the menu message has no messageBack "${en['menu.helplines']}" action: ${JSON.stringify(menu.suggestedActions)}`);
      }
    });
    const welcomeCount = first.received.length;
    const watermarkAfterWelcome = first.dl.watermark;
    await report.check(c('watermark after welcome'), () => {
      if (typeof watermarkAfterWelcome !== 'string' || !watermarkAfterWelcome) {
        throw new CheckFailure(c('watermark after welcome'), `no watermark after the welcome (ActivitySet.watermark missing?): ${JSON.stringify(watermarkAfterWelcome)}; ${first.describe()}`);
      }
    });

    // 3. post "Helplines": id, echo (same id, same clientActivityID) before the bot's reply
    const clientActivityID = `dljs-${mode}-${Date.now().toString(36)}`;
    const postedId = await report.check(c('postActivity returns id'), () =>
      first.post(c('postActivity returns id'), {
        type: 'message',
        from: { id: userId },
        text: 'Helplines',
        channelData: { clientActivityID },
      }),
    );
    await report.check(c('echo before reply'), async () => {
      const echo = await first.waitActivity(c('echo before reply'), (a) => a.id === postedId, `with the posted id ${postedId} (the echo)`);
      if (textOf(echo) !== 'Helplines' || echo.from?.role !== 'user' || echo.from?.id !== userId) {
        throw new CheckFailure(c('echo before reply'), `echo is ${brief(echo)}; expected text "Helplines", from.role "user", from.id ${userId}`);
      }
      if (echo.channelData?.clientActivityID !== clientActivityID) {
        throw new CheckFailure(c('echo before reply'), `echo channelData=${JSON.stringify(echo.channelData)}; Web Chat needs channelData.clientActivityID=${clientActivityID} back`);
      }
      // English suggests no country, so the reply asks which one.
      const reply = await first.waitActivity(
        c('echo before reply'),
        (a) => isBot(a) && textOf(a) === en['helplines.ask_country'] && first.activities.indexOf(a) >= welcomeCount,
        `from the bot asking "${en['helplines.ask_country']}"`,
      );
      const iEcho = first.activities.indexOf(echo);
      const iReply = first.activities.indexOf(reply);
      if (!(iEcho < iReply)) {
        throw new CheckFailure(c('echo before reply'), `the bot's reply (#${iReply}) arrived before the echo (#${iEcho}); ${first.describe()}`);
      }
      if (reply.from?.role !== 'bot') throw new CheckFailure(c('echo before reply'), `reply from=${JSON.stringify(reply.from)}`);
      if (!(reply.suggestedActions?.actions ?? []).some((x) => x.type === 'messageBack' && x.title === en['helplines.other_country'])) {
        throw new CheckFailure(c('echo before reply'), `the country question offers no "${en['helplines.other_country']}": ${JSON.stringify(reply.suggestedActions)}`);
      }
    });
    await report.check(c('helplines after the country'), async () => {
      const id = await first.post(c('helplines after the country'), {
        type: 'message',
        from: { id: userId },
        text: en['helplines.other_country'],
        channelData: { clientActivityID: `${clientActivityID}-country` },
      });
      const echo = await first.waitActivity(c('helplines after the country'), (a) => a.id === id, `with the posted id ${id} (the echo)`);
      const iEcho = first.activities.indexOf(echo);
      const reply = await first.waitActivity(
        c('helplines after the country'),
        (a) => isBot(a) && textOf(a).includes('112') && first.activities.indexOf(a) > iEcho,
        'from the bot containing "112" after the country',
      );
      if (!textOf(reply).includes('Helplines in the European Union')) {
        throw new CheckFailure(c('helplines after the country'), `reply does not contain "Helplines in the European Union": ${brief(reply)}`);
      }
    });
    await report.check(c('activity shapes'), () => assertActivityShapes(c('activity shapes'), first, userId));

    // 4. token refresh: the REST endpoint, and directlinejs's own refreshToken() (what its 15-minute loop calls)
    const refreshed = await report.check(c('token refresh (REST)'), async () => {
      const { status, body, text } = await refreshTokenRest(baseUrl, issued.token);
      if (status !== 200) throw new CheckFailure(c('token refresh (REST)'), `POST ${domain}/tokens/refresh (Bearer token) -> ${status} ${text.slice(0, 300)}`);
      assertTokenShape(c('token refresh (REST)'), body, 'POST tokens/refresh');
      const newClaims = decodeJwt(body.token);
      if (body.conversationId !== issued.conversationId || newClaims.user !== userId) {
        throw new CheckFailure(c('token refresh (REST)'), `refreshed token is for conversation ${body.conversationId}/user ${newClaims.user}, expected ${issued.conversationId}/${userId}`);
      }
      return body;
    });
    const clientRefreshed = await report.check(c('token refresh (directlinejs)'), async () => {
      let token;
      try {
        token = await first.dl.refreshToken().take(1).toPromise();
      } catch (error) {
        throw new CheckFailure(c('token refresh (directlinejs)'), `DirectLine.refreshToken() failed: ${describeError(error)}; http=${recentHttp((e) => e.url.includes('/tokens/refresh'))}`);
      }
      if (typeof token !== 'string' || decodeJwt(token).user !== userId) {
        throw new CheckFailure(c('token refresh (directlinejs)'), `refreshToken() gave ${JSON.stringify(token)?.slice(0, 80)}`);
      }
      return token;
    });

    // 5. resume the conversation with a second instance (refreshed token, conversationId, watermark after the welcome)
    const second = new Session(`${mode}#2`, {
      token: refreshed.token,
      domain,
      conversationId: issued.conversationId,
      watermark: watermarkAfterWelcome,
      webSocket,
      pollingInterval: POLLING_INTERVAL,
      // In WebSocket mode directlinejs sends an empty keep-alive frame every `timeout` ms; a short timeout
      // lets this check see that the server ignores them and keeps streaming.
      ...(webSocket ? { timeout: 2500 } : {}),
    });
    sessions.push(second);
    await report.check(c('reconnect Online'), async () => {
      await second.waitOnline(c('reconnect Online'));
      const reconnect = httpLog.find((e) => e.method === 'GET' && e.url.includes(`/conversations/${issued.conversationId}?watermark=${watermarkAfterWelcome}`));
      if (!reconnect || reconnect.status !== 200) {
        throw new CheckFailure(c('reconnect Online'), `expected GET /conversations/{id}?watermark=${watermarkAfterWelcome} -> 200; http=${recentHttp()}`);
      }
    });
    const afterWatermark = () => first.received.slice(welcomeCount).map((r) => r.activity.id);
    await report.check(c('reconnect gets only activities after the watermark'), async () => {
      const expected = afterWatermark();
      await waitFor(c('reconnect gets only activities after the watermark'), () => expected.every((id) => second.activities.some((a) => a.id === id)), {
        timeoutMs: WAIT,
        describe: () => `expected ids ${expected.join(', ')}; ${second.describe()}`,
      });
      const welcomeIds = new Set(first.received.slice(0, welcomeCount).map((r) => r.activity.id));
      const early = second.activities.filter((a) => welcomeIds.has(a.id));
      if (early.length) {
        throw new CheckFailure(c('reconnect gets only activities after the watermark'), `resumed at watermark ${watermarkAfterWelcome} but got earlier activities ${early.map(brief).join(', ')}; http=${recentHttp()}`);
      }
      if (second.activities[0]?.id !== postedId) {
        throw new CheckFailure(c('reconnect gets only activities after the watermark'), `first resumed activity is ${brief(second.activities[0])}, expected the echo ${postedId}`);
      }
    });

    if (webSocket) {
      await report.check(c('server ignores empty keep-alive frames'), async () => {
        const socket = second.sockets.at(-1);
        await waitFor(c('server ignores empty keep-alive frames'), () => socket && socket.emptyFramesSent >= 1, {
          timeoutMs: 6000,
          describe: () => `directlinejs sent no keep-alive frame (sockets=${second.sockets.length})`,
        });
        if (socket.readyState !== TrackedWebSocket.OPEN) {
          throw new CheckFailure(c('server ignores empty keep-alive frames'), `the stream closed after an empty keep-alive frame: ${JSON.stringify(socket.closeInfo)}`);
        }
      });
    }

    // 6. the resumed instance sends a messageBack (what a suggested-action button posts); both instances see echo and reply
    const backId = await report.check(c('messageBack from resumed instance'), async () => {
      const id = await second.post(c('messageBack from resumed instance'), {
        type: 'message',
        from: { id: userId },
        value: { action: 'helplines' },
        channelData: { clientActivityID: `${clientActivityID}-back`, messageBack: { displayText: 'Helplines' } },
      });
      const echo = await second.waitActivity(c('messageBack from resumed instance'), (a) => a.id === id, `with the posted id ${id}`);
      if (echo.value?.action !== 'helplines') throw new CheckFailure(c('messageBack from resumed instance'), `echo value=${JSON.stringify(echo.value)}`);
      const iEcho = second.activities.indexOf(echo);
      const reply = await second.waitActivity(
        c('messageBack from resumed instance'),
        (a) => isBot(a) && textOf(a).includes('112') && second.activities.indexOf(a) > iEcho,
        'from the bot containing "112" after the messageBack echo',
      );
      if (!textOf(reply).includes('Helplines in the European Union')) {
        throw new CheckFailure(c('messageBack from resumed instance'), `reply: ${brief(reply)}`);
      }
      return id;
    });
    await report.check(c('both instances see the same activities'), async () => {
      await waitFor(c('both instances see the same activities'), () => second.activities.at(-1) && first.activities.some((a) => a.id === second.activities.at(-1).id), {
        timeoutMs: WAIT,
        describe: () => `first instance misses ${second.activities.at(-1)?.id}; ${first.describe()}`,
      });
      await sleep(POLLING_INTERVAL * 2); // one more polling round / frame: catches duplicates
      const a = afterWatermark();
      const b = second.activities.map((x) => x.id);
      if (a.join() !== b.join()) {
        throw new CheckFailure(c('both instances see the same activities'), `after watermark ${watermarkAfterWelcome}: first=${a.join(', ')} second=${b.join(', ')}`);
      }
      if (!b.includes(backId)) throw new CheckFailure(c('both instances see the same activities'), `messageBack ${backId} missing`);
      assertActivityShapes(c('both instances see the same activities'), first, userId);
      assertActivityShapes(c('both instances see the same activities'), second, userId);
    });

    // Opt-in (DIRECTLINE_STRICT=1): what Web Chat also relies on beyond the default widget flow. Web Chat's
    // postActivitySaga waits for an echo (same channelData.clientActivityID, with an id) for EVERY activity it
    // posts — events (WEB_CHAT/SEND_EVENT), typing (sendTypingIndicator) — and renders a user's messageBack from
    // the echo's channelData.messageBack.displayText.
    if (strict) {
      await report.check(c('strict: messageBack echo keeps displayText'), () => {
        const echo = second.activities.find((a) => a.id === backId);
        if (echo?.channelData?.messageBack?.displayText !== 'Helplines') {
          throw new CheckFailure(
            c('strict: messageBack echo keeps displayText'),
            `posted channelData.messageBack.displayText "Helplines"; echo channelData=${JSON.stringify(echo?.channelData)} (Web Chat shows displayText || text, and hides a message with neither)`,
          );
        }
      });
      await report.check(c('strict: event is echoed'), async () => {
        const cid = `${clientActivityID}-event`;
        const id = await first.post(c('strict: event is echoed'), { type: 'event', name: 'webchat/join', value: {}, from: { id: userId }, channelData: { clientActivityID: cid } });
        await waitFor(c('strict: event is echoed'), () => first.activities.some((a) => a.id === id && a.channelData?.clientActivityID === cid), {
          timeoutMs: 3000,
          describe: () => `POST event returned id ${id}, but no activity with that id and channelData.clientActivityID=${cid} came back; ${first.describe()}`,
        });
      });
      if (webSocket) {
        await report.check(c('strict: typing is echoed on the stream'), async () => {
          const cid = `${clientActivityID}-typing`;
          const id = await first.post(c('strict: typing is echoed on the stream'), { type: 'typing', from: { id: userId }, channelData: { clientActivityID: cid } });
          await waitFor(c('strict: typing is echoed on the stream'), () => first.activities.some((a) => a.id === id && a.channelData?.clientActivityID === cid), {
            timeoutMs: 3000,
            describe: () => `POST typing returned id ${id}, but it was not echoed with channelData.clientActivityID=${cid}; ${first.describe()}`,
          });
        });
      }
    }

    // 7. end(): status Ended, WebSockets closed, polling stopped
    await report.check(c('end() cleans up'), async () => {
      for (const s of sessions) s.end();
      for (const s of sessions) {
        if (s.dl.connectionStatus$.getValue() !== ConnectionStatus.Ended) {
          throw new CheckFailure(c('end() cleans up'), `[${s.label}] status ${statusName(s.dl.connectionStatus$.getValue())} after end()`);
        }
        if (s.dl.tokenRefreshSubscription && !s.dl.tokenRefreshSubscription.closed) {
          throw new CheckFailure(c('end() cleans up'), `[${s.label}] token refresh loop still running after end()`);
        }
      }
      if (webSocket) {
        const mine = sessions.flatMap((s) => s.sockets);
        if (!mine.length) throw new CheckFailure(c('end() cleans up'), 'no WebSocket was ever opened in WebSocket mode');
        await waitFor(c('end() cleans up'), () => mine.every((ws) => ws.readyState === TrackedWebSocket.CLOSED), {
          timeoutMs: 5000,
          describe: () => `sockets still open: ${mine.filter((ws) => ws.readyState !== TrackedWebSocket.CLOSED).map((ws) => redact(ws.trackedUrl)).join(', ')}`,
        });
      } else {
        const endedAt = Math.max(...sessions.map((s) => s.endedAt));
        await sleep(POLLING_INTERVAL * 3);
        const late = httpLog.filter((e) => e.started > endedAt && e.url.includes(issued.conversationId));
        if (late.length) throw new CheckFailure(c('end() cleans up'), `requests after end(): ${late.map((e) => `${e.method} ${e.url}`).join(', ')}`);
        if (sessions.some((s) => s.sockets.length)) throw new CheckFailure(c('end() cleans up'), 'a WebSocket was opened in polling mode');
      }
    });
  } finally {
    for (const s of sessions) {
      try {
        if (s.dl.connectionStatus$.getValue() !== ConnectionStatus.Ended) s.end();
      } catch {
        // ignore
      }
      s.dispose();
    }
  }
}

const report = new Report();
const watchdog = setTimeout(() => {
  report.fail(new CheckFailure('overall timeout', `did not finish within 60 s; passed so far: ${report.passed.join(', ')}; http=${recentHttp()}`));
  process.exit(1);
}, 60000);

try {
  await runMode(report, 'websocket');
  await runMode(report, 'polling');
  report.succeed();
  clearTimeout(watchdog);
  process.exit(0);
} catch (error) {
  report.fail(error);
  clearTimeout(watchdog);
  process.exit(1);
}
