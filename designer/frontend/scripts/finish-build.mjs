// After `vite build`: copy Swagger UI and ReDoc from node_modules into the build, and record
// the sources' fingerprint in build-manifest.json (designer/build_hash.py recomputes it).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";

const frontend = new URL("..", import.meta.url).pathname;
const out = join(frontend, "..", "static");

const vendor = [
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["redoc/bundles/redoc.standalone.js", "redoc/redoc.standalone.js"],
];
for (const [from, to] of vendor) {
  mkdirSync(join(out, "vendor", to, ".."), { recursive: true });
  copyFileSync(join(frontend, "node_modules", from), join(out, "vendor", to));
}

const ROOTS = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "public", "scripts", "src"];
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const files = [];
for (const root of ROOTS) {
  const path = join(frontend, root);
  if (!existsSync(path)) continue;
  if (statSync(path).isDirectory()) files.push(...walk(path).map((p) => relative(frontend, p).split(sep).join("/")));
  else files.push(root);
}
// Sorted by UTF-16 code units, which is Python's order for these ASCII names.
files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const digest = createHash("sha256");
for (const name of files) {
  digest.update(Buffer.concat([Buffer.from(name + "\0"), readFileSync(join(frontend, name)), Buffer.from("\0")]));
}

// The workspace's first load: the entry chunk, the workspace chunk, and what they import
// statically (the record page, dashboard and portal are loaded when opened).
const viteManifest = JSON.parse(readFileSync(join(out, "vite-manifest.json"), "utf8"));
const entry = Object.values(viteManifest).find((c) => c.isEntry);
const firstLoad = new Set();
function visit(chunk) {
  if (!chunk || firstLoad.has(chunk.file)) return;
  firstLoad.add(chunk.file);
  for (const key of chunk.imports ?? []) visit(viteManifest[key]);
}
visit(entry);
visit(viteManifest["src/workspace/Workspace.tsx"]);
rmSync(join(out, "vite-manifest.json"));
const gz = (file) => gzipSync(readFileSync(join(out, file)), { level: 9 }).length;
const manifest = {
  sources_sha256: digest.digest("hex"),
  source_files: files.length,
  first_load_js: [...firstLoad].filter((f) => f.endsWith(".js")).sort(),
  first_load_js_gzip_bytes: [...firstLoad].filter((f) => f.endsWith(".js")).reduce((n, f) => n + gz(f), 0),
};
writeFileSync(join(out, "build-manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
console.log(`build-manifest.json: sources ${manifest.sources_sha256.slice(0, 12)}…, first load ${(manifest.first_load_js_gzip_bytes / 1024).toFixed(1)} KiB gzip`);
