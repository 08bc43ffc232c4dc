// The web pages in real headless Chromium (Debian's chromium, driven by
// playwright-core) against a running daemon for config/roros at a simulated
// 1 March 2027: the wheel at `/`, hover details, the HR page, replay, with
// axe-core on every page and a screenshot of each under SCREENSHOT_DIR.
//
// Run: node tests/web/pages_test.mjs BINARY CONFIG_DIR WORKDIR SCREENSHOT_DIR
// (ctest passes BUILD/tests/web and BUILD/screenshots). harness.mjs has the
// helpers: t.page, t.screenshot, t.axe, t.check, t.api, t.cli, t.base ...
//
// Each test is an async function of the harness `t`, run in the order of
// the `tests` list at the bottom, each in its own browser context (its own
// cookies). A failed check ends that function only; the script exits 1 if
// anything failed.

import fs from 'node:fs';
import path from 'node:path';

import { run } from './harness.mjs';

// ---- the harness itself, with no daemon involved ----------------------------------------------
// Proves that Chromium, playwright-core, axe-core and screenshots work on this
// machine, so a failure further down is about the pages and not the tools.

const SELF_TEST_PAGE = `<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Harness self-test</title>
<style>
  body { font-family: sans-serif; margin: 2rem; color: #111; background: #fff; }
  .mark:focus { outline: 3px solid #005fcc; }
  #tooltip { position: absolute; padding: .3rem .5rem; background: #111; color: #fff; border-radius: 4px; }
  #tooltip[hidden] { display: none; }
</style></head>
<body><main>
<h1>Tre merker</h1>
<svg width="320" height="120" viewBox="0 0 320 120" role="group" aria-label="Tre merker i et testhjul">
  <g class="mark" tabindex="0"><title>Lønnsforhandlinger 1. mars</title><circle cx="50" cy="60" r="30" fill="#1f5c99"/></g>
  <g class="mark" tabindex="0"><title>Ansattdag 14. april</title><circle cx="160" cy="60" r="30" fill="#2e7d32"/></g>
  <g class="mark" tabindex="0"><title>Medarbeidersamtaler frist 1. juni</title><circle cx="270" cy="60" r="30" fill="#8e244d"/></g>
</svg>
<div id="tooltip" role="tooltip" hidden></div>
</main>
<script>
  const tip = document.getElementById('tooltip');
  for (const m of document.querySelectorAll('.mark')) {
    const show = () => {
      const r = m.getBoundingClientRect();
      tip.textContent = m.querySelector('title').textContent;
      tip.style.left = (window.scrollX + r.left) + 'px';
      tip.style.top = (window.scrollY + r.bottom + 4) + 'px';
      tip.hidden = false;
    };
    m.addEventListener('mouseenter', show);
    m.addEventListener('focus', show);
    m.addEventListener('mouseleave', () => { tip.hidden = true; });
    m.addEventListener('blur', () => { tip.hidden = true; });
  }
</script>
</body></html>`;

async function harness_self_test(t) {
  const page = await t.blankPage(SELF_TEST_PAGE);
  const marks = page.locator('svg g.mark');
  t.check(await marks.count() === 3, 'self-test: the inline SVG has 3 marks');
  const tooltip = page.locator('[role="tooltip"]');
  t.check(!(await tooltip.isVisible()), 'self-test: no tooltip before hovering');
  await marks.nth(1).hover();
  await tooltip.waitFor({ state: 'visible' });
  const text = await tooltip.textContent();
  t.check(text === 'Ansattdag 14. april', `self-test: hovering the second mark shows its title in a tooltip (got "${text}")`);
  await page.mouse.move(0, 0);
  await tooltip.waitFor({ state: 'hidden' });
  await marks.nth(2).focus();
  t.check(await tooltip.textContent() === 'Medarbeidersamtaler frist 1. juni', 'self-test: focusing a mark with the keyboard shows its title too');
  await t.axe(page, { what: 'the self-test page' });
  await t.screenshot(page, 'harness-self-test');
}

