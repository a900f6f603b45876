// Pishkhan's own few lines of script (no build step). Pages work without them.

// A step that cannot be undone (one ending in a final state: reject, cancel, deliver, issue)
// asks first: a slip of the mouse must not reject a citizen's request.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
