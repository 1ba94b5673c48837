// Progressive enhancement only: every page works without this file.
// Forms marked data-confirm ask before they are sent (replays change what the hub does).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // Avoid double submission on slow connections.
  var buttons = form.querySelectorAll("button[type=submit]");
  window.setTimeout(function () {
    buttons.forEach(function (b) { b.disabled = true; });
  }, 0);
});
// After a failed form, move focus to the list of errors so screen readers announce it.
document.addEventListener("DOMContentLoaded", function () {
  var errors = document.getElementById("errors");
  if (errors) errors.focus();
});
