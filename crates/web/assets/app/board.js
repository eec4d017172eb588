// The live board: listens to /incidents/events (server-sent events) and, when an
// incident of the viewer's jurisdiction changes, re-reads the page as an htmx
// fragment and replaces only the stage columns and the register, so the intake form
// keeps what is being typed. The indicator shows whether the board is live; a lost
// stream is reopened with a growing pause, and the board is re-read after a gap.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var sections = ["board", "incident-list"];
  var changed = {};
  var timer = null;
  var pause = 1000;
  var missed = false;

  function show(state) {
    live.className = "live " + state;
    live.textContent = live.getAttribute("data-" + state) || state;
  }

  function refresh() {
    timer = null;
    var ids = changed;
    changed = {};
    fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("status " + answer.status); }
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        sections.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) { now.replaceWith(document.importNode(next, true)); }
        });
        Object.keys(ids).forEach(function (id) {
          document.querySelectorAll("[data-incident='" + id + "']").forEach(function (line) {
            line.classList.add("changed");
          });
        });
      })
      .catch(function () { show("offline"); });
  }

  function soon(id) {
    if (id) { changed[id] = true; }
    if (!timer) { timer = window.setTimeout(refresh, 150); }
  }

  function connect() {
    show("connecting");
    var source = new EventSource("/incidents/events");
    source.addEventListener("open", function () {
      pause = 1000;
      show("on");
      // Changes made while the stream was down were not heard: read the board again.
      if (missed) { missed = false; soon(null); }
    });
    source.addEventListener("incident", function (event) {
      try { soon(JSON.parse(event.data).id); } catch (e) { soon(null); }
    });
    source.addEventListener("resync", function () { soon(null); });
    source.addEventListener("error", function () {
      missed = true;
      show("offline");
      // The browser retries by itself unless the answer was not a stream (signed out,
      // refused); then retry by hand, more slowly each time.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        window.setTimeout(connect, pause);
        pause = Math.min(pause * 2, 30000);
      }
    });
  }

  connect();
})();
