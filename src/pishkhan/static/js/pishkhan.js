// Pishkhan's own few lines of script (no build step). Pages work without them.

// A step that cannot be undone (one ending in a final state: reject, cancel, deliver, issue)
// asks first: a slip of the mouse must not reject a citizen's request.
// A step that needs a reason is not asked about while the reason is empty: the page would say
// "write the reason" only after the confirmation, and nothing is done without it anyway.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (!button) {
    return;
  }
  // data-needs-comment may name the reason's field (licensing/office.html: "r-reason").
  var reason = button.form && button.form.elements.namedItem(button.getAttribute("data-needs-comment") || "comment");
  if (button.hasAttribute("data-needs-comment") && reason && !reason.value.trim()) {
    return;
  }
  if (!window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// A file input shows the browser's words ("Choose File", "No file chosen") in the browser's
// language. Each one marked with data-choose gets a face in the page's words, and the real input
// lies over it, transparent, so the click, the keyboard and the screen reader still reach it.
function filePickers(root) {
  root.querySelectorAll("input[type=file][data-choose]").forEach(function (input) {
    if (input.parentNode.classList.contains("file-pick")) {
      return;
    }
    var box = document.createElement("span");
    box.className = "file-pick form-control" + (input.classList.contains("is-invalid") ? " is-invalid" : "");
    var face = document.createElement("span");
    face.className = "file-pick-face";
    face.setAttribute("aria-hidden", "true");
    var button = document.createElement("span");
    button.className = "btn btn-sm btn-outline-secondary";
    button.textContent = input.getAttribute("data-choose");
    var name = document.createElement("span");
    name.className = "file-pick-name";
    name.dir = "auto";
    // A document kept from the last try (data-held, decision 44) is named, not "No file chosen".
    var empty = input.getAttribute("data-held") || input.getAttribute("data-none");
    name.textContent = empty;
    face.append(button, name);
    input.parentNode.insertBefore(box, input);
    box.append(face, input);
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      name.textContent = names.length ? names.join("، ") : empty;
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { filePickers(document); });
document.addEventListener("htmx:load", function (event) { filePickers(event.target); });

// One click files one request: the button is disabled once the form is sent (the server also
// de-duplicates by the form's idempotency key).
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("button[data-once]");
  if (button && !event.defaultPrevented) {
    button.disabled = true;
  }
});

// "Print" on receipts and certificates.
document.addEventListener("click", function (event) {
  if (event.target.closest("button[data-print]")) {
    window.print();
  }
});

// A refused form comes back with an error summary (templates/_form_errors.html) linking to each
// field in error: the focus goes to it, so a screen reader reads it first and a keyboard user
// goes on from it to the fields (decision 55).
function focusErrorSummary(root) {
  var summary = root.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
}
document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
// A form htmx answers in place (the tracking look-up) gets the same: its summary is new content.
document.addEventListener("htmx:load", function (event) { focusErrorSummary(event.target); });
// A link of the summary puts the focus in its field (a browser only scrolls to it) and shows the
// field's label with it.
document.addEventListener("click", function (event) {
  var link = event.target.closest(".error-summary a[href^='#']");
  var field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!field) {
    return;
  }
  event.preventDefault();
  var label = document.querySelector("label[for='" + field.id + "']");
  (label && label.offsetParent ? label : field).scrollIntoView();
  field.focus({ preventScroll: true });
});
