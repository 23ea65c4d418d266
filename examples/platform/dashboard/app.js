// The dashboard works without JavaScript; this only helps: it asks for
// confirmation before a decision is submitted, refuses to submit a review
// without a reason (the server refuses it too), and prevents double
// submission of any form.
"use strict";
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (form.dataset.submitting === "1") { ev.preventDefault(); return; }
  if (form.classList.contains("review")) {
    var btn = ev.submitter;
    var reason = form.querySelector("textarea[name=reason]");
    if (reason && reason.value.trim() === "") {
      ev.preventDefault();
      reason.setCustomValidity("Give the reason for your decision.");
      reason.reportValidity();
      return;
    }
    if (btn && btn.value === "decline" && !window.confirm("Decline this application?")) {
      ev.preventDefault();
      return;
    }
  }
  form.dataset.submitting = "1";
});
document.addEventListener("input", function (ev) {
  if (ev.target.setCustomValidity) { ev.target.setCustomValidity(""); }
});
