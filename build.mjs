// Builds pwa/src into pwa/dist: one small bundle per view, so citizens never download the console.
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

const dist = "pwa/dist";
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync("pwa/public", dist, { recursive: true });

await build({
  entryPoints: { citizen: "pwa/src/citizen.js" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome80", "safari14"],
  outdir: dist,
  legalComments: "none",
  logLevel: "warning",
});
