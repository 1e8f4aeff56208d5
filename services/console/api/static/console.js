// A report's print button prints the page (the print stylesheet leaves the numbers).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// The worklist refreshes itself when the console says a task changed (Server-Sent Events).
// The event only says "something changed"; the rows are re-read from the console, which
// reads them through notifications' API with the person's own rights.
(function () {
  "use strict";
  var box = document.getElementById("worklist");
  var status = document.getElementById("live-status");
  if (!box || !window.EventSource || !window.fetch) return;

  function say(state) {
    if (!status) return;
    var text = status.dataset[state];
    if (state === "updated") text = status.dataset.on + " · " + text;
    status.textContent = text;
    status.className = "live " + (state === "off" ? "off" : "on");
  }

  // Keep a task the person is working on (an open form, the focus inside) as it is.
  function busy(task) {
    return task.querySelector("details[open]") || task.contains(document.activeElement);
  }

  function merge(html) {
    var next = document.createElement("div");
    next.innerHTML = html;
    next.querySelectorAll(".task").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (old && busy(old)) fresh.replaceWith(old);
    });
    box.replaceChildren.apply(box, Array.prototype.slice.call(next.childNodes));
  }

  var running = false, again = false;
  function refresh() {
    if (running) { again = true; return; }
    running = true;
    fetch(box.dataset.rows, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) { if (html !== null) { merge(html); say("updated"); } })
      .catch(function () { say("off"); })
      .finally(function () {
        running = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(box.dataset.live);
  // On every (re)connection: re-read, so nothing that changed while away is missed.
  source.addEventListener("ready", function () { say("on"); refresh(); });
  source.addEventListener("callback", refresh);
  source.onerror = function () {
    say("off");
    // The console refused the stream (signed out, session over): show the sign-in page.
    if (source.readyState === EventSource.CLOSED) window.location.reload();
  };
})();
