// fengqiao: the small amount of script the pages need. No inline scripts (the content
// security policy forbids them); everything else is server-rendered HTML and htmx.
(function () {
  "use strict";
  var csrf = document.body ? document.body.getAttribute("data-csrf") : "";
  document.addEventListener("htmx:configRequest", function (event) {
    // Every htmx request carries the synchronizer token in a header.
    event.detail.headers["X-CSRF-Token"] = document.body.getAttribute("data-csrf") || csrf;
  });
  if (window.htmx) {
    // Show error answers (validation messages) instead of ignoring them; the server
    // retargets them to the message area.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "[45]..", swap: true, error: true },
    ];
  }
  // The language switch returns to the page it was pressed on.
  document.querySelectorAll("form.lang input[name=back]").forEach(function (input) {
    input.value = window.location.pathname + window.location.search;
  });
})();

// Upload progress of a file form sent by htmx (the address import): the bar shows the
// bytes sent; the import's own progress page takes over once the server has the file.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest && event.target.closest("form");
  var bar = form && form.querySelector("progress#upload");
  if (!bar || !event.detail.lengthComputable) { return; }
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});

// Keyboard-first intake: Ctrl+Enter (or Cmd+Enter) sends the form from any field.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
  var form = event.target.closest && event.target.closest("form#intake");
  if (form) { event.preventDefault(); form.requestSubmit(); }
});
