// Browser test of the agents' dashboard, as a person would use it.
//
// It starts the platform binary (PLATFORM_BIN, built by run.sh) on a free
// 127.0.0.1 port with a fresh SQLite file, reads the seeded agent's password
// and TOTP secret from what `serve` prints at first start, and drives
// Debian's chromium through playwright-core: sign in with password and a
// TOTP code computed here (RFC 6238), open the review queue, approve a
// referred application with a reason, and check that the portfolio's
// "granted" figures grew by that application. Screenshots go to E2E_OUT
// (default: ./out, gitignored). Every request the page makes must stay on
// the platform's origin: no CDN, no external fetch.
//
// Exit status 0 on success; any failure throws and exits 1.

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.PLATFORM_BIN;
if (!bin) throw new Error("set PLATFORM_BIN to the built platform binary (run.sh does)");
const outDir = process.env.E2E_OUT || path.join(here, "out");
fs.mkdirSync(outDir, { recursive: true });

function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + msg);
}

// freePort asks the kernel for an unused port on 127.0.0.1.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// totp is RFC 6238 (SHA-1, 6 digits, 30-second steps) of a base32 secret,
// as the platform's totp.go and authenticator apps compute it.
function totp(secretB32, now = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretB32.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error("bad base32 in TOTP secret");
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const mac = crypto.createHmac("sha1", Buffer.from(bytes)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, "0");
}

// startPlatform runs `serve` and resolves with the seeded agent's
// credentials once /healthz answers.
async function startPlatform(port, dbPath) {
  const proc = spawn(bin, ["serve", "-addr", `127.0.0.1:${port}`, "-db", dbPath, "-cycle-every", "0", "-notify-every", "1s"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (b) => (stdout += b));
  proc.stderr.on("data", (b) => (stderr += b));
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`platform exited ${proc.exitCode}:\n${stderr}`);
    try {
      const res = await fetch(base + "/healthz");
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = stdout.match(/agent\s+(\S+)\s+password (\S+)\s+totp secret (\S+)/);
  assert(m, "serve printed the seeded agent's credentials:\n" + stdout + stderr);
  return { proc, exited, base, email: m[1], password: m[2], secret: m[3], logs: () => stderr };
}

async function figure(page, name) {
  return (await page.locator(`[data-figure="${name}"]`).innerText()).trim();
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "lendkit-e2e-"));
  const port = await freePort();
  const platform = await startPlatform(port, path.join(work, "platform.db"));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lendkit-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = context.pages()[0] || (await context.newPage());
    const foreign = [];
    page.on("request", (req) => {
      const u = req.url();
      if (!u.startsWith(platform.base + "/") && !u.startsWith("data:")) foreign.push(u);
    });
    const consoleErrors = [];
    page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    page.on("response", (res) => res.status() >= 400 && consoleErrors.push(`${res.status()} ${res.url()}`));

    // Sign in: password and a TOTP code, as a person types them.
    await page.goto(platform.base + "/dashboard/");
    await page.getByRole("heading", { name: "Agent sign-in" }).waitFor();
    await page.getByLabel("Email").fill(platform.email);
    await page.getByLabel("Password").fill(platform.password);
    await page.getByLabel("Authenticator code").fill(totp(platform.secret));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    const grantedBefore = Number(await figure(page, "granted"));
    const grantedAmountBefore = (await page.locator("#kpi-granted .sub").innerText()).trim();
    assert(Number.isInteger(grantedBefore), "granted is a count: " + grantedBefore);
    await page.screenshot({ path: path.join(outDir, "1-portfolio-before.png"), fullPage: true });

    // The review queue: a referred application with its reasons.
    await page.getByRole("link", { name: /Review queue/ }).click();
    await page.getByRole("heading", { name: "Review queue" }).waitFor();
    const cards = page.locator("section.application");
    const queued = await cards.count();
    assert(queued >= 1, "the queue holds a referred application");
    const card = cards.first();
    const appID = (await card.getAttribute("id")).replace(/^app-/, "");
    const amountText = await card.locator("h2 .muted").innerText();
    const reasons = await card.locator("ul.reasons li").allInnerTexts();
    assert(reasons.length > 0 && !/no reason/.test(reasons[0]), "the decision's reasons are shown: " + reasons);
    await page.screenshot({ path: path.join(outDir, "2-queue.png"), fullPage: true });

    // Approving without a reason is refused by the page itself.
    await card.getByRole("button", { name: "Approve" }).click();
    assert((await cards.count()) === queued && page.url().endsWith("/dashboard/queue"), "an approval without a reason was not submitted");

    await card.getByLabel("Reason for your decision").fill("Payslips and three bank statements checked; overdraft was a one-off.");
    await card.getByRole("button", { name: "Approve" }).click();
    await page.getByText(`Application ${appID} approved.`).waitFor();
    assert((await page.locator(`#app-${appID}`).count()) === 0, "the approved application left the queue");

    // The portfolio counts it as granted.
    await page.getByRole("link", { name: "Portfolio" }).click();
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    const grantedAfter = Number(await figure(page, "granted"));
    const grantedAmountAfter = (await page.locator("#kpi-granted .sub").innerText()).trim();
    assert(grantedAfter === grantedBefore + 1, `granted went from ${grantedBefore} to ${grantedAfter}`);
    assert(grantedAmountAfter !== grantedAmountBefore, `granted amount moved (${grantedAmountBefore} → ${grantedAmountAfter})`);
    const applied = amountText.match(/([0-9]+\.[0-9]{2}) EUR/);
    assert(applied, "the queue showed the application's amount: " + amountText);
    const toCents = (s) => Math.round(Number(s.match(/([0-9]+\.[0-9]{2})/)[1]) * 100);
    assert(
      toCents(grantedAmountAfter) - toCents(grantedAmountBefore) === toCents(applied[1]),
      `granted amount grew by the application's ${applied[1]} EUR (${grantedAmountBefore} → ${grantedAmountAfter})`,
    );
    await page.screenshot({ path: path.join(outDir, "3-portfolio-after.png"), fullPage: true });

    // The other pages render with their charts.
    await page.getByRole("link", { name: "Funds" }).click();
    await page.getByRole("heading", { name: "Institution's funds" }).waitFor();
    assert((await page.locator("svg.chart rect").count()) === 12, "the forecast chart has 12 months");
    await page.screenshot({ path: path.join(outDir, "4-funds.png"), fullPage: true });
    await page.getByRole("link", { name: "Loans" }).click();
    await page.locator("#loans a").first().click();
    await page.getByRole("heading", { name: "Schedule" }).waitFor();
    await page.screenshot({ path: path.join(outDir, "5-loan.png"), fullPage: true });

    assert(foreign.length === 0, "requests left the platform: " + foreign.join(", "));
    assert(consoleErrors.length === 0, "console errors: " + consoleErrors.join("; "));
    console.log(`ok: signed in as ${platform.email}, approved ${appID}, granted ${grantedBefore} → ${grantedAfter}; screenshots in ${outDir}`);
  } finally {
    if (context) await context.close();
    platform.proc.kill("SIGTERM");
    await platform.exited;
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
