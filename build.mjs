// Builds pwa/src into pwa/dist: one small bundle per view, so citizens never download the console.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";

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

await build({
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
});
