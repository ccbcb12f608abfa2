// Placeholder console page: who is signed in, and signing out (DELETE with the session's CSRF token).
(function () {
  "use strict";

  var csrfToken = null;

  fetch("/api/staff/session", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (response.status === 401) {
        window.location.replace("/console/signin");
        return null;
      }
      return response.json();
    })
    .then(function (session) {
      if (!session) {
        return;
      }
      csrfToken = session.csrfToken;
      document.getElementById("who").textContent = session.username;
      document.getElementById("role").textContent = session.role;
    })
    .catch(function () {
      document.getElementById("message").textContent = "The server cannot be reached.";
    });

  document.getElementById("signout").addEventListener("click", function () {
    fetch("/api/staff/session", {
      method: "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken || "" }
    }).then(function () {
      window.location.replace("/console/signin");
    }, function () {
      document.getElementById("message").textContent = "The server cannot be reached.";
    });
  });
})();