// axe must see what is wrong, also under a Content-Security-Policy that
// forbids every script the page did not bring (as the daemon's pages may).
const BAD_PAGE = `<!doctype html>
<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Harness self-test: bad page</title></head>
<body><p style="color: #bbb; background: #fff">Grå tekst på hvit bunn</p>
<svg role="img" width="40" height="40"><circle cx="20" cy="20" r="15"/></svg></body></html>`;

async function harness_axe_finds_violations(t) {
  const page = await t.blankPage(BAD_PAGE);
  const { violations } = await t.axeRun(page);
  const found = Object.fromEntries(violations.map((v) => [v.id, v.impact]));
  t.check(found['html-has-lang'] === 'serious' && found['color-contrast'] === 'serious' && found['svg-img-alt'] === 'serious',
    `self-test: axe-core finds a missing lang, grey-on-white text and an unnamed SVG image despite the CSP (${JSON.stringify(found)})`);
}

// ---- the daemon, as a browser sees it ---------------------------------------------------------

async function daemon_answers_in_a_page(t) {
  const page = await t.page('/healthz');
  const text = (await page.locator('body').innerText()).trim();
  t.check(text === 'ok', `/healthz shows "ok" in Chromium (got "${text}")`);
}

async function api_needs_a_token(t) {
  const page = await t.page('/api/v1/registrations?activity=ansattdag', { status: 401 });
  t.check(/Bearer/.test(page.arshjulResponse.headers()['www-authenticate'] ?? ''),
    'the API in a browser without a token: 401 with WWW-Authenticate: Bearer');
  const without = await t.api('GET', '/registrations?activity=ansattdag', undefined, { token: false });
  t.check(without.status === 401, `t.api without a token: 401 (got ${without.status})`);
  const withToken = await t.api('GET', '/registrations?activity=ansattdag');
  t.check(withToken.status === 200 && Array.isArray(withToken.body?.registrations),
    `t.api with the HR token: 200 and a list of registrations (got ${withToken.status})`);
}

// The wheel at `/` for the year of the clock: every public occurrence of
// 2027 (the API's, less personal course paths) on exactly one mark; hovering
// or focusing a mark shows its details; axe; a screenshot. Before the pages
// existed `/` answered 404 and this failed on its first check, as it should.
async function the_wheel(t) {
  const page = await t.page('/');
  await t.screenshot(page, 'wheel');
  const marks = page.locator('svg .mark');
  const n = await marks.count();
  // A multi-day gathering is a mark a day (data-day); its later days repeat the occurrence's UID.
  const uids = (await marks.evaluateAll((ms) => ms.filter((m) => (m.dataset.day ?? '1') === '1').map((m) => m.dataset.uid ?? ''))).flatMap((u) => u.split(' ').filter(Boolean));
  t.check(n > 0 && uids.length >= n, `the wheel at / has marks, each naming its occurrences in data-uid (${n} marks for ${uids.length} occurrences)`);
  const api = await t.api('GET', '/occurrences?from=2027-01-01&to=2027-12-31');
  t.check(api.status === 200, `GET /api/v1/occurrences for 2027 answers 200 (got ${api.status})`);
  const expected = new Set(api.body.occurrences.filter((o) => !o.person).map((o) => o.uid));
  const onWheel = new Set(uids);
  const missing = [...expected].filter((u) => !onWheel.has(u));
  const extra = [...onWheel].filter((u) => !expected.has(u));
  t.check(uids.length === onWheel.size, `no occurrence is on two marks (${uids.length - onWheel.size} are)`);
  t.check(missing.length === 0 && extra.length === 0,
    `the wheel's ${n} marks hold the ${expected.size} public occurrences of 2027, ` +
    `as the API lists them (missing ${missing.slice(0, 3).join(', ') || 'none'}; extra ${extra.slice(0, 3).join(', ') || 'none'})`);

  const details = page.locator('#details');
  for (const [i, how] of [[0, 'hovering'], [Math.floor(n / 2), 'focusing']]) {
    const mark = marks.nth(i);
    const title = (await mark.locator('title').textContent()).trim().split('\n')[0];
    if (how === 'hovering') await mark.hover(); else await mark.focus();
    await details.getByText(title).first().waitFor({ state: 'visible' }).catch(() => {});  // the check says what it got
    const shown = await details.innerText();
    t.check(shown.includes(title), `${how} mark ${i} shows "${title}" in the details panel (got "${shown.slice(0, 80)}")`);
  }
  await t.screenshot(page, 'wheel-details', { fullPage: false });
  await t.axe(page, { what: 'the wheel at /' });
}

