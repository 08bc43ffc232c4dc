// What every browser test shares: a running `arshjul serve` with a fresh
// database, an HR token and a simulated clock; Debian's Chromium driven by
// playwright-core; checks that print as they pass ("ok: ..."/"FAILED: ...",
// with the daemon's log tail on failure, like tests/e2e/harness.py); axe-core
// for accessibility; screenshots; and a clean shutdown even when a test
// throws. The closing line is "N passed, M failed"; the exit status is 0 only
// when nothing failed.
//
//   import { run } from './harness.mjs';
//   await run([
//     async function the_wheel(t) {
//       const page = await t.page('/');
//       t.check(await page.locator('g.mark').count() > 0, 'the wheel has marks');
//       await t.axe(page);
//       await t.screenshot(page, 'wheel');
//     },
//   ]);
//
// Run: node TEST.mjs BINARY CONFIG_DIR WORKDIR SCREENSHOT_DIR
//
// Each test function gets `t` (see class Harness below) and its own browser
// context, so cookies (an HR session) last for one test function. A failed
// check ends that test function (the rest of its checks depend on it); the
// next test function still runs. Under ARSHJUL_SANITIZED=1 (the ASan build)
// every timeout is multiplied by 5.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];
export const SANITIZED = Boolean(process.env.ARSHJUL_SANITIZED);
// Milliseconds; the sanitizer build answers several times slower.
export const SLOW = SANITIZED ? 5 : 1;
const NAV_TIMEOUT = 15000 * SLOW;
const START_TIMEOUT = 15000 * SLOW;
const STOP_TIMEOUT = 20000 * SLOW;
const LOG_TAIL = 25;

// A failed check: ends the current test function, and only that.
class CheckFailed extends Error {}

