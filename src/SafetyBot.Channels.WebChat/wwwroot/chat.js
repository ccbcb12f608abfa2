// SafetyBot chat page (/chat): a small Direct Line 3.0 client with no dependencies.
// Privacy rules kept here: the conversation lives only in this page's memory and DOM (no storage, no cookies);
// bot text is rendered as text, never as HTML; files are refused before anything is sent.
(function () {
  'use strict';

  // Absolute last resort, used only when /api/webchat/ui cannot be reached.
  var FALLBACK = { quick_exit: 'Quick exit', unavailable: 'If you are in danger, call 112.' };
  var FALLBACK_EXIT_URL = 'about:blank';
  var MSG = 'safetybot-widget';
  var MAX_ATTEMPTS_BEFORE_UNAVAILABLE = 4;

  var params = new URLSearchParams(window.location.search);
  var embedded = window.parent !== window;
  var neutral = /^(true|1|yes)$/i.test(params.get('neutral') || '');
  var hostTitle = cleanText(params.get('title'), 60);
  var requestedLocale = cleanLocale(params.get('locale')) || cleanLocale(navigator.language) || '';
  var accent = parseColor(params.get('theme'));

  var el = {
    app: byId('app'), bar: byId('bar'), title: byId('title'), quickExit: byId('quick-exit'),
    note: byId('quick-exit-note'), scroller: byId('scroller'), log: byId('log'), typing: byId('typing'),
    actions: byId('actions'), status: byId('status'), notice: byId('notice'), composer: byId('composer'),
    input: byId('input'), inputLabel: byId('input-label'), send: byId('send'), sendLabel: byId('send-label'),
    footer: byId('footer'), privacy: byId('privacy')
  };

  var ui = null;
  var texts = {};
  var quickExitUrl = FALLBACK_EXIT_URL;
  var exiting = false;
  var lastEscape = 0;
  var typingTimer = 0;
  var noticeTimer = 0;
  var leaveTimer = 0;
  var userId = 'u' + randomId(8);

  // Everything about the current Direct Line conversation. Nothing of it is ever written to storage.
  var conv = {
    id: null, token: null, watermark: null, ws: null, generation: 0, ready: false,
    attempts: 0, reconnectTimer: 0, refreshTimer: 0, starting: null,
    seen: new Set(), pending: new Map(), queue: []
  };

  // ---------------------------------------------------------------- start

  if (embedded) {
    el.app.classList.add('sb-embedded');
    el.footer.appendChild(el.quickExit); // the panel around the iframe has the title and the close button
  }
  if (accent) applyAccent(accent);
  wireEvents();
  loadUi(requestedLocale).then(function (loaded) {
    if (loaded) startConversation();
  });

  // ---------------------------------------------------------------- UI texts

  function t(key) {
    if (texts && typeof texts[key] === 'string' && texts[key]) return texts[key];
    return FALLBACK[key] || '';
  }

  function loadUi(locale, keepGoingOnFailure) {
    return fetchJson('/api/webchat/ui?locale=' + encodeURIComponent(locale || ''), { method: 'GET' }, 8000)
      .then(function (res) {
        if (res.status !== 200 || !res.body || typeof res.body.texts !== 'object') throw new Error('ui ' + res.status);
        applyUi(res.body);
        return true;
      })
      .catch(function () {
        if (keepGoingOnFailure) return false;
        applyFallback();
        // Try again later: the server may only be restarting.
        window.setTimeout(function () {
          if (!exiting && !ui) loadUi(locale).then(function (ok) { if (ok) startConversation(); });
        }, 15000);
        return false;
      });
  }

  function applyUi(body) {
    ui = body;
    texts = body.texts || {};
    if (isHttpUrl(body.quickExitUrl)) quickExitUrl = body.quickExitUrl;
    var root = document.documentElement;
    root.lang = cleanLocale(body.language) || 'en';
    root.dir = body.direction === 'rtl' ? 'rtl' : 'ltr';
    var title = hostTitle || (neutral ? t('title_neutral') : t('title'));
    el.title.textContent = title;
    document.title = title || '\u200b';
    el.quickExit.textContent = t('quick_exit');
    el.quickExit.title = t('quick_exit_note');
    el.quickExit.hidden = false;
    el.note.textContent = t('quick_exit_note');
    el.inputLabel.textContent = t('input_label');
    el.input.placeholder = t('input_placeholder');
    el.sendLabel.textContent = t('send');
    el.send.title = t('send');
    el.privacy.textContent = t('privacy');
    relabelMessages();
    if (el.app.dataset.state === 'loading' || el.app.dataset.state === 'failed') setStatus('connecting');
    else if (el.status.dataset.key) setStatus(el.status.dataset.key);
    toParent({
      type: 'ui', lang: root.lang, dir: root.dir, quickExitUrl: quickExitUrl,
      labels: {
        title: t('title'), quick_exit: t('quick_exit'), quick_exit_note: t('quick_exit_note'), close: t('close'),
        open: t('open'), open_neutral: t('open_neutral'), title_neutral: t('title_neutral')
      }
    });
  }

  function applyFallback() {
    el.quickExit.textContent = t('quick_exit');
    el.quickExit.hidden = false;
    if (hostTitle) el.title.textContent = hostTitle;
    setStatus('unavailable');
    el.app.dataset.state = 'failed';
  }

  function relabelMessages() {
    var labels = el.log.querySelectorAll('.sb-msg');
    for (var i = 0; i < labels.length; i++) {
      var who = labels[i].querySelector('.sb-who');
      if (who) who.textContent = whoSaid(labels[i].dataset.role);
    }
  }

  function setStatus(key) {
    el.status.dataset.key = key || '';
    el.status.textContent = key ? t(key) : '';
    el.status.classList.toggle('sb-status--alert', key === 'unavailable');
    el.status.hidden = !key;
  }

  function showNotice(key) {
    el.notice.textContent = t(key);
    el.notice.hidden = false;
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(function () { el.notice.hidden = true; el.notice.textContent = ''; }, 12000);
  }

  // ---------------------------------------------------------------- conversation

  function locale() {
    return (ui && ui.language) || requestedLocale || 'en';
  }

  function startConversation() {
    if (conv.starting) return conv.starting;
    closeSocket();
    window.clearTimeout(conv.refreshTimer);
    window.clearTimeout(conv.reconnectTimer);
    conv.id = null; conv.token = null; conv.watermark = null; conv.ready = false;
    el.app.dataset.state = 'connecting';
    setStatus('connecting');
    conv.starting = getToken(0)
      .then(function (issued) {
        return fetchJson('/v3/directline/conversations', { method: 'POST', headers: auth(issued.token) }, 15000);
      })
      .then(function (res) {
        if ((res.status !== 200 && res.status !== 201) || !res.body || !res.body.streamUrl) throw new Error('conversations ' + res.status);
        conv.id = res.body.conversationId;
        conv.token = res.body.token;
        scheduleRefresh(res.body.expires_in);
        openSocket(res.body.streamUrl);
        flushQueue();
      })
      .catch(function () {
        if (exiting) return;
        conv.attempts++;
        unavailableOrRetry(startConversationLater);
      })
      .then(function () { conv.starting = null; });
    return conv.starting;
  }

  function startConversationLater(delay) {
    window.clearTimeout(conv.reconnectTimer);
    conv.reconnectTimer = window.setTimeout(function () { if (!exiting) startConversation(); }, delay);
  }

  function getToken(waited) {
    return fetchJson('/api/webchat/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ locale: locale() })
    }, 15000).then(function (res) {
      if (res.status === 429 && waited < 120000) {
        var wait = Math.min(60, Math.max(1, parseInt(res.headers.get('Retry-After') || '10', 10) || 10)) * 1000;
        return delay(wait).then(function () { return getToken(waited + wait); });
      }
      if (res.status !== 200 || !res.body || !res.body.token) throw new Error('token ' + res.status);
      return res.body;
    });
  }

  function scheduleRefresh(expiresIn) {
    window.clearTimeout(conv.refreshTimer);
    var seconds = Number(expiresIn) > 0 ? Number(expiresIn) : 1800;
    var refreshIn = Math.max(15, Math.min(seconds - 120, seconds * 0.75));
    conv.refreshTimer = window.setTimeout(refreshToken, refreshIn * 1000);
  }

  function refreshToken() {
    if (exiting || !conv.token) return;
    var id = conv.id;
    fetchJson('/v3/directline/tokens/refresh', { method: 'POST', headers: auth(conv.token) }, 15000)
      .then(function (res) {
        if (conv.id !== id) return;
        if (res.status === 200 && res.body && res.body.token) {
          conv.token = res.body.token;
          scheduleRefresh(res.body.expires_in);
        } else if (res.status === 403) {
          // Too late: the next send or reconnect starts a new conversation.
        } else {
          conv.refreshTimer = window.setTimeout(refreshToken, 30000);
        }
      })
      .catch(function () { if (conv.id === id) conv.refreshTimer = window.setTimeout(refreshToken, 30000); });
  }

  function openSocket(url) {
    closeSocket();
    var generation = ++conv.generation;
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    conv.ws = ws;
    ws.onopen = function () {
      if (generation !== conv.generation) return;
      conv.attempts = 0;
      conv.ready = true;
      el.app.dataset.state = 'ready';
      setStatus('');
    };
    ws.onmessage = function (event) {
      if (generation !== conv.generation || typeof event.data !== 'string' || !event.data) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      receive(frame);
    };
    ws.onclose = function () {
      if (generation !== conv.generation || exiting) return;
      conv.ws = null;
      conv.ready = false;
      scheduleReconnect();
    };
  }

  function closeSocket() {
    conv.generation++;
    if (conv.ws) {
      try { conv.ws.close(); } catch (e) { /* already closed */ }
      conv.ws = null;
    }
    conv.ready = false;
  }

  function scheduleReconnect() {
    if (exiting) return;
    conv.attempts++;
    el.app.dataset.state = 'reconnecting';
    unavailableOrRetry(function (wait) {
      window.clearTimeout(conv.reconnectTimer);
      conv.reconnectTimer = window.setTimeout(reconnect, wait);
    }, 'reconnecting');
  }

  // Backoff: 1, 2, 4, 8 s, then "unavailable" (with the emergency number) while retrying every 15 s.
  function unavailableOrRetry(retry, transientKey) {
    if (conv.attempts >= MAX_ATTEMPTS_BEFORE_UNAVAILABLE) {
      setStatus('unavailable');
      el.app.dataset.state = 'unavailable';
      retry(15000);
    } else {
      setStatus(transientKey || 'connecting');
      retry(Math.min(30000, 1000 * Math.pow(2, conv.attempts - 1)) + Math.floor(Math.random() * 400));
    }
  }

  function reconnect() {
    if (exiting) return;
    if (!conv.id || !conv.token) { startConversation(); return; }
    var id = conv.id;
    var mark = conv.watermark ? '?watermark=' + encodeURIComponent(conv.watermark) : '';
    fetchJson('/v3/directline/conversations/' + encodeURIComponent(id) + mark, { method: 'GET', headers: auth(conv.token) }, 15000)
      .then(function (res) {
        if (conv.id !== id || exiting) return null;
        if (res.status === 403 || res.status === 404) {
          // The token ran out or the conversation is gone: begin again, keeping what is on screen.
          startConversation();
          return null;
        }
        if (res.status !== 200 || !res.body || !res.body.streamUrl) throw new Error('reconnect ' + res.status);
        if (res.body.token) conv.token = res.body.token;
        return catchUp().then(function () { openSocket(res.body.streamUrl); });
      })
      .catch(function () { if (conv.id === id) scheduleReconnect(); });
  }

  function catchUp() {
    var mark = conv.watermark ? '?watermark=' + encodeURIComponent(conv.watermark) : '';
    return fetchJson('/v3/directline/conversations/' + encodeURIComponent(conv.id) + '/activities' + mark,
      { method: 'GET', headers: auth(conv.token) }, 15000)
      .then(function (res) { if (res.status === 200 && res.body) receive(res.body); })
      .catch(function () { /* the stream replays from the watermark as well */ });
  }

  function receive(frame) {
    if (!frame || typeof frame !== 'object') return;
    var list = Array.isArray(frame.activities) ? frame.activities : [];
    for (var i = 0; i < list.length; i++) handleActivity(list[i]);
    if (typeof frame.watermark === 'string' && /^\d+$/.test(frame.watermark)) {
      if (!conv.watermark || Number(frame.watermark) > Number(conv.watermark)) conv.watermark = frame.watermark;
    }
  }

  function handleActivity(a) {
    if (!a || typeof a !== 'object' || exiting) return;
    if (typeof a.id === 'string' && a.id) {
      if (conv.seen.has(a.id)) return;
      conv.seen.add(a.id);
    }
    var role = a.from && a.from.role;
    if (a.type === 'typing' && role !== 'user') { showTyping(); return; }
    if (a.type === 'endOfConversation') { endOfConversation(); return; }
    if (a.type !== 'message') return;

    if (role === 'user') {
      var cid = a.channelData && a.channelData.clientActivityID;
      var entry = cid && conv.pending.get(cid);
      if (entry) {
        markSent(entry);
      } else if (typeof a.text === 'string' && a.text) {
        addMessage('user', a.text);
      }
      return;
    }

    hideTyping();
    clearActions();
    var fromStaff = a.channelData && a.channelData.sender === 'staff';
    if (typeof a.text === 'string' && a.text.trim()) addMessage(fromStaff ? 'staff' : 'bot', a.text);
    if (a.suggestedActions && Array.isArray(a.suggestedActions.actions)) renderActions(a.suggestedActions.actions);
  }

  function endOfConversation() {
    // The bot ended and erased the conversation: clear the screen and begin a new one.
    clearConversationView();
    startConversation();
  }

  // ---------------------------------------------------------------- messages

  function addMessage(role, text, state) {
    var item = document.createElement('div');
    item.className = 'sb-msg sb-msg--' + role;
    item.dataset.role = role;
    item.dataset.testid = 'msg-' + role;
    if (state) item.dataset.state = state;
    var who = document.createElement('span');
    // A helpline staff member's words say so on screen; the others' speaker is read out to screen readers only.
    who.className = role === 'staff' ? 'sb-who' : 'sb-who sb-visually-hidden';
    who.textContent = whoSaid(role);
    var body = document.createElement('p');
    body.className = 'sb-text';
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(body);
    el.log.appendChild(item);
    scrollToEnd();
    return item;
  }

  function whoSaid(role) {
    return (role === 'user' ? t('you_said') : role === 'staff' ? t('staff_said') : t('bot_said')) + ': ';
  }

  function renderActions(actions) {
    clearActions();
    actions.slice(0, 30).forEach(function (action) {
      if (!action || typeof action !== 'object') return;
      var title = typeof action.title === 'string' ? action.title : (typeof action.value === 'string' ? action.value : '');
      if (!title) return;
      var type = action.type || 'imBack';
      if (type === 'openUrl' && !isHttpUrl(action.value)) return;
      if (['messageBack', 'imBack', 'postBack', 'openUrl'].indexOf(type) < 0) return;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sb-action';
      button.dataset.testid = 'chat-action';
      button.textContent = title;
      button.addEventListener('click', function () { onAction(action, title); });
      el.actions.appendChild(button);
    });
    scrollToEnd();
  }

  function clearActions() {
    el.actions.textContent = '';
  }

  function onAction(action, title) {
    var type = action.type || 'imBack';
    if (type === 'openUrl') {
      window.open(action.value, '_blank', 'noopener,noreferrer');
      return;
    }
    var value = action.value;
    if (value && typeof value === 'object' && value.action === 'exit') {
      // "Leave now" is the quick exit: hide, erase and leave.
      quickExit(false);
      return;
    }
    if (type === 'imBack') {
      send(typeof value === 'string' ? value : title, undefined, title);
    } else if (type === 'postBack') {
      send(typeof value === 'string' ? value : (action.text || ''), typeof value === 'object' ? value : undefined, null);
    } else {
      send(action.text || action.displayText || title, value, action.displayText || title);
    }
    if (value && typeof value === 'object' && value.action === 'setlanguage' && typeof value.argument === 'string') {
      // The person chose a language with the bot's buttons: the page's own words follow.
      loadUi(value.argument, true);
    }
    el.input.focus();
  }

  function send(text, value, display) {
    if (exiting) return;
    text = typeof text === 'string' ? text : '';
    if (!text.trim() && value === undefined) return;
    var cid = 'c' + randomId(12);
    var entry = { cid: cid, text: text, value: value, item: null, tries: 0 };
    if (display !== null) {
      entry.item = addMessage('user', display || text, 'pending');
    }
    conv.pending.set(cid, entry);
    el.notice.hidden = true;
    post(entry);
  }

  // "Typing…" for a person from the hotline who is reading along: at most one signal every 3 s, best effort, nothing stored.
  var lastTypingSent = 0;
  function sendTyping() {
    var now = Date.now();
    if (!conv.id || !conv.token || !el.input.value || now - lastTypingSent < 3000) return;
    lastTypingSent = now;
    fetchJson('/v3/directline/conversations/' + encodeURIComponent(conv.id) + '/activities', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' }, auth(conv.token)),
      body: JSON.stringify({ type: 'typing', from: { id: userId, role: 'user' } })
    }, 10000).catch(function () { /* only a hint */ });
  }

  // Posting does not need the WebSocket: while it reconnects, the echo arrives with the catch-up.
  function post(entry) {
    if (!conv.id || !conv.token) {
      enqueue(entry);
      if (!conv.starting) startConversation();
      return;
    }
    entry.tries++;
    var id = conv.id;
    var activity = {
      type: 'message', locale: locale(),
      from: { id: userId, role: 'user' },
      channelData: { clientActivityID: entry.cid, clientTimestamp: new Date().toISOString() }
    };
    if (entry.text) activity.text = entry.text;
    if (entry.value !== undefined) activity.value = entry.value;
    fetchJson('/v3/directline/conversations/' + encodeURIComponent(id) + '/activities', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' }, auth(conv.token)),
      body: JSON.stringify(activity)
    }, 20000).then(function (res) {
      if (res.status === 200) {
        entry.posted = true;
        return;
      }
      if ((res.status === 403 || res.status === 404) && entry.tries < 3) {
        // The conversation ended (or the token ran out): start again and send this message there.
        enqueue(entry);
        if (conv.id === id) startConversation();
        return;
      }
      if (res.status === 503 && entry.tries < 2) {
        delay(1500).then(function () { post(entry); });
        return;
      }
      failed(entry);
    }).catch(function () { failed(entry); });
  }

  // Waits for a conversation; says "not sent" (with a retry) if none comes soon.
  function enqueue(entry) {
    if (conv.queue.indexOf(entry) >= 0) return;
    conv.queue.push(entry);
    window.clearTimeout(entry.queueTimer);
    entry.queueTimer = window.setTimeout(function () {
      var at = conv.queue.indexOf(entry);
      if (at < 0) return;
      conv.queue.splice(at, 1);
      failed(entry);
    }, 15000);
  }

  function flushQueue() {
    var queued = conv.queue.splice(0);
    queued.forEach(function (entry) {
      window.clearTimeout(entry.queueTimer);
      if (conv.pending.has(entry.cid)) post(entry);
    });
  }

  function markSent(entry) {
    conv.pending.delete(entry.cid);
    if (!entry.item) return;
    entry.item.dataset.state = 'sent';
    var retry = entry.item.querySelector('.sb-retry');
    if (retry) retry.remove();
  }

  function failed(entry) {
    if (!conv.pending.has(entry.cid)) return;
    if (!entry.item) {
      entry.item = addMessage('user', entry.text, 'failed');
    }
    entry.item.dataset.state = 'failed';
    if (entry.item.querySelector('.sb-retry')) return;
    var retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'sb-retry';
    retry.dataset.testid = 'msg-retry';
    retry.textContent = t('not_sent');
    retry.addEventListener('click', function () {
      retry.remove();
      entry.item.dataset.state = 'pending';
      entry.tries = 0;
      post(entry);
      el.input.focus();
    });
    entry.item.appendChild(retry);
  }

  function showTyping() {
    el.typing.hidden = false;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(hideTyping, 5000);
    scrollToEnd();
  }

  function hideTyping() {
    window.clearTimeout(typingTimer);
    el.typing.hidden = true;
  }

  function scrollToEnd() {
    window.requestAnimationFrame(function () { el.scroller.scrollTop = el.scroller.scrollHeight; });
  }

  function clearConversationView() {
    el.log.textContent = '';
    clearActions();
    hideTyping();
    el.input.value = '';
    conv.pending.clear();
    conv.queue.length = 0;
    conv.seen.clear();
  }

  // ---------------------------------------------------------------- quick exit

  // Hides everything at once and asks the server to erase the conversation (a keepalive request, which
  // outlives the page), then leaves once the erase is done or after a short wait, whichever comes first.
  // Embedded, the page around us does the leaving, so that the top page is replaced.
  var erasing = null;

  function quickExit(askedByParent) {
    if (!exiting) {
      exiting = true;
      document.documentElement.classList.add('sb-gone');
      clearConversationView();
      erasing = eraseOnServer(700);
      closeSocket();
      window.clearTimeout(conv.refreshTimer);
      window.clearTimeout(conv.reconnectTimer);
      if (!askedByParent) {
        if (embedded) {
          toParent({ type: 'quick-exit' });
          // Embedded without embed.js (nobody answers): leave on our own.
          leaveTimer = window.setTimeout(function () {
            try { window.top.location.replace(quickExitUrl); } catch (e) { window.location.replace(quickExitUrl); }
          }, 900);
        } else {
          erasing.then(function () { window.location.replace(quickExitUrl); });
        }
      }
    }
    if (askedByParent) {
      // The page around us is leaving: tell it when the erase request is through.
      window.clearTimeout(leaveTimer);
      erasing.then(function () { toParent({ type: 'erased' }); });
    }
  }

  // Resolves when the server has answered the erase request, or after maxWaitMs.
  function eraseOnServer(maxWaitMs) {
    if (!conv.id || !conv.token) return Promise.resolve();
    var request;
    try {
      request = fetch('/v3/directline/conversations/' + encodeURIComponent(conv.id) + '/activities', {
        method: 'POST',
        keepalive: true,
        cache: 'no-store',
        credentials: 'omit',
        headers: Object.assign({ 'Content-Type': 'application/json' }, auth(conv.token)),
        body: JSON.stringify({
          type: 'message', locale: locale(), value: { action: 'exit' },
          from: { id: userId, role: 'user' }, channelData: { clientActivityID: 'c' + randomId(12) }
        })
      }).then(function () {}, function () {});
    } catch (e) {
      return Promise.resolve();
    }
    return Promise.race([request, delay(maxWaitMs)]);
  }

  // ---------------------------------------------------------------- events

  function wireEvents() {
    el.quickExit.addEventListener('click', function () { quickExit(false); });

    el.composer.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = el.input.value;
      if (!text.trim()) return;
      el.input.value = '';
      autoGrow();
      send(text.trim(), undefined, text.trim());
      el.input.focus();
    });

    el.input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        if (typeof el.composer.requestSubmit === 'function') el.composer.requestSubmit();
        else el.composer.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });
    el.input.addEventListener('input', autoGrow);
    el.input.addEventListener('input', sendTyping);

    // Files are refused here, before anything is sent.
    el.input.addEventListener('paste', function (event) {
      var data = event.clipboardData;
      if (!hasFiles(data)) return;
      var textPasted = data && data.getData && data.getData('text/plain');
      if (!textPasted) event.preventDefault();
      showNotice('files_not_accepted');
    });
    ['dragenter', 'dragover'].forEach(function (type) {
      document.addEventListener(type, function (event) {
        if (!hasFiles(event.dataTransfer)) return;
        event.preventDefault();
        try { event.dataTransfer.dropEffect = 'none'; } catch (e) { /* read-only in some browsers */ }
      });
    });
    document.addEventListener('drop', function (event) {
      if (!hasFiles(event.dataTransfer)) return;
      event.preventDefault();
      showNotice('files_not_accepted');
    });

    document.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape' && event.key !== 'Esc') return;
      var now = Date.now();
      var twice = now - lastEscape < 600;
      lastEscape = now;
      if (embedded) {
        event.preventDefault();
        toParent({ type: 'escape' });
      } else if (twice) {
        quickExit(false);
      }
    });

    window.addEventListener('message', function (event) {
      if (!embedded || event.source !== window.parent) return;
      var data = event.data;
      if (!data || data.sb !== MSG) return;
      if (data.type === 'quick-exit') quickExit(true);
      else if (data.type === 'focus') focusFirst();
    });

    // Back online (or back on screen): try at once instead of waiting for the next attempt.
    function retryNow() {
      if (exiting || !ui || conv.ready || conv.starting) return;
      window.clearTimeout(conv.reconnectTimer);
      if (conv.id) reconnect(); else startConversation();
    }
    window.addEventListener('online', retryNow);
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') retryNow(); });

    // Nothing to keep: on the way out, drop what is on screen.
    window.addEventListener('pagehide', function () {
      if (exiting) clearConversationView();
    });
  }

  function focusFirst() {
    try { window.focus(); } catch (e) { /* ignore */ }
    el.input.focus({ preventScroll: true });
  }

  function autoGrow() {
    el.input.style.height = 'auto';
    el.input.style.height = Math.min(el.input.scrollHeight + 2, 144) + 'px';
  }

  function hasFiles(data) {
    if (!data) return false;
    if (data.files && data.files.length > 0) return true;
    var types = data.types ? Array.prototype.slice.call(data.types) : [];
    if (types.indexOf('Files') >= 0) return true;
    var items = data.items ? Array.prototype.slice.call(data.items) : [];
    return items.some(function (item) { return item && item.kind === 'file'; });
  }

  function toParent(message) {
    if (!embedded) return;
    message.sb = MSG;
    try { window.parent.postMessage(message, '*'); } catch (e) { /* ignore */ }
  }

  // ---------------------------------------------------------------- helpers

  function byId(id) { return document.getElementById(id); }

  function auth(token) { return { Authorization: 'Bearer ' + token, Accept: 'application/json' }; }

  function fetchJson(url, options, timeoutMs) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, timeoutMs || 15000) : 0;
    var init = Object.assign({ cache: 'no-store', credentials: 'omit' }, options);
    if (controller) init.signal = controller.signal;
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        window.clearTimeout(timer);
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        return { status: res.status, body: body, headers: res.headers };
      });
    }, function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  function delay(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  function randomId(bytes) {
    var values = new Uint8Array(bytes);
    window.crypto.getRandomValues(values);
    return Array.prototype.map.call(values, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function cleanText(value, max) {
    if (typeof value !== 'string') return '';
    return value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, max);
  }

  function cleanLocale(value) {
    return typeof value === 'string' && /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/.test(value) ? value : '';
  }

  function isHttpUrl(value) {
    if (typeof value !== 'string') return false;
    try {
      var url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch (e) {
      return false;
    }
  }

  function parseColor(value) {
    if (typeof value !== 'string') return null;
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
    if (!m) return null;
    var hex = m[1].length === 3 ? m[1].replace(/(.)/g, '$1$1') : m[1];
    return '#' + hex.toLowerCase();
  }

  function applyAccent(color) {
    var style = document.documentElement.style;
    style.setProperty('--sb-accent', color);
    style.setProperty('--sb-on-accent', readableOn(color));
  }

  // Black or white, whichever contrasts more with the accent (WCAG relative luminance).
  function readableOn(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? '#ffffff' : '#111111';
  }
})();
