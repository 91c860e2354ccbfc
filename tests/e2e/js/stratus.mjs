// Starts the stratus binary for the JS tests, the same way the Python fixtures do: port 0,
// wait (10 s at most) for "stratus ready on http://127.0.0.1:PORT", SIGTERM to stop.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..", "..");
export const stratusBin =
  process.env.STRATUS_BIN ?? path.join(repoRoot, "build", "release", "stratus");

const READY = /^stratus ready on (http:\/\/\S+:(\d+))\s*$/;

export async function startStratus(args = [], { timeoutMs = 10_000 } = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("STRATUS_")),
  );
  const child = spawn(stratusBin, ["--host", "127.0.0.1", "--port", "0", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`stratus (${stratusBin}) ${why}\nstderr:\n${stderr}`));
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`not ready within ${timeoutMs} ms`);
    }, timeoutMs);
    lines.on("line", (line) => {
      const m = READY.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("error", (e) => fail(`failed to start: ${e.message}`));
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before ready`));
  });
  return {
    url,
    child,
    // SIGTERM; resolves to the exit code.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      return code;
    },
  };
}

export const testCredentials = { accessKeyId: "test", secretAccessKey: "test" };

export function clientConfig(url, credentials = testCredentials) {
  return { endpoint: url, region: "us-east-1", credentials, maxAttempts: 1 };
}
