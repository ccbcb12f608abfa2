/*
 * SafetyBot web chat widget loader.
 *   <script src="https://HOST/embed.js" data-locale="uk" data-title="Help" async></script>
 * Optional: data-neutral="true" (plain name and icon), data-color="#1d6b73", data-position="left|right",
 * data-button-label="…". Adds a help button that opens the chat (HOST/chat) in an isolated panel.
 * Everything lives in one shadow root; the only global is window.SafetyBotWidget {open, close, quickExit}.
 * Nothing is written to cookies or storage.
 */
(function () {
  'use strict';

  if (window.SafetyBotWidget) return; // loaded twice: keep the first

  var MSG = 'safetybot-widget';
  var FALLBACK_LABEL = 'Chat'; // absolute last resort, only if the widget's texts cannot be fetched
  var FALLBACK_QUICK_EXIT = 'Quick exit';
  var FALLBACK_EXIT_URL = 'about:blank';

  var script = document.currentScript || findScript();
  if (!script || !script.src) return;
  var origin;
  try { origin = new URL(script.src, window.location.href).origin; } catch (e) { return; }

  var data = script.dataset || {};
  var neutral = /^(true|1|yes)$/i.test(data.neutral || '');
  var config = {
    locale: cleanLocale(data.locale) || cleanLocale(navigator.language) || '',
    title: cleanText(data.title, 60),
    buttonLabel: cleanText(data.buttonLabel, 60),
    color: parseColor(data.color),
    position: data.position === 'left' || data.position === 'right' ? data.position : null
  };

  var labels = {};
  var direction = 'ltr';
  var language = config.locale || 'en';
  var quickExitUrl = FALLBACK_EXIT_URL;
  var isOpen = false;
  var exiting = false;
  var focusWhenReady = false;
  var frameReady = false;
  var lastEscape = 0;
  var closedByEscapeAt = 0;
  var exitTimer = 0;
  var dom = null;
  var side = null;

  window.SafetyBotWidget = Object.freeze({ open: open, close: close, quickExit: quickExit });

  fetchUi().then(function () {
    whenBodyReady(build);
  });

  // ------------------------------------------------------------------ texts

  function fetchUi() {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, 6000) : 0;
    var init = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' };
    if (controller) init.signal = controller.signal;
    return fetch(origin + '/api/webchat/ui?locale=' + encodeURIComponent(config.locale), init)
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.texts) {
          labels = body.texts;
          direction = body.direction === 'rtl' ? 'rtl' : 'ltr';
          language = cleanLocale(body.language) || language;
          if (isHttpUrl(body.quickExitUrl)) quickExitUrl = body.quickExitUrl;
        }
      })
      .catch(function () { /* the button still appears; the chat page says what it can */ })
      .then(function () { window.clearTimeout(timer); });
  }

  function label(key) { return typeof labels[key] === 'string' ? labels[key] : ''; }

  function launcherText() {
    return config.buttonLabel || label(neutral ? 'open_neutral' : 'open') || config.title || FALLBACK_LABEL;
  }

  function titleText() {
    return config.title || label(neutral ? 'title_neutral' : 'title') || launcherText();
  }

  // ------------------------------------------------------------------ DOM

  function build() {
    var host = document.createElement('div');
    host.setAttribute('data-safetybot-widget', '');
    // The host page's CSS must not reach the widget (e.g. a transform would break position: fixed).
    host.style.setProperty('all', 'initial', 'important');
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    addStyles(root);

    var wrap = el('div', 'sbw');
    var launcher = el('button', 'sbw-launcher');
    launcher.type = 'button';
    launcher.setAttribute('data-testid', 'safetybot-launcher');
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'sbw-panel');
    launcher.appendChild(icon(neutral));
    var launcherLabel = el('span', 'sbw-launcher-label');
    launcher.appendChild(launcherLabel);

    var panel = el('div', 'sbw-panel');
    panel.id = 'sbw-panel';
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-modal', 'false');
    panel.setAttribute('aria-labelledby', 'sbw-title');
    panel.setAttribute('data-testid', 'safetybot-panel');

    var header = el('div', 'sbw-header');
    var title = el('h2', 'sbw-title');
    title.id = 'sbw-title';
    title.setAttribute('data-testid', 'safetybot-title');
    var exitButton = el('button', 'sbw-exit');
    exitButton.type = 'button';
    exitButton.setAttribute('data-testid', 'safetybot-quick-exit');
    exitButton.setAttribute('aria-describedby', 'sbw-exit-note');
    var note = el('span', 'sbw-hidden');
    note.id = 'sbw-exit-note';
    var closeButton = el('button', 'sbw-close');
    closeButton.type = 'button';
    closeButton.setAttribute('data-testid', 'safetybot-close');
    closeButton.appendChild(closeIcon());
    var closeLabel = el('span', 'sbw-hidden');
    closeButton.appendChild(closeLabel);
    header.appendChild(title);
    header.appendChild(exitButton);
    header.appendChild(closeButton);
    header.appendChild(note);

    var frameBox = el('div', 'sbw-frame');
    panel.appendChild(header);
    panel.appendChild(frameBox);

    var cover = el('div', 'sbw-cover');
    cover.hidden = true;
    cover.setAttribute('data-testid', 'safetybot-cover');

    wrap.appendChild(panel);
    wrap.appendChild(launcher);
    wrap.appendChild(cover);
    root.appendChild(wrap);

    dom = {
      host: host, root: root, wrap: wrap, launcher: launcher, launcherLabel: launcherLabel, panel: panel, title: title,
      exitButton: exitButton, note: note, closeButton: closeButton, closeLabel: closeLabel, frameBox: frameBox,
      cover: cover, iframe: null
    };
    applyLabels();

    launcher.addEventListener('click', function () { if (isOpen) close(); else open(); });
    closeButton.addEventListener('click', function () { close(); });
    exitButton.addEventListener('click', function () { quickExit(); });
    document.addEventListener('keydown', onKeydown, true);
    window.addEventListener('message', onMessage);

    document.body.appendChild(host);
  }

  function applyLabels() {
    if (!dom) return;
    // The corner is chosen once: it does not jump when the person changes language in the chat.
    if (!side) side = config.position || (direction === 'rtl' ? 'left' : 'right');
    dom.wrap.setAttribute('dir', direction);
    dom.wrap.setAttribute('lang', language);
    dom.wrap.className = 'sbw sbw-' + side + (isOpen ? ' sbw-open' : '');
    if (config.color) {
      dom.wrap.style.setProperty('--sbw-accent', config.color);
      dom.wrap.style.setProperty('--sbw-on-accent', readableOn(config.color));
    }
    dom.launcherLabel.textContent = launcherText();
    dom.title.textContent = titleText();
    dom.exitButton.textContent = label('quick_exit') || FALLBACK_QUICK_EXIT;
    dom.exitButton.title = label('quick_exit_note');
    dom.note.textContent = label('quick_exit_note');
    dom.closeLabel.textContent = label('close');
    dom.closeButton.title = label('close');
    if (dom.iframe) dom.iframe.title = titleText();
  }

  function ensureFrame() {
    if (dom.iframe) return dom.iframe;
    var query = new URLSearchParams();
    query.set('locale', language);
    if (config.title) query.set('title', config.title);
    if (neutral) query.set('neutral', 'true');
    if (config.color) query.set('theme', config.color.slice(1));
    var iframe = document.createElement('iframe');
    iframe.className = 'sbw-iframe';
    iframe.title = titleText();
    iframe.setAttribute('referrerpolicy', 'no-referrer');
    iframe.setAttribute('data-testid', 'safetybot-iframe');
    iframe.src = origin + '/chat?' + query.toString();
    dom.frameBox.appendChild(iframe);
    dom.iframe = iframe;
    return iframe;
  }

  // ------------------------------------------------------------------ open, close, quick exit

  function open() {
    if (exiting) return;
    if (!dom) { whenBodyReady(function () { if (dom) open(); }); return; }
    ensureFrame();
    isOpen = true;
    lastEscape = 0; // a double Escape counts only when nothing happened in between
    closedByEscapeAt = 0;
    dom.panel.hidden = false;
    dom.wrap.classList.add('sbw-open');
    dom.launcher.setAttribute('aria-expanded', 'true');
    // One focus request per opening: a late one must not pull focus back into a closed panel.
    if (frameReady) {
      focusFrame();
    } else {
      focusWhenReady = true;
      try { dom.iframe.focus(); } catch (e) { /* ignore */ }
    }
  }

  function close() {
    if (!dom || !isOpen) return;
    isOpen = false;
    focusWhenReady = false;
    dom.panel.hidden = true;
    dom.wrap.classList.remove('sbw-open');
    dom.launcher.setAttribute('aria-expanded', 'false');
    dom.launcher.focus();
  }

  function focusFrame() {
    if (!dom.iframe) return;
    try { dom.iframe.focus(); } catch (e) { /* ignore */ }
    post({ type: 'focus' });
  }

  // Covers the page at once, asks the chat to erase the conversation, removes the chat and replaces this
  // page with a neutral one (location.replace, so Back does not come back here).
  function quickExit() {
    if (exiting) return;
    exiting = true;
    isOpen = false;
    if (dom) {
      dom.cover.hidden = false;
      dom.panel.hidden = true;
      dom.launcher.hidden = true;
    }
    if (dom && dom.iframe) {
      dom.iframe.classList.add('sbw-gone');
      post({ type: 'quick-exit' });
      // The chat answers as soon as the server has erased the conversation; the page is covered meanwhile.
      exitTimer = window.setTimeout(leave, 800);
    } else {
      leave();
    }
  }

  function leave() {
    window.clearTimeout(exitTimer);
    if (dom && dom.iframe) {
      dom.iframe.remove();
      dom.iframe = null;
    }
    window.location.replace(quickExitUrl);
  }

  // ------------------------------------------------------------------ events

  function onKeydown(event) {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    var path = event.composedPath ? event.composedPath() : [];
    var inWidget = dom && path.indexOf(dom.host) >= 0;
    if (inWidget || Date.now() - closedByEscapeAt < 600) {
      escape();
      if (inWidget) event.preventDefault();
    }
  }

  // Escape closes the chat; Escape pressed twice quickly is the quick exit.
  function escape() {
    var now = Date.now();
    var twice = now - lastEscape < 600;
    lastEscape = now;
    if (twice && (isOpen || now - closedByEscapeAt < 600)) {
      quickExit();
    } else if (isOpen) {
      closedByEscapeAt = now;
      close();
    }
  }

  function onMessage(event) {
    if (!dom || !dom.iframe || event.source !== dom.iframe.contentWindow || event.origin !== origin) return;
    var message = event.data;
    if (!message || message.sb !== MSG) return;
    switch (message.type) {
      case 'ui':
        if (message.labels && typeof message.labels === 'object') {
          labels = Object.assign({}, labels, pickStrings(message.labels));
        }
        if (message.dir === 'rtl' || message.dir === 'ltr') direction = message.dir;
        if (cleanLocale(message.lang)) language = message.lang;
        if (isHttpUrl(message.quickExitUrl)) quickExitUrl = message.quickExitUrl;
        applyLabels();
        frameReady = true;
        if (isOpen && focusWhenReady) {
          focusWhenReady = false;
          focusFrame();
        }
        break;
      case 'escape':
        escape();
        break;
      case 'quick-exit':
        quickExit();
        break;
      case 'erased':
        if (exiting) leave();
        break;
      default:
        break;
    }
  }

  function post(message) {
    if (!dom || !dom.iframe || !dom.iframe.contentWindow) return;
    message.sb = MSG;
    try { dom.iframe.contentWindow.postMessage(message, origin); } catch (e) { /* ignore */ }
  }

  // ------------------------------------------------------------------ helpers

  function findScript() {
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/embed\.js(\?|#|$)/.test(scripts[i].src || '')) return scripts[i];
    }
    return null;
  }

  function whenBodyReady(fn) {
    if (document.body) fn();
    else document.addEventListener('DOMContentLoaded', fn, { once: true });
  }

  function el(tag, className) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function svg(children, size) {
    var ns = 'http://www.w3.org/2000/svg';
    var node = document.createElementNS(ns, 'svg');
    node.setAttribute('viewBox', '0 0 24 24');
    node.setAttribute('width', String(size));
    node.setAttribute('height', String(size));
    node.setAttribute('aria-hidden', 'true');
    node.setAttribute('focusable', 'false');
    children.forEach(function (c) {
      var path = document.createElementNS(ns, 'path');
      Object.keys(c).forEach(function (k) { path.setAttribute(k, c[k]); });
      node.appendChild(path);
    });
    return node;
  }

  function icon(plain) {
    var bubble = { d: 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 14.5z', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' };
    if (plain) return svg([bubble], 24);
    var heart = { d: 'M12 13.2l-2.6-2.5a1.6 1.6 0 0 1 2.3-2.3l.3.3.3-.3a1.6 1.6 0 0 1 2.3 2.3z', fill: 'currentColor' };
    return svg([bubble, heart], 24);
  }

  function closeIcon() {
    return svg([{ d: 'M6 6l12 12M18 6L6 18', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.4', 'stroke-linecap': 'round' }], 22);
  }

  function pickStrings(source) {
    var out = {};
    Object.keys(source).forEach(function (k) {
      if (typeof source[k] === 'string' && source[k].length <= 500) out[k] = source[k];
    });
    return out;
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

  function readableOn(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? '#ffffff' : '#111111';
  }

  // Styles go in as a constructed stylesheet, which strict host-page CSPs (style-src 'self') allow;
  // a <style> element is the fallback for browsers without adoptedStyleSheets.
  function addStyles(root) {
    var css = CSS_TEXT;
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === 'function') {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) { /* fall through */ }
    }
    var style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }

  var CSS_TEXT = [
    ':host{all:initial}',
    '.sbw{--sbw-accent:#1d6b73;--sbw-on-accent:#ffffff;--sbw-exit:#3b3531;--sbw-focus:#0b57d0;',
    '  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",Tahoma,Arial,sans-serif;',
    '  font-size:16px;line-height:1.3;color:#1f1d1b}',
    '.sbw *,.sbw *::before,.sbw *::after{box-sizing:border-box}',
    '[hidden]{display:none!important}',
    '.sbw-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}',
    'button{font:inherit;cursor:pointer;-webkit-tap-highlight-color:transparent}',
    'button:focus-visible{outline:3px solid var(--sbw-focus);outline-offset:3px;box-shadow:0 0 0 6px #ffffff}',
    '.sbw-launcher{position:fixed;z-index:2147483000;bottom:20px;display:inline-flex;align-items:center;gap:10px;',
    '  min-height:56px;max-width:calc(100vw - 40px);padding:12px 20px;border:2px solid #ffffff;border-radius:999px;',
    '  background:var(--sbw-accent);color:var(--sbw-on-accent);font-size:16px;font-weight:600;text-align:start;',
    '  box-shadow:0 4px 16px rgba(0,0,0,.22)}',
    '.sbw-launcher svg{flex:none}',
    '.sbw-launcher-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    '.sbw-right .sbw-launcher{right:20px}',
    '.sbw-left .sbw-launcher{left:20px}',
    '.sbw-panel{position:fixed;z-index:2147483001;bottom:92px;width:380px;height:min(640px,calc(100vh - 112px));',
    '  max-width:calc(100vw - 40px);display:flex;flex-direction:column;overflow:hidden;border-radius:16px;',
    '  background:#fbf7f2;box-shadow:0 10px 40px rgba(0,0,0,.28);border:1px solid rgba(0,0,0,.12)}',
    '.sbw-right .sbw-panel{right:20px}',
    '.sbw-left .sbw-panel{left:20px}',
    '.sbw-header{flex:none;display:flex;align-items:center;gap:8px;padding:8px;padding-inline-start:16px;',
    '  background:var(--sbw-accent);color:var(--sbw-on-accent)}',
    '.sbw-title{flex:1 1 auto;min-width:0;margin:0;font-size:18px;font-weight:600;line-height:1.2;color:inherit;',
    '  overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    '.sbw-exit{flex:none;min-height:44px;padding:8px 16px;border:2px solid #ffffff;border-radius:999px;',
    '  background:var(--sbw-exit);color:#ffffff;font-weight:600;font-size:15px;line-height:1.2}',
    '.sbw-exit:hover{background:#1f1b18}',
    '.sbw-close{flex:none;display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;',
    '  padding:0;border:0;border-radius:50%;background:transparent;color:inherit}',
    '.sbw-close:hover{background:rgba(0,0,0,.15)}',
    '.sbw-header button:focus-visible{outline-color:var(--sbw-on-accent);box-shadow:none;outline-offset:2px}',
    '.sbw-frame{flex:1 1 auto;min-height:0;display:flex}',
    '.sbw-iframe{flex:1 1 auto;width:100%;height:100%;border:0;display:block;background:#fbf7f2}',
    '.sbw-iframe.sbw-gone{visibility:hidden}',
    '.sbw-cover{position:fixed;inset:0;z-index:2147483647;background:#ffffff}',
    '@media (max-width:480px){',
    '  .sbw-panel{top:0;bottom:0;left:0!important;right:0!important;width:100%;max-width:100%;height:100%;',
    '    border-radius:0;border:0}',
    '  .sbw-open .sbw-launcher{display:none}',
    '  .sbw-launcher{bottom:16px}',
    '  .sbw-right .sbw-launcher{right:16px}',
    '  .sbw-left .sbw-launcher{left:16px}',
    '}',
    '@media (max-height:520px) and (min-width:481px){.sbw-panel{bottom:84px;height:calc(100vh - 100px)}}',
    '@media (forced-colors:active){.sbw-launcher,.sbw-exit,.sbw-close,.sbw-panel{border:2px solid CanvasText}}'
  ].join('\n');
})();
