// Keeps a server-rendered panel current: every data-refresh-seconds the
// fragment at data-refresh-url replaces the panel's content. Used by the
// admin's "Who is in now" so the front desk sees punches without reloading
// (a reload would also wipe what they were typing in the search box).
(function () {
  "use strict";
  document.querySelectorAll("[data-refresh-url]").forEach(function (panel) {
    var seconds = parseInt(panel.getAttribute("data-refresh-seconds"), 10);
    if (!(seconds > 0)) {
      return;
    }
    function refresh() {
      if (document.hidden) {
        return; // a background tab asks nothing of the server
      }
      fetch(panel.getAttribute("data-refresh-url"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("refresh failed: " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          panel.innerHTML = html;
          panel.removeAttribute("data-stale");
        })
        .catch(function () {
          panel.setAttribute("data-stale", "true"); // logged out or offline: keep what is shown
        });
    }
    window.setInterval(refresh, seconds * 1000);
  });
})();
