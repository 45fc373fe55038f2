// Starts the NHS.UK frontend components (kept out of the page so the CSP needs no inline code).
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
