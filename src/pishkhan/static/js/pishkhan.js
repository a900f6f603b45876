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
  var reason = button.form && button.form.elements.namedItem("comment");
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
    name.textContent = input.getAttribute("data-none");
    face.append(button, name);
    input.parentNode.insertBefore(box, input);
    box.append(face, input);
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      name.textContent = names.length ? names.join("، ") : input.getAttribute("data-none");
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