// The person page /me/TOKEN, from a personal link made with `arshjul
// subscribe --person`: the person's name, the subscribe links (webcal:// and
// the feed's own address) with their copy buttons, and a wheel holding
// exactly the occurrences the API says this person sees in the year; axe; a
// screenshot. A token no one was given, and a revoked one, answer 404.
async function the_person_page(t) {
  const sub = t.cli('subscribe', '--config', t.config, '--db', t.db, '--person', 'ingvild-stensli', '--base-url', t.base);
  const pageLine = sub.stdout.match(/^page:\s+(\S+)$/m);
  const tokenLine = sub.stdout.match(/^token:\s+([A-Za-z0-9_-]+)/m);
  t.check(sub.status === 0 && pageLine && tokenLine,
    `arshjul subscribe --person ingvild-stensli prints a page: and a token: line (exit ${sub.status}: ${(sub.stdout + sub.stderr).trim().split('\n').join(' | ')})`);
  const token = tokenLine[1];
  const url = pageLine[1];
  t.check(url === `${t.base}/me/${token}`, `the page: line is this daemon's /me/TOKEN (got ${url})`);

  const person = await t.api('GET', '/people/ingvild-stensli');
  t.check(person.status === 200 && person.body?.name, `GET /api/v1/people/ingvild-stensli answers 200 with a name (got ${person.status})`);
  const name = person.body.name;

  // The daemon sees a subscription another process made within a second (its index is polled).
  await untilStatus(t, `/me/${token}`, 200);
  const page = await t.page(`/me/${token}`);
  await t.screenshot(page, 'person');
  const heading = (await page.locator('main h2').first().innerText()).trim();
  t.check(heading.startsWith(`${name}:`) && heading.includes('2027'), `the person page's heading names ${name} and the year (got "${heading}")`);
  t.check((await page.title()).startsWith(name), `the person page's <title> names ${name} (got "${await page.title()}")`);
  t.check(page.arshjulResponse.headers()['referrer-policy'] === 'no-referrer',
    'the person page is sent with Referrer-Policy: no-referrer (the link is the key)');

  const feed = `${t.base}/feeds/${token}.ics`;
  const webcal = `webcal://${feed.slice(feed.indexOf('://') + 3)}`;
  const webcalLinks = await page.locator('a[href^="webcal://"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  t.check(webcalLinks.length === 1 && webcalLinks[0] === webcal, `one webcal:// link, to ${webcal} (got ${JSON.stringify(webcalLinks)})`);
  const shown = await page.locator('.links code').allInnerTexts();
  t.check(shown.length === 1 && shown[0].trim() === feed, `the feed's own address ${feed} is shown to copy (got ${JSON.stringify(shown)})`);
  // The daemon serves feeds from its copy of the subscriptions, re-read once a
  // second from the database that `arshjul subscribe` wrote: allow it 5 s.
  let ics = null;
  let icsText = '';
  for (const until = Date.now() + 5000; ;) {
    ics = await fetch(feed, { signal: AbortSignal.timeout(30000) });
    icsText = await ics.text();
    if (ics.status !== 404 || Date.now() > until) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.check(ics.status === 200 && icsText.startsWith('BEGIN:VCALENDAR'), `the shown feed address answers 200 with a calendar (got ${ics.status})`);
  const copies = page.locator('button[data-copy]');
  const copyTexts = await copies.evaluateAll((bs) => bs.map((b) => b.getAttribute('data-copy')));
  t.check(copyTexts.length === 2 && copyTexts.includes(webcal) && copyTexts.includes(feed),
    `two copy buttons, one for each address (got ${JSON.stringify(copyTexts)})`);
  const names = await copies.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  t.check(new Set(names).size === 2 && names.every(Boolean), `the copy buttons have names of their own (got ${JSON.stringify(names)})`);
  await copies.first().click();
  await page.getByRole('status').filter({ hasText: 'kopiert' }).waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
  const afterClick = (await copies.first().innerText()).trim();
  const announced = (await page.locator('#copied').innerText()).trim();
  t.check(afterClick === 'Kopiert' && announced === 'Adressen er kopiert.',
    `clicking a copy button says "Kopiert" and a status region announces it (got "${afterClick}", "${announced}")`);

  const marks = page.locator('svg .mark');
  const n = await marks.count();
  // A multi-day gathering is a mark a day (data-day); its later days repeat the occurrence's UID.
  const uids = (await marks.evaluateAll((ms) => ms.filter((m) => (m.dataset.day ?? '1') === '1').map((m) => m.dataset.uid ?? ''))).flatMap((u) => u.split(' ').filter(Boolean));
  const api = await t.api('GET', '/occurrences?person=ingvild-stensli&from=2027-01-01&to=2027-12-31');
  t.check(api.status === 200 && api.body.occurrences.length > 0,
    `GET /api/v1/occurrences?person=ingvild-stensli for 2027 answers 200 with occurrences (got ${api.status}, ${api.body?.occurrences?.length})`);
  const expected = new Set(api.body.occurrences.map((o) => o.uid));
  const onWheel = new Set(uids);
  const missing = [...expected].filter((u) => !onWheel.has(u));
  const extra = [...onWheel].filter((u) => !expected.has(u));
  t.check(uids.length === onWheel.size, `no occurrence is on two marks of the person's wheel (${uids.length - onWheel.size} are)`);
  t.check(missing.length === 0 && extra.length === 0,
    `the person's wheel: ${n} marks hold the ${expected.size} occurrences the API lists for ingvild-stensli in 2027 ` +
    `(missing ${missing.slice(0, 3).join(', ') || 'none'}; extra ${extra.slice(0, 3).join(', ') || 'none'})`);
  const personal = api.body.occurrences.filter((o) => o.uid.includes('.person.ingvild-stensli.')).length;
  t.check(personal > 0, `her wheel includes her personal course path (${personal} occurrences)`);
  await t.axe(page, { what: 'the person page /me/TOKEN' });

  const unknown = await t.page('/me/xyz', { status: 404 });
  const said = await unknown.locator('main').innerText();
  t.check(/finnes ikke/.test(said), `/me/xyz says the link does not exist (got "${said.trim().slice(0, 80)}")`);
  await t.axe(unknown, { what: 'the 404 page for an unknown personal link' });

  const revoke = t.cli('unsubscribe', token, '--db', t.db);
  t.check(revoke.status === 0, `arshjul unsubscribe TOKEN revokes the link (exit ${revoke.status}: ${revoke.stderr.trim()})`);
  await untilStatus(t, `/me/${token}`, 404);
  await t.page(`/me/${token}`, { status: 404 });
}

// Polls `path` for up to 5 s until it answers `status`.
async function untilStatus(t, path, status) {
  for (const until = Date.now() + 5000; Date.now() < until;) {
    const r = await fetch(t.base + path, { signal: AbortSignal.timeout(30000) });
    await r.arrayBuffer();
    if (r.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ==== THE TESTS, in order =======================================================================
// Page tests are added here: an async function of `t` per page or behaviour
// (the person page /me/TOKEN, hover details on the wheel, the HR page's
// registrations, replay of a dead letter from the HR page ...), each taking
// a screenshot with t.screenshot(page, NAME) and running t.axe(page).
const tests = [
  harness_self_test,
  harness_axe_finds_violations,
  daemon_answers_in_a_page,
  api_needs_a_token,
  the_wheel,
  the_person_page,
];

await run(tests, { clock: '2027-03-01T09:00:00+01:00' });
