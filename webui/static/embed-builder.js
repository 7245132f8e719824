/* coopsearch: copy buttons for the embed builder's snippets (/embed/builder).
 * Without JavaScript the snippets are still there to select and copy by hand. */
(() => {
  "use strict";

  async function copy(textarea, status) {
    try {
      await navigator.clipboard.writeText(textarea.value);
      status.textContent = "Copied.";
    } catch {
      textarea.select(); // no clipboard access: leave it selected for Ctrl+C / Cmd+C
      status.textContent = "Selected: press Ctrl+C (Cmd+C on a Mac) to copy.";
    }
  }

  for (const textarea of document.querySelectorAll("textarea[data-copy]")) {
    const status = document.getElementById(`${textarea.id}-status`);
    const label = document.querySelector(`label[for="${textarea.id}"]`);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = `Copy the ${label ? label.textContent.toLowerCase() : "snippet"}`;
    button.addEventListener("click", () => copy(textarea, status));
    textarea.after(button);
  }
})();