// playwright-core and axe-core from tests/web/package-lock.json. scripts/setup.sh
// --tests installs them; if it has not, do it here (serialised on package.json
// like tests/interop/run_interop.sh, since npm ci wipes node_modules).
function ensureNodeModules() {
  const need = ['playwright-core/package.json', 'axe-core/axe.min.js'];
  if (need.every((p) => fs.existsSync(path.join(here, 'node_modules', p)))) return;
  console.log(`harness: installing playwright-core and axe-core in ${here} (npm ci)`);
  execFileSync('flock', [path.join(here, 'package.json'), 'sh', '-c',
    'test -f node_modules/playwright-core/package.json -a -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --loglevel=error'],
  { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
}

class Harness {
  constructor({ binary, config, work, screenshots, clock, serveArgs, prepare }) {
    this.binary = binary;            // the arshjul executable under test
    this.sourceConfig = config;      // the configuration folder given (copied to this.config)
    this.work = work;                // wiped and recreated on start
    this.screenshots = screenshots;  // PNGs land here, one per screenshot() name
    this.clock = clock;              // the daemon's simulated start time
    this.serveArgs = serveArgs;      // more `arshjul serve` options (e.g. --hook ...)
    this.prepare = prepare;          // (configDir) => ..., run on the copy before the daemon starts
    this.config = path.join(work, 'config');
    this.db = path.join(work, 'arshjul.db');
    this.log = path.join(work, 'daemon.log');
    this.passed = 0;
    this.failed = 0;
    this.proc = null;   // the daemon
    this.exit = null;   // its exit, once it has exited: {code, signal}
    this.base = null;   // http://127.0.0.1:PORT
    this.hrToken = null;
    this.browser = null;
    this.context = null;  // the current test function's browser context
    this.pageErrors = [];
  }

  // ---- checks -----------------------------------------------------------------

  // Prints "ok: what" and counts it, or prints "FAILED: what" with the
  // daemon's log tail and ends the current test function.
  check(cond, what) {
    if (cond) {
      this.passed += 1;
      console.log(`ok: ${what}`);
      return;
    }
    this.fail(what);
  }

  fail(what) {
    this.failed += 1;
    console.log(`FAILED: ${what}`);
    this.printLogTail();
    throw new CheckFailed(what);
  }

  printLogTail() {
    if (!fs.existsSync(this.log)) return;
    const lines = fs.readFileSync(this.log, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    console.log('--- daemon log (tail) ---');
    console.log(lines.slice(-LOG_TAIL).join('\n'));
    console.log('---');
  }

  // ---- the daemon ---------------------------------------------------------------

  // `arshjul ARGS...`, synchronously: {status, stdout, stderr}.
  cli(...args) {
    const r = spawnSync(this.binary, args, { encoding: 'utf8', timeout: 120000 * SLOW });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  async startDaemon() {
    fs.rmSync(this.work, { recursive: true, force: true });
    fs.mkdirSync(this.work, { recursive: true });
    fs.cpSync(this.sourceConfig, this.config, { recursive: true });
    if (this.prepare) await this.prepare(this.config);
    fs.mkdirSync(this.screenshots, { recursive: true });

    const token = this.cli('token', 'create', '--role', 'hr', '--name', 'web-tests', '--db', this.db);
    this.hrToken = token.stdout.trim();
    this.check(token.status === 0 && /^[A-Za-z0-9_-]{22}$/.test(this.hrToken),
      `arshjul token create --role hr gives a token${token.status === 0 ? '' : ` (exit ${token.status}: ${token.stderr.trim().split('\n')[0]})`}`);

    const args = ['serve', '--config', this.config, '--db', this.db, '--listen', '127.0.0.1:0',
      '--clock', this.clock, ...this.serveArgs];
    const fd = fs.openSync(this.log, 'a');
    this.proc = spawn(this.binary, args, { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.proc.on('exit', (code, signal) => { this.exit = { code, signal }; });

    const deadline = Date.now() + START_TIMEOUT;
    while (Date.now() < deadline && !this.exit) {
      const m = [...fs.readFileSync(this.log, 'utf8').matchAll(/on http:\/\/127\.0\.0\.1:(\d+) /g)];
      if (m.length) {
        const base = `http://127.0.0.1:${m.at(-1)[1]}`;
        try {
          const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000 * SLOW) });
          if (r.ok) {
            this.base = base;
            break;
          }
        } catch { /* not listening yet */ }
      }
      await sleep(50);
    }
    this.check(this.base !== null,
      `arshjul serve --clock ${this.clock} started and answers /healthz${this.exit ? ` (it exited: ${JSON.stringify(this.exit)})` : ''}`);
  }

  async stopDaemon() {
    if (!this.proc) return;
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT;
      while (!this.exit && Date.now() < deadline) await sleep(50);
      if (!this.exit) {
        this.proc.kill('SIGKILL');
        while (!this.exit) await sleep(50);
        this.exit.timedOut = true;
      }
    }
    const e = this.exit;
    this.proc = null;
    this.check(e.code === 0 && !e.timedOut, `the daemon stopped cleanly on SIGTERM (${JSON.stringify(e)})`);
  }

  // The HR API, with the HR token unless `token` is given (false: none).
  // Returns {status, body (parsed JSON, text, or null), headers}.
  async api(method, apiPath, body = undefined, { token = this.hrToken, headers = {} } = {}) {
    const h = { ...headers };
    if (token !== false) h.Authorization = `Bearer ${token}`;
    let data;
    if (body !== undefined) {
      data = typeof body === 'string' ? body : JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    const r = await fetch(`${this.base}/api/v1${apiPath}`, {
      method, headers: h, body: data, signal: AbortSignal.timeout(60000 * SLOW),
    });
    const raw = await r.text();
    let parsed = raw || null;
    if (raw && /json/.test(r.headers.get('content-type') ?? '')) parsed = JSON.parse(raw);
    return { status: r.status, body: parsed, headers: Object.fromEntries(r.headers) };
  }

  // ---- the browser --------------------------------------------------------------

  async launchBrowser() {
    this.check(fs.existsSync(CHROMIUM), `${CHROMIUM} is installed (Debian package chromium; scripts/setup.sh --tests)`);
    const { chromium } = await import('playwright-core');
    const t0 = Date.now();
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 * SLOW });
    this.check(true, `Chromium ${this.browser.version()} started headless in ${Date.now() - t0} ms`);
  }

  async newContext() {
    this.context = await this.browser.newContext({ locale: 'nb-NO', timezoneId: 'Europe/Oslo', viewport: { width: 1280, height: 900 } });
    this.context.setDefaultTimeout(NAV_TIMEOUT);
    this.context.setDefaultNavigationTimeout(NAV_TIMEOUT);
    this.pageErrors = [];
  }

  // A new tab in this test's context, at `url` (a path like '/hr' is on the
  // daemon). Checks the answer's status (default 200; null: don't check).
  // The response is at page.arshjulResponse.
  async page(url, { status = 200, waitUntil = 'load' } = {}) {
    const p = await this.context.newPage();
    p.on('pageerror', (err) => this.pageErrors.push(`${p.url()}: ${err.message}`));
    const full = url.startsWith('/') ? this.base + url : url;
    const resp = await p.goto(full, { waitUntil });
    p.arshjulResponse = resp;
    if (status !== null) {
      const got = resp ? resp.status() : 'no response';
      this.check(got === status, `GET ${url} in Chromium answers ${status} (got ${got})`);
    }
    return p;
  }

  // A new tab showing `html` (no daemon involved): for testing the harness.
  async blankPage(html) {
    const p = await this.context.newPage();
    p.on('pageerror', (err) => this.pageErrors.push(`(setContent): ${err.message}`));
    await p.setContent(html, { waitUntil: 'load' });
    return p;
  }

  // Writes SCREENSHOT_DIR/NAME.png and returns its path: the whole page, or
  // with {fullPage: false} what the 1280x900 viewport shows.
  async screenshot(page, name, { fullPage = true } = {}) {
    const file = path.join(this.screenshots, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
    await page.screenshot({ path: file, fullPage });
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    this.check(size > 0, `screenshot ${file} written (${size} bytes)`);
    return file;
  }

  // axe-core on the page as it is now, without judging: {violations, passes,
  // incomplete} (violations as axe gives them: id, impact, help, helpUrl,
  // nodes). Evaluated through the DevTools protocol, so the page's own
  // Content-Security-Policy does not block it. `tags`: axe's rule tags
  // (default WCAG 2.0 A and AA); `exclude`: CSS selectors axe should skip.
  async axeRun(page, { tags = ['wcag2a', 'wcag2aa'], exclude = [] } = {}) {
    this.axeSource ??= fs.readFileSync(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(this.axeSource);
    return page.evaluate(async ({ tags, exclude }) => {
      const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
      const r = await window.axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return { violations: r.violations, passes: r.passes.length, incomplete: r.incomplete.length };
    }, { tags, exclude });
  }

  // axeRun, judged: serious and critical violations fail the check and are
  // printed rule by rule with the offending elements; moderate and minor
  // ones are printed as notes. `what` names the page in the output.
  async axe(page, { tags = ['wcag2a', 'wcag2aa'], exclude = [], what = page.url() } = {}) {
    const results = await this.axeRun(page, { tags, exclude });
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of results.violations.filter((x) => !bad.includes(x))) {
      console.log(`note: axe ${v.impact} ${v.id} on ${what}: ${v.help} (${v.nodes.length} element(s))`);
    }
    if (bad.length) {
      console.log(`axe-core found ${bad.length} serious or critical violation(s) on ${what}:`);
      for (const v of bad) {
        console.log(`  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}`);
        for (const n of v.nodes.slice(0, 5)) {
          console.log(`    at ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}`);
          for (const line of (n.failureSummary ?? '').split('\n')) console.log(`      ${line}`);
        }
        if (v.nodes.length > 5) console.log(`    ... and ${v.nodes.length - 5} more`);
      }
    }
    this.check(bad.length === 0,
      `axe-core (${tags.join(', ')}): no serious or critical violations on ${what}` +
      (bad.length ? ` (got ${bad.map((v) => v.id).join(', ')})` : ` (${results.violations.length} minor/moderate)`));
    return results;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// An unexpected error, short and without the terminal colours playwright adds.
function describe(err) {
  const text = err?.stack?.split('\n').slice(0, 6).join('\n') ?? String(err);
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

// Runs `tests` (async functions taking the harness) in order, against one
// daemon and one browser, and exits: 0 if every check passed, 1 otherwise.
//   options.clock      the daemon's --clock (default 2027-03-01T09:00:00+01:00)
//   options.serveArgs  more arguments for `arshjul serve`
//   options.prepare    (configDir) => ..., changes the config's copy before the daemon starts
// HR's pages, the same whichever way HR signed in.

// "Lag kalender" on /hr/feeds (where `page` is) for `filter`, with `reason`:
// the POST's status and the path of the link the page shows ('' if none).
export async function makeFeedOnPage(t, page, filter, reason) {
  await page.getByLabel('Kalender for').selectOption(filter);
  await page.getByLabel('Grunn (for loggen)').fill(reason);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${t.base}/hr/feeds` && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Lag kalender' }).click(),
  ]);
  await page.waitForLoadState('load');
  const shown = page.locator('#feed-url');
  const url = (await shown.count()) ? (await shown.innerText()).trim() : '';
  return { status: answer.status(), feedPath: url ? url.slice(url.indexOf('/feeds/')) : '' };
}

// "Flytt møtet" for `meeting` (as the API lists it) to 13:00-14:30 the next
// day, with `reason`; `beforeSubmit` runs on the filled form. Returns that day.
export async function moveMeetingOnPage(t, page, meeting, reason, beforeSubmit = async () => {}) {
  await page.goto(`${t.base}/hr/meetings/edit?uid=${encodeURIComponent(meeting.uid)}`);
  const next = new Date(`${meeting.start.slice(0, 10)}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const nextDay = next.toISOString().slice(0, 10);
  await page.getByLabel('Ny start').fill(`${nextDay}T13:00`);
  await page.getByLabel('Ny slutt').fill(`${nextDay}T14:30`);
  await page.getByLabel('Grunn', { exact: true }).first().fill(reason);
  await beforeSubmit();
  await Promise.all([page.waitForURL(/\/hr\/meetings\?changed=/), page.getByRole('button', { name: 'Flytt møtet' }).click()]);
  return nextDay;
}

export async function run(tests, { clock = '2027-03-01T09:00:00+01:00', serveArgs = [], prepare } = {}) {
  const [binary, config, work, screenshots] = process.argv.slice(2);
  if (!screenshots) {
    console.error(`usage: node ${path.basename(process.argv[1])} BINARY CONFIG_DIR WORKDIR SCREENSHOT_DIR`);
    process.exit(2);
  }
  const t = new Harness({
    binary: path.resolve(binary), config: path.resolve(config), work: path.resolve(work),
    screenshots: path.resolve(screenshots), clock, serveArgs, prepare,
  });
  // Never leave the daemon behind, whatever happens to us.
  process.on('exit', () => { if (t.proc && !t.exit) t.proc.kill('SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.log(`FAILED: interrupted by ${sig}`);
      if (t.proc && !t.exit) t.proc.kill('SIGKILL');
      process.exit(1);
    });
  }

  const t0 = Date.now();
  let setUp = false;
  try {
    ensureNodeModules();
    await t.startDaemon();
    await t.launchBrowser();
    setUp = true;
  } catch (err) {
    if (!(err instanceof CheckFailed)) {
      t.failed += 1;
      console.log(`FAILED: setting up the daemon and Chromium: ${describe(err)}`);
      t.printLogTail();
    }
  }

  if (setUp) {
    for (const test of tests) {
      const name = test.name || 'a test';
      console.log(`== ${name}`);
      const started = Date.now();
      try {
        await t.newContext();
        await test(t);
        t.check(t.pageErrors.length === 0,
          `${name}: no uncaught JavaScript errors in its pages${t.pageErrors.length ? ` (${t.pageErrors.join('; ')})` : ''}`);
      } catch (err) {
        if (!(err instanceof CheckFailed)) {
          t.failed += 1;
          console.log(`FAILED: ${name} threw: ${describe(err)}`);
          t.printLogTail();
        }
      } finally {
        await t.context?.close().catch(() => {});
        t.context = null;
      }
      console.log(`   (${name}: ${Date.now() - started} ms)`);
    }
  }

  // Shut down even after failures: the browser first, then the daemon.
  await t.browser?.close().catch((err) => console.log(`note: closing Chromium: ${err.message}`));
  try {
    await t.stopDaemon();
  } catch (err) {
    if (!(err instanceof CheckFailed)) {
      t.failed += 1;
      console.log(`FAILED: stopping the daemon: ${describe(err)}`);
    }
  }
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s${SANITIZED ? ', sanitized build' : ''})`);
  console.log(`${t.passed} passed, ${t.failed} failed`);
  process.exit(t.failed ? 1 : 0);
}
