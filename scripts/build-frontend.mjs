// Builds static_build/ from installed npm packages. Nothing built or third-party is committed:
// `make install` runs `npm ci` then this script.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static_build");
const nm = join(root, "node_modules");

const copies = [
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

// The stylesheet is compiled rather than copied so that settings can change (no web font
// from the NHS CDN: see static/scss/linkwork.scss).
const sass = await import("sass");
const css = sass.compile(join(root, "static/scss/linkwork.scss"), {
  loadPaths: [nm],
  style: "compressed",
  quietDeps: true,
});
mkdirSync(join(out, "css"), { recursive: true });
writeFileSync(join(out, "css/nhsuk-linkwork.css"), css.css);

// Every image the stylesheet refers to must be a file we just built, by a path relative to
// the stylesheet (so it works under any STATIC_URL, and collectstatic rewrites it to the
// hashed name): a design-system upgrade that moves an icon fails here, not as a 404.
const missing = [];
for (const [, url] of css.css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  if (url.startsWith("data:") || url.startsWith("#")) continue;
  if (url.startsWith("/") || /^[a-z]+:/i.test(url) || !existsSync(join(out, "css", url))) {
    missing.push(url);
  }
}
if (missing.length) {
  console.error(`build-frontend: the stylesheet refers to files not in static_build/: ${[...new Set(missing)].join(", ")}`);
  process.exit(1);
}

console.log(`build-frontend: wrote ${copies.length + 1} entries to static_build/`);
