// SafetyBot hotline console: the live queue, one conversation at a time, and what a staff member does with it.
// Everything shown comes from the server as data and is rendered with textContent: nothing is ever HTML.
// The live line is SignalR's JSON protocol over one WebSocket (/console/hub); every action is a JSON API call
// with the session's CSRF token.
(function () {
  "use strict";

  var RS = "\u001e"; // SignalR record separator
  var session = null;
  var current = null; // id of the open conversation
  var socket = null;
  var invocation = 0;
  var lastTyping = 0;
  var timers = [];
  var $ = function (id) { return document.getElementById(id); };

  function say(text) { $("message").textContent = text || ""; }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET") { headers["X-CSRF-Token"] = session ? session.csrfToken : ""; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(path, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) { window.location.replace("/console/signin"); throw new Error("signed out"); }
      var type = response.headers.get("Content-Type") || "";
      var parsed = type.indexOf("json") >= 0 ? response.json() : Promise.resolve(null);
      return parsed.then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function errorText(result, fallback) {
    return result && result.data && result.data.error ? result.data.error.message : fallback;
  }

  // --- the live line -------------------------------------------------------------------------------------------
  function connect(attempt) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/console/hub");
    var handshaken = false;
    socket.onopen = function () {
      socket.send(JSON.stringify({ protocol: "json", version: 1 }) + RS);
    };
    socket.onmessage = function (event) {
      String(event.data).split(RS).forEach(function (frame) {
        if (!frame) { return; }
        var message;
        try { message = JSON.parse(frame); } catch (e) { return; }
        if (!handshaken) {
          handshaken = true;
          if (message.error) { say("The live queue is not available: " + message.error); return; }
          $("live").textContent = "live";
          attempt = 0;
          clearInterval(connect.ping);
          connect.ping = setInterval(function () {
            if (socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: 6 }) + RS); }
          }, 15000);
          if (current) { invoke("Watch", [current]); }
          return;
        }
        if (message.type === 1) { onEvent(message.target, message.arguments || []); }
        else if (message.type === 3 && message.error) { say(message.error); }
        else if (message.type === 7) { socket.close(); }
      });
    };
    socket.onclose = function () {
      $("live").textContent = "reconnecting…";
      var delay = Math.min(10000, 500 * Math.pow(2, attempt || 0));
      setTimeout(function () { connect((attempt || 0) + 1); }, delay);
    };
  }

  function invoke(target, args) {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return; }
    invocation += 1;
    socket.send(JSON.stringify({ type: 1, invocationId: String(invocation), target: target, arguments: args }) + RS);
  }

  function onEvent(target, args) {
    var data = args[0];
    if (target === "queue") { renderQueue(data || []); }
    else if (target === "message" && data && data.id === current) {
      addLine(data.role, data.text, data.at);
      $("typing").hidden = true;
    } else if (target === "typing" && data && data.id === current) {
      $("typing").hidden = false;
      clearTimeout(onEvent.typingTimer);
      onEvent.typingTimer = setTimeout(function () { $("typing").hidden = true; }, 4000);
    }
  }

  // --- the queue -----------------------------------------------------------------------------------------------
  var BANDS = { crisis: "Crisis", under18: "Under 18", other: "—" };

  function waited(seconds) {
    if (seconds < 60) { return seconds + " s"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min"; }
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  // Routing: each staff member sees the languages and topics they work in (kept in this browser only).
  var lastQueue = [];

  function wanted(id) {
    return ($(id).value || "").split(",").map(function (x) { return x.trim().toLowerCase(); }).filter(Boolean);
  }

  ["filter-languages", "filter-topics"].forEach(function (id) {
    try { $(id).value = window.localStorage.getItem("safetybot." + id) || ""; } catch (e) { /* storage refused */ }
    $(id).addEventListener("input", function () {
      try { window.localStorage.setItem("safetybot." + id, $(id).value); } catch (e) { /* storage refused */ }
      renderQueue(lastQueue);
    });
  });

  function renderQueue(all) {
    lastQueue = all;
    var languages = wanted("filter-languages");
    var topics = wanted("filter-topics");
    var items = all.filter(function (i) {
      return (!languages.length || languages.indexOf(i.language) >= 0) && (!topics.length || topics.indexOf(i.topic || "none") >= 0);
    });
    var body = $("queue");
    body.textContent = "";
    var waiting = 0;
    items.forEach(function (item) {
      var row = document.createElement("tr");
      row.dataset.testid = "queue-row";
      row.dataset.id = item.id;
      row.className = [item.band, item.state === "dead" ? "dead" : "", item.alert !== "none" ? item.alert : ""].join(" ").trim();
      if (item.state === "waiting") { waiting += 1; }
      cell(row, BANDS[item.band] || item.band);
      cell(row, item.language);
      cell(row, item.channel);
      cell(row, waited(item.waitingSeconds));
      cell(row, item.topic || "");
      cell(row, (item.signals || []).join(", "));
      cell(row, item.state === "claimed" ? "with " + item.agent : item.state === "dead" ? "dead letter (" + item.deliveries + " tries)" : "#" + item.position);
      var action = cell(row, "");
      if (item.state === "waiting") {
        var take = document.createElement("button");
        take.type = "button";
        take.className = "claim";
        take.dataset.testid = "claim";
        take.textContent = "Take";
        take.addEventListener("click", function () { claim(item.id); });
        action.appendChild(take);
      } else if (item.state === "claimed" && (item.agent === session.username || session.role !== "agent")) {
        var open = document.createElement("button");
        open.type = "button";
        open.dataset.testid = "open";
        open.textContent = item.agent === session.username ? "Open" : "Watch";
        open.addEventListener("click", function () { openConversation(item.id); });
        action.appendChild(open);
      }
      body.appendChild(row);
    });
    $("empty").hidden = items.length > 0;
    var open = items.filter(function (i) { return i.state === "waiting"; });
    var longest = open.reduce(function (m, i) { return Math.max(m, i.waitingSeconds); }, 0);
    var summary = waiting + " waiting";
    if (open.length) {
      summary += " · " + open.filter(function (i) { return i.band === "crisis"; }).length + " in crisis · longest " + waited(longest);
      var late = open.filter(function (i) { return i.alert !== "none"; }).length;
      if (late) { summary += " · " + late + " over the alert time"; }
    }
    var dead = items.filter(function (i) { return i.state === "dead"; }).length;
    if (dead) { summary += " · " + dead + " dead letters"; }
    $("counts").textContent = "(" + summary + ")";
  }

  function claim(id) {
    api("POST", "/api/staff/conversations/" + id + "/claim").then(function (result) {
      if (result.status === 200) { openConversation(id); say(""); }
      else { say(errorText(result, "This conversation could not be taken.")); }
    }, function () { say("The server cannot be reached."); });
  }

  // --- one conversation ----------------------------------------------------------------------------------------
  var ROLES = { user: "Person", bot: "SafetyBot", staff: "Hotline", note: "Note" };

  function addLine(role, text, at) {
    var item = document.createElement("li");
    item.className = role;
    item.dataset.testid = "line-" + role;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (ROLES[role] || role) + (at ? " · " + new Date(at).toLocaleTimeString() : "");
    var body = document.createElement("span");
    body.textContent = text || "";
    item.appendChild(who);
    item.appendChild(body);
    $("transcript").appendChild(item);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  function openConversation(id) {
    if (current && current !== id) { invoke("Unwatch", [current]); }
    current = id;
    timers.forEach(clearInterval);
    timers = [];
    api("GET", "/api/staff/conversations/" + id).then(function (result) {
      if (result.status !== 200) { say(errorText(result, "This conversation cannot be opened.")); return; }
      var view = result.data;
      $("conversation").hidden = false;
      $("conversation-meta").textContent = "· " + view.language + " · " + view.channel + (view.crisis ? " · CRISIS" : "") +
        (view.topic ? " · " + view.topic : "") + (view.signals.length ? " · " + view.signals.join(", ") : "");
      $("transcript").textContent = "";
      Object.keys(view.results || {}).forEach(function (flow) {
        var values = view.results[flow];
        addLine("note", flow + ": " + Object.keys(values).map(function (k) { return k + "=" + values[k]; }).join(", "));
      });
      view.transcript.forEach(function (line) { addLine(line.role, line.text, line.at); });
      var mine = view.agent === session.username;
      $("reply-form").hidden = !mine;
      $("close").hidden = !mine;
      $("release").hidden = !mine;
      $("outcome").hidden = !mine;
      invoke("Watch", [id]);
      if (mine) {
        timers.push(setInterval(function () { api("POST", "/api/staff/conversations/" + id + "/heartbeat"); }, 20000));
        loadCanned(id);
      }
    }, function () { say("The server cannot be reached."); });
  }

  function loadCanned(id) {
    api("GET", "/api/staff/conversations/" + id + "/canned").then(function (result) {
      var select = $("canned");
      select.textContent = "";
      var first = document.createElement("option");
      first.value = "";
      first.textContent = "Canned reply…";
      select.appendChild(first);
      ((result.data && result.data.replies) || []).forEach(function (reply) {
        var option = document.createElement("option");
        option.value = reply.text;
        option.textContent = reply.text.length > 60 ? reply.text.slice(0, 57) + "…" : reply.text;
        select.appendChild(option);
      });
    });
  }

  $("canned").addEventListener("change", function () {
    if (this.value) { $("reply").value = this.value; $("reply").focus(); }
  });

  $("reply").addEventListener("input", function () {
    var now = Date.now();
    if (current && now - lastTyping > 3000) {
      lastTyping = now;
      api("POST", "/api/staff/conversations/" + current + "/typing");
    }
  });

  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || !current) { return; }
    api("POST", "/api/staff/conversations/" + current + "/messages", { text: text }).then(function (result) {
      if (result.status === 202) { addLine("staff", text, new Date().toISOString()); $("reply").value = ""; say(""); }
      else { say(errorText(result, "The message was not sent.")); }
    }, function () { say("The server cannot be reached: the message was not sent."); });
  });

  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note").value.trim();
    if (!text || !current) { return; }
    api("POST", "/api/staff/conversations/" + current + "/notes", { text: text }).then(function (result) {
      if (result.status === 204) { addLine("note", session.username + ": " + text); $("note").value = ""; }
      else { say(errorText(result, "The note was not saved.")); }
    });
  });

  function finish(path, body) {
    if (!current) { return; }
    api("POST", "/api/staff/conversations/" + current + path, body).then(function (result) {
      if (result.status === 204) {
        invoke("Unwatch", [current]);
        current = null;
        timers.forEach(clearInterval);
        timers = [];
        $("conversation").hidden = true;
      } else { say(errorText(result, "That did not work.")); }
    });
  }

  $("close").addEventListener("click", function () { finish("/close", { outcome: $("outcome").value }); });
  $("release").addEventListener("click", function () { finish("/release"); });

  // --- presence and session ------------------------------------------------------------------------------------
  function presence() {
    return api("POST", "/api/staff/presence", { online: $("presence").value === "online" });
  }

  $("presence").addEventListener("change", presence);

  $("signout").addEventListener("click", function () {
    api("POST", "/api/staff/presence", { online: false }).then(function () {
      return api("DELETE", "/api/staff/session");
    }).then(function () { window.location.replace("/console/signin"); }, function () { window.location.replace("/console/signin"); });
  });

  api("GET", "/api/staff/session").then(function (result) {
    session = result.data;
    $("who").textContent = session.username + " (" + session.role + ")";
    presence();
    setInterval(presence, 30000);
    connect(0);
  }, function () { say("The server cannot be reached."); });
})();
