// Builds pwa/src into pwa/dist: one small bundle per view, so citizens never download the console.
// Then the service worker, which precaches exactly the citizen's shell (its file list and a content hash are
// baked in, so any change to the shell makes a byte-different sw.js and the browser offers the new version),
// and finally .br/.gz twins of every text file so the server can send the first load compressed.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = "pwa/dist";
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync("pwa/public", dist, { recursive: true });

const entries = {
  citizen: "pwa/src/citizen.js",
  console: "pwa/src/console/main.js",
  agency: "pwa/src/agency/main.js",
};
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, path]) => existsSync(path)));

const result = await build({
  entryPoints,
  bundle: true,
  minify: true,
  splitting: true,
  format: "esm",
  target: ["chrome80", "safari14"],
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
});

// The citizen's shell: its entry, every chunk it imports (statically or lazily) and its public files.
function citizenScripts() {
  const outputs = result.metafile.outputs;
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path) || !outputs[path]) return;
    seen.add(path);
    for (const imp of outputs[path].imports) visit(imp.path);
  };
  visit(`${dist}/citizen.js`);
  return [...seen].map((p) => "/" + relative(dist, p));
}
const PUBLIC_SHELL = ["/", "/citizen.css", "/manifest.webmanifest", "/exit.html", "/icons/icon-192.png", "/icons/icon-512.png"];
const shell = [...PUBLIC_SHELL, ...(existsSync(entries.citizen) ? citizenScripts() : [])];
const version = createHash("sha256");
for (const url of shell) version.update(readFileSync(join(dist, url === "/" ? "index.html" : url.slice(1))));

if (existsSync("pwa/src/sw.js")) {
  await build({
    entryPoints: ["pwa/src/sw.js"],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["chrome80", "safari14"],
    outfile: `${dist}/sw.js`,
    legalComments: "none",
    logLevel: "warning",
    define: { __SHELL__: JSON.stringify(shell), __VERSION__: JSON.stringify(version.digest("hex").slice(0, 16)) },
  });
}

// Pre-compressed twins; the server picks br, then gzip, by Accept-Encoding.
const TEXT = /\.(js|css|html|webmanifest|svg|json|txt)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name)) {
      const raw = readFileSync(path);
      const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
      const gz = gzipSync(raw, { level: 9 });
      if (br.length < raw.length) writeFileSync(path + ".br", br);
      if (gz.length < raw.length) writeFileSync(path + ".gz", gz);
    }
  }
}
walk(dist);
