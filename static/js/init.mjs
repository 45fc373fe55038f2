// Starts the NHS.UK frontend components (kept out of the page so the CSP needs no inline code).
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// After htmx swaps part of a page, a new error summary takes the focus as it does on a full
// page load, so keyboard and screen-reader users hear what went wrong.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const summary = event.detail.elt.querySelector?.(".nhsuk-error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
