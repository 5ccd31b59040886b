// Starts a Steward of its own (the release build, or STEWARD_BIN) on a site directory and a
// fresh data directory, for the cache spec and the hydration benchmark, which need a server
// whose files they can change or whose first-run link they can read.
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const binary = path.resolve(ROOT, process.env.STEWARD_BIN ?? path.join("target", "release", "steward"));

/**
 * @param {{ port: number, scratch: string, site: string, hashFile: string }} options
 * @returns {Promise<{ base: string, log: string, stop: () => void }>}
 */
async function startSteward({ port, scratch, site, hashFile }) {
  const base = `http://127.0.0.1:${port}`;
  const log = path.join(scratch, "server.log");
  const out = fs.openSync(log, "w");
  const server = spawn(binary, ["serve"], {
    env: {
      ...process.env,
      STEWARD_CONFIG: path.join(ROOT, "Leptos.toml"),
      STEWARD_DATA_DIR: path.join(scratch, "data"),
      STEWARD_LISTEN_ADDRESS: `127.0.0.1:${port}`,
      STEWARD_PUBLIC_URL: base,
      STEWARD_SITE_ROOT: site,
      STEWARD_HASH_FILE: hashFile,
      STEWARD_MAIL_RELAY: "",
      // The BCC email SMTP listener on a free port (instances run side by side).
      STEWARD_INBOUND_SMTP_ADDRESS: process.env.STEWARD_INBOUND_SMTP_ADDRESS ?? "127.0.0.1:0",
    },
    stdio: ["ignore", out, out],
  });
  const stop = () => server.kill();
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  stop();
  throw new Error(`Steward did not start on ${base}:\n${fs.readFileSync(log, "utf8")}`);
}

/** The hash file of the build (cargo-leptos writes it beside the binary). */
const buildHashFile = path.join(path.dirname(binary), "hash.txt");

module.exports = { ROOT, startSteward, buildHashFile };
