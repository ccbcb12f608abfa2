// The console's sign-in page: posts the username and password as JSON and goes to the console.
// Text only (textContent), never markup built from data.
(function () {
  "use strict";

  var form = document.getElementById("signin");
  var message = document.getElementById("message");
  var submit = document.getElementById("submit");

  // Only a path inside the console, never another site.
  function destination() {
    var target = new URLSearchParams(window.location.search).get("returnUrl");
    if (target && /^\/console(\/[A-Za-z0-9\-._~\/]*)?(\?[^#]*)?$/.test(target) && target.indexOf("//") < 0 && target.indexOf("/console/signin") !== 0) {
      return target;
    }
    return "/console";
  }

  function show(text) {
    message.textContent = text;
  }

  // Already signed in: straight on.
  fetch("/api/staff/session", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { if (response.ok) { window.location.replace(destination()); } })
    .catch(function () { /* the form stays */ });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var username = document.getElementById("username").value.trim();
    var password = document.getElementById("password").value;
    if (!username || !password) {
      show("Enter your username and password.");
      return;
    }

    submit.disabled = true;
    show("");
    fetch("/api/staff/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ username: username, password: password })
    }).then(function (response) {
      if (response.ok) {
        window.location.assign(destination());
        return null;
      }
      return response.json().then(function (body) {
        show(body && body.error && typeof body.error.message === "string" ? body.error.message : "Sign-in failed (" + response.status + ").");
      }, function () {
        show("Sign-in failed (" + response.status + ").");
      });
    }).catch(function () {
      show("The server cannot be reached. Check the connection and try again.");
    }).then(function () {
      submit.disabled = false;
      document.getElementById("password").value = "";
    });
  });
})();
