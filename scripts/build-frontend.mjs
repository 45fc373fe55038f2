// Builds static_build/ from installed npm packages. Nothing built or third-party is committed:
// `make install` runs `npm ci` then this script.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static_build");
const nm = join(root, "node_modules");

const copies = [
  ["nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk-frontend.min.css"],
  ["nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js", "nhsuk/nhsuk-frontend.min.js"],
  ["nhsuk-frontend/dist/nhsuk/assets", "assets"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of copies) {
  const src = join(nm, from);
  if (!existsSync(src)) {
    console.error(`build-frontend: ${src} is missing; run "npm ci" first`);
    process.exit(1);
  }
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(src, join(out, to), { recursive: true });
}
console.log(`build-frontend: wrote ${copies.length} entries to static_build/`);
