// The HR pages in real headless Chromium (Debian's chromium, driven by
// playwright-core) against a daemon of its own for config/roros: signing in
// and out, the registrations per employee day, task progress per unit, and
// replaying a dead letter, with axe-core on the pages and a screenshot of
// each under SCREENSHOT_DIR.
//
// Run: node tests/web/hr_test.mjs BINARY CONFIG_DIR WORKDIR SCREENSHOT_DIR
// (ctest passes BUILD/tests/web-hr and BUILD/screenshots). harness.mjs has
// the helpers (t.page, t.axe, t.screenshot, t.api, t.check ...).
//
// The daemon has a webhook at 127.0.0.1:9, where nothing listens, and a
// clock SPEED times faster than real time from Monday 4 January 2027, so
// the messages due at start (registration.created for hires already placed)
// use up their 8 attempts (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h apart:
// ~28 h of wheel time) within a few real seconds and become dead letters
// that HR can replay. The clock moves for everything else too (about
// SPEED x the run time, a week or so): the checks compare the pages with the
// API at the same moment and use days months ahead, so that does not matter.

import { makeFeedOnPage, moveMeetingOnPage, run, SLOW } from './harness.mjs';

const SPEED = 20000;
const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const DAYS = ['søndag', 'mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag'];
const MONTHS = ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober',
  'november', 'desember'];

// "2027-04-14..." -> "onsdag 14. april 2027", as the pages write a day.
function norwegianDate(iso) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return `${DAYS[weekday]} ${d}. ${MONTHS[m - 1]} ${y}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sameSet(a, b) {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// Signs in with the HR token on the login page and lands on /hr.
async function signIn(t) {
  const page = await t.page('/hr/login');
  await page.getByLabel('API-nøkkel').fill(t.hrToken);
  await Promise.all([page.waitForURL(`${t.base}/hr`), page.getByRole('button', { name: 'Logg inn' }).click()]);
  t.check(await page.getByRole('heading', { name: 'HR-oversikt' }).isVisible(), 'signed in with the HR token: /hr shows "HR-oversikt"');
  return page;
}

// The rows of the first table after `heading` in a section, as text per cell.
async function tableAfter(page, heading) {
  return heading.locator('xpath=following-sibling::table[1]/tbody/tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
}

// People's names by id, from the API (the roster and the people added through it).
async function namesById(t) {
  const r = await t.api('GET', '/people?limit=100000');
  t.check(r.status === 200, `GET /api/v1/people answers 200 (got ${r.status})`);
  return new Map(r.body.people.map((p) => [p.id, p.name]));
}

// ---- signing in ---------------------------------------------------------------------------------

async function sign_in(t) {
  const login = await t.page('/hr');
  const first = login.arshjulResponse.request().redirectedFrom();
  const firstStatus = first ? (await first.response())?.status() : null;
  t.check(firstStatus === 303 && login.url() === `${t.base}/hr/login`,
    `/hr without a session redirects (303) to the login page (got ${firstStatus} to ${login.url()})`);
  t.check(await login.getByLabel('API-nøkkel').isVisible(), 'the login page has a labelled field for the token');
  t.check(!(await login.locator('[role="alert"]').count()), 'the login page shows no error before a try');
  await t.axe(login, { what: 'the HR login page' });
  await t.screenshot(login, 'hr-login');

  await login.getByLabel('API-nøkkel').fill('not-a-token-at-all-xyz');
  const [wrong] = await Promise.all([
    login.waitForResponse((r) => r.url() === `${t.base}/hr/login` && r.request().method() === 'POST'),
    login.getByRole('button', { name: 'Logg inn' }).click(),
  ]);
  await login.waitForLoadState('load');
  const alert = login.locator('[role="alert"]');
  const alertText = (await alert.count()) ? (await alert.innerText()).trim() : '';
  t.check(wrong.status() === 401 && alertText.length > 0 && await alert.isVisible(),
    `a wrong token answers 401 with an error in role="alert" (got ${wrong.status()}, "${alertText}")`);
  t.check((await t.context.cookies()).length === 0, 'a wrong token sets no cookie');
  await t.axe(login, { what: 'the HR login page with an error' });

  await login.getByLabel('API-nøkkel').fill(t.hrToken);
  const [right] = await Promise.all([
    login.waitForResponse((r) => r.url() === `${t.base}/hr/login` && r.request().method() === 'POST'),
    login.getByRole('button', { name: 'Logg inn' }).click(),
  ]);
  await login.waitForURL(`${t.base}/hr`);
  t.check(right.status() === 303 && right.headers().location === '/hr',
    `the HR token signs in: 303 to /hr (got ${right.status()} to ${right.headers().location})`);
  t.check(await login.getByRole('heading', { name: 'HR-oversikt' }).isVisible(), '/hr shows "HR-oversikt" after signing in');

  const cookies = await t.context.cookies();
  const session = cookies.find((c) => c.name === 'arshjul_session');
  t.check(session && session.httpOnly && session.sameSite === 'Lax' && session.path === '/',
    `the session cookie is HttpOnly, SameSite=Lax, Path=/ (got ${JSON.stringify(session && { httpOnly: session.httpOnly, sameSite: session.sameSite, path: session.path })})`);
  t.check(session.value.length >= 32, `the session id is long enough not to be guessed (${session.value.length} characters)`);
  const visible = await login.evaluate(() => document.cookie);
  t.check(!visible.includes('arshjul_session'), `the page's scripts cannot read the session cookie (document.cookie: "${visible}")`);
  for (const name of ['Påmeldte per ansattdag', 'Meldinger som ikke kom fram', 'Konfigurasjonen']) {
    t.check(await login.getByRole('heading', { name, level: 2 }).isVisible(), `/hr has the section "${name}"`);
  }
  await t.axe(login, { what: 'the HR page /hr' });
  await t.screenshot(login, 'hr');
}

// ---- registrations per employee day ------------------------------------------------------------

// Two hires through the API, placed by the rule (the first ansattdag at
// least lead_days = 7 after the start date) on 14 April and 9 June 2027;
// the page's table must say what the API says, day by day.
async function registrations(t) {
  const hires = [
    { id: 'web-hire-1', name: 'Vilde Nyansatt', start_date: '2027-03-15', day: 'ansattdag.20270414@roros.arshjul' },
    { id: 'web-hire-2', name: 'Trygve Nytilsatt', start_date: '2027-05-10', day: 'ansattdag.20270609@roros.arshjul' },
  ];
  for (const h of hires) {
    const r = await t.api('PUT', `/people/${h.id}`, { name: h.name, unit: 'skole', roles: ['employee'], start_date: h.start_date });
    t.check(r.status === 200 || r.status === 201, `PUT /api/v1/people/${h.id} (starts ${h.start_date}) answers 200 or 201 (got ${r.status})`);
  }
  const api = await t.api('GET', '/registrations?activity=ansattdag');
  t.check(api.status === 200, `GET /api/v1/registrations?activity=ansattdag answers 200 (got ${api.status})`);
  for (const h of hires) {
    const reg = api.body.registrations.find((r) => r.person === h.id);
    t.check(reg?.status === 'registered' && reg.occurrence_uid === h.day,
      `the API has ${h.id} registered on ${h.day} (got ${JSON.stringify(reg)})`);
  }
  const names = await namesById(t);
  const page = await signIn(t);
  const heading = page.getByRole('heading', { name: 'Påmeldte per ansattdag' });
  const rows = await tableAfter(page, heading);
  t.check(rows.length === api.body.days.length,
    `the table "Påmeldte per ansattdag" has a row per employee day the API lists (${rows.length} rows, ${api.body.days.length} days)`);
  for (const day of api.body.days) {
    const date = norwegianDate(day.start);
    const row = rows.find((cells) => cells[0].startsWith(date));
    t.check(row, `the table has a row for ${date} (${day.uid})`);
    const expectedNames = day.people.map((id) => names.get(id) ?? id);
    const shownNames = /ingen ennå/.test(row[3]) ? [] : row[3].split(', ');
    t.check(row[1] === `${day.registered} av ${day.capacity}` && row[2] === String(day.free) && sameSet(shownNames, expectedNames),
      `${date}: "${day.registered} av ${day.capacity}", ${day.free} free, ${expectedNames.join(', ') || 'nobody'} ` +
      `(the page says "${row[1]}", ${row[2]} free, "${row[3]}")`);
  }
  for (const h of hires) {
    const holding = rows.filter((cells) => cells[3].split(', ').includes(h.name)).map((cells) => cells[0].split('\n')[0]);
    const day = api.body.days.find((d) => d.uid === h.day);
    t.check(holding.length === 1 && holding[0] === norwegianDate(day.start),
      `${h.name} is listed on exactly one day, ${norwegianDate(day.start)} (listed on ${JSON.stringify(holding)})`);
  }
  await t.screenshot(page, 'hr-registrations');
}

// ---- task progress per unit --------------------------------------------------------------------

// A few tasks completed through the API, so that "done" is not 0 everywhere;
// then each "Medarbeidersamtaler – frist ..." table on /hr must hold the
// units and the done/total of GET /api/v1/progress for that occurrence, and
// all of them together those of the activity as a whole.
async function progress(t) {
  const activity = 'medarbeidersamtaler';
  const tasks = await t.api('GET', `/tasks?activity=${activity}`);
  t.check(tasks.status === 200 && tasks.body.tasks.length > 0, `GET /api/v1/tasks?activity=${activity} lists tasks (got ${tasks.status}, ${tasks.body?.tasks?.length})`);
  const toComplete = [
    ...tasks.body.tasks.filter((x) => x.unit === 'skole').slice(0, 2),
    ...tasks.body.tasks.filter((x) => x.unit === 'stab').slice(0, 1),
  ];
  for (const task of toComplete) {
    const r = await t.api('POST', `/tasks/${task.id}/complete`);
    t.check(r.status === 200, `POST /api/v1/tasks/${task.id}/complete (${task.unit}) answers 200 (got ${r.status})`);
  }

  const whole = await t.api('GET', `/progress?activity=${activity}`);
  t.check(whole.status === 200 && whole.body.done === toComplete.length,
    `GET /api/v1/progress?activity=${activity} answers 200 with ${toComplete.length} done (got ${whole.status}, ${whole.body?.done} done)`);
  const perOccurrence = [];
  for (const uid of new Set(tasks.body.tasks.map((x) => x.occurrence_uid))) {
    const o = await t.api('GET', `/occurrences/${encodeURIComponent(uid)}`);
    const p = await t.api('GET', `/progress?activity=${activity}&occurrence=${encodeURIComponent(uid)}`);
    t.check(o.status === 200 && p.status === 200, `GET /api/v1/occurrences/${uid} and its progress answer 200 (got ${o.status}, ${p.status})`);
    perOccurrence.push({ uid, heading: `${o.body.title} – frist ${norwegianDate(o.body.end)}`, units: p.body.units });
  }

  const page = await signIn(t);
  const section = page.locator('section[aria-labelledby="oppf"]');
  const headings = section.locator('h3');
  const shownHeadings = (await headings.allInnerTexts()).map((h) => h.trim());
  const pageTotals = new Map();
  for (const occ of perOccurrence) {
    const i = shownHeadings.findIndex((h) => h.startsWith(occ.heading));
    t.check(i >= 0, `/hr has a progress table headed "${occ.heading}" (headings: ${JSON.stringify(shownHeadings)})`);
    const rows = await tableAfter(page, headings.nth(i));
    const shown = rows.map((cells) => `${cells[0]}: ${cells[1]}`).sort();
    const expected = occ.units.map((u) => `${u.name}: ${u.done} av ${u.total}`).sort();
    t.check(sameSet(shown, expected),
      `"${occ.heading}" lists the units and done/total of GET /api/v1/progress for ${occ.uid} ` +
      `(page ${JSON.stringify(shown)}; API ${JSON.stringify(expected)})`);
    const bars = await headings.nth(i).locator('xpath=following-sibling::table[1]//*[@role="img"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    const expectedBars = occ.units.map((u) => `${u.total ? Math.floor((u.done * 100) / u.total) : 0} prosent gjennomført`);
    t.check(sameSet(bars, expectedBars), `"${occ.heading}": each unit's progress bar is labelled with its percentage (${JSON.stringify(bars)})`);
    for (const u of occ.units) {
      const sum = pageTotals.get(u.name) ?? { done: 0, total: 0 };
      pageTotals.set(u.name, { done: sum.done + u.done, total: sum.total + u.total });
    }
  }
  const wholeShown = [...pageTotals].map(([name, c]) => `${name}: ${c.done} av ${c.total}`).sort();
  const wholeExpected = whole.body.units.map((u) => `${u.name}: ${u.done} av ${u.total}`).sort();
  t.check(sameSet(wholeShown, wholeExpected),
    `the progress tables together hold the units and done/total GET /api/v1/progress?activity=${activity} lists ` +
    `(page ${JSON.stringify(wholeShown)}; API ${JSON.stringify(wholeExpected)})`);
  await t.screenshot(page, 'hr-progress');
}

// ---- replay of a dead letter -------------------------------------------------------------------

// The ids of the dead letters, as the API lists them (quietly: it is polled).
async function deadIds(t) {
  const r = await t.api('GET', '/outbox?status=dead&limit=10000');
  if (r.status !== 200) t.fail(`GET /api/v1/outbox?status=dead answers 200 (got ${r.status})`);
  return r.body.messages.map((m) => m.id);
}

// One outbox message as the API lists it, whatever its status.
async function message(t, id) {
  const r = await t.api('GET', '/outbox?limit=10000');
  if (r.status !== 200) t.fail(`GET /api/v1/outbox answers 200 (got ${r.status})`);
  const m = r.body.messages.find((x) => x.id === id);
  if (!m) t.fail(`GET /api/v1/outbox lists message ${id}`);
  return m;
}

async function replay(t) {
  const t0 = Date.now();
  let dead = [];
  while (Date.now() - t0 < 60000 * SLOW) {
    dead = await deadIds(t);
    if (dead.length) break;
    await sleep(200);
  }
  t.check(dead.length > 0, `with the hook refusing connections, dead letters appear in GET /api/v1/outbox?status=dead (${dead.length} after ${Date.now() - t0} ms)`);

  const page = await signIn(t);
  const section = page.locator('section[aria-labelledby="dead"]');
  const firstRow = section.locator('table tbody tr').first();
  const action = await firstRow.locator('form').getAttribute('action');
  const id = Number(action?.match(/^\/hr\/outbox\/(\d+)\/retry$/)?.[1]);
  // Asked again: more messages may have died since the first answer.
  t.check(id && (await deadIds(t)).includes(id), `the dead-letter table's first row replays a message the API lists as dead (${action})`);
  const before = await message(t, id);
  t.check(before.status === 'dead' && before.attempts === 8 && before.last_error !== '',
    `message ${id} is dead after 8 attempts, with the last error (got ${before.status}, ${before.attempts} attempts, "${before.last_error}")`);
  const cells = await firstRow.locator('td').allInnerTexts();
  t.check(cells[0].includes(before.event_type) && cells[2].trim() === String(before.attempts) && cells[3].trim() === before.last_error,
    `the first row shows the message's event, attempts and last error (${JSON.stringify(cells.slice(0, 4))})`);
  await t.axe(page, { what: 'the HR page /hr with dead letters' });
  await t.screenshot(page, 'hr-dead-letters');

  // Forged: the session cookie goes along, the form's csrf value does not.
  const forged = await page.evaluate(async (url) => {
    const r = await fetch(url, { method: 'POST', body: new URLSearchParams({}), redirect: 'manual' });
    return r.status;
  }, action);
  t.check(forged === 403, `a POST to ${action} from the page without the csrf field answers 403 (got ${forged})`);
  const wrongCsrf = await page.request.post(t.base + action, { form: { csrf: 'forged' }, maxRedirects: 0 });
  t.check(wrongCsrf.status() === 403, `a POST to ${action} with the session cookie and a wrong csrf answers 403 (got ${wrongCsrf.status()})`);
  t.check((await deadIds(t)).includes(id), `after the forged POSTs message ${id} is still dead`);

  const button = firstRow.getByRole('button', { name: 'Send på nytt' });
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.url() === t.base + action && r.request().method() === 'POST'),
    button.click(),
  ]);
  await page.waitForURL(`${t.base}/hr?replayed=${id}`);
  const stillDead = (await deadIds(t)).includes(id);
  const after = await message(t, id);
  t.check(posted.status() === 303 && posted.headers().location === `/hr?replayed=${id}`,
    `clicking "Send på nytt" posts the form: 303 to /hr?replayed=${id} (got ${posted.status()} to ${posted.headers().location})`);
  const status = page.locator('[role="status"]');
  t.check(await status.isVisible() && /sendes på nytt/.test(await status.innerText()),
    `/hr?replayed=${id} confirms it in role="status" ("${(await status.count()) ? (await status.innerText()).trim() : ''}")`);
  t.check(!stillDead && after.status === 'pending' && after.attempts < before.attempts,
    `right after the click message ${id} is no longer dead: pending, its attempts started over (${after.status}, ${after.attempts} attempts)`);
  await t.axe(page, { what: 'the HR page after a replay' });
  await t.screenshot(page, 'hr-replayed');

  // The hook still refuses: the replayed message goes through its attempts
  // again and dies again, which shows it really was sent anew.
  let again = after;
  for (const until = Date.now() + 60000 * SLOW; Date.now() < until && again.status !== 'dead'; await sleep(200)) {
    again = await message(t, id);
  }
  t.check(again.status === 'dead' && again.attempts === 8,
    `the replayed message was delivered again, 8 attempts, and died again at the refusing hook (${again.status}, ${again.attempts} attempts)`);
}

// ---- feeds, tokens and meetings from the browser; the audit trail shows them -----------------------

// HR makes a feed for a unit on /hr/feeds: the link it shows answers 200 at
// once with events; a bad person is refused with the field named; the
// revoke button makes the feed answer 404 at once.
async function feeds(t) {
  const page = await signIn(t);
  await Promise.all([page.waitForURL(`${t.base}/hr/feeds`), page.getByRole('link', { name: 'Kalendere' }).click()]);
  t.check(await page.getByRole('heading', { name: 'Ny kalender' }).isVisible(), '/hr/feeds has the form "Ny kalender"');
  await t.axe(page, { what: 'the feeds page /hr/feeds' });

  await page.getByLabel('… eller for én person').fill('ingen-slik-person');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${t.base}/hr/feeds` && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Lag kalender' }).click(),
  ]);
  await page.waitForLoadState('load');
  const alert = page.locator('[role="alert"]');
  const alertText = (await alert.count()) ? (await alert.innerText()).trim() : '';
  t.check(refused.status() === 422 && /Kalender for:.*ingen-slik-person/s.test(alertText),
    `an unknown person is refused (422) with the field and the id in role="alert" (got ${refused.status()}, "${alertText}")`);
  await t.axe(page, { what: 'the feeds page with a refusal' });

  await page.getByLabel('… eller for én person').fill('');
  const made = await makeFeedOnPage(t, page, 'unit:skole', 'Ny rektor');
  t.check(made.status === 201 && await page.getByRole('heading', { name: 'Kalenderen er laget' }).isVisible(),
    `"Lag kalender" for Røros skole answers 201 "Kalenderen er laget" (got ${made.status})`);
  const { feedPath } = made;
  const feed = await page.request.get(t.base + feedPath);
  const ics = await feed.text();
  t.check(feed.status() === 200 && ics.includes('BEGIN:VEVENT'), `the link shown answers 200 at once with events (got ${feed.status()})`);
  await t.axe(page, { what: 'the new feed page' });
  await t.screenshot(page, 'hr-feed-created');

  await page.goto(`${t.base}/hr/feeds`);
  const row = page.locator('tr', { has: page.locator('code', { hasText: /^unit:skole$/ }) }).first();
  const action = await row.locator('form').getAttribute('action');
  await Promise.all([page.waitForURL(/\/hr\/feeds\?revoked=\d+$/), row.getByRole('button', { name: /Trekk tilbake/ }).click()]);
  const gone = await page.request.get(t.base + feedPath);
  t.check(gone.status() === 404, `after "Trekk tilbake" (${action}) the feed answers 404 at once (got ${gone.status()})`);
  t.check(await page.locator('[role="status"]').isVisible(), 'the feeds page confirms the revocation in role="status"');
  await t.screenshot(page, 'hr-feeds');
}

// HR lists the API tokens and revokes one that is not its own.
async function tokens(t) {
  const made = t.cli('token', 'create', '--role', 'read', '--name', 'til-opprydding', '--db', t.db);
  t.check(made.status === 0, 'a read token "til-opprydding" is made on the command line');
  const page = await signIn(t);
  await Promise.all([page.waitForURL(`${t.base}/hr/tokens`), page.getByRole('link', { name: 'API-nøkler' }).click()]);
  const names = await page.locator('tbody tr td:nth-child(2)').allInnerTexts();
  t.check(names.includes('web-tests') && names.includes('til-opprydding'), `/hr/tokens lists the tokens by name (${JSON.stringify(names)})`);
  await t.axe(page, { what: 'the tokens page /hr/tokens' });
  await Promise.all([page.waitForURL(/\/hr\/tokens\?revoked=\d+$/),
    page.getByRole('button', { name: /til-opprydding/ }).click()]);
  const listed = await t.api('GET', '/tokens');
  const token = listed.body.tokens.find((x) => x.name === 'til-opprydding');
  t.check(token && token.revoked !== null, `the token is revoked through the page (${JSON.stringify(token)})`);
  await t.screenshot(page, 'hr-tokens');
}

// HR moves a meeting from the page with a reason; the API sees the move.
async function meetings(t) {
  const list = await t.api('GET', '/occurrences?activity=amu&from=2027-09-01');
  const meeting = list.body.occurrences.find((o) => o.status === 'scheduled');
  t.check(meeting, `the API lists an AMU meeting after September (${meeting?.uid})`);
  const page = await signIn(t);
  await Promise.all([page.waitForURL(`${t.base}/hr/meetings`), page.getByRole('link', { name: 'Møter' }).click()]);
  t.check(await page.getByRole('heading', { name: 'Legg til et møte' }).isVisible(), '/hr/meetings has the form "Legg til et møte"');
  await t.axe(page, { what: 'the meetings page /hr/meetings' });
  const nextDay = await moveMeetingOnPage(t, page, meeting, 'Kollisjon med budsjettmøtet',
    () => t.axe(page, { what: 'the edit page of a meeting' }));
  const moved = await t.api('GET', `/occurrences/${encodeURIComponent(meeting.uid)}`);
  t.check(moved.body.start.startsWith(`${nextDay}T13:00`) && moved.body.sequence > meeting.sequence,
    `the move from the page is in the API: ${moved.body.start}, sequence ${moved.body.sequence}`);
  t.check(await page.locator('[role="status"]').isVisible(), 'the meetings page confirms the change in role="status"');
  await t.screenshot(page, 'hr-meetings');

  // The same meeting gets an agenda of its own, with a document.
  await page.goto(`${t.base}/hr/meetings/edit?uid=${encodeURIComponent(meeting.uid)}`);
  const items = ['Godkjenning av innkalling og protokoll', 'AMUs årsrapport 2026', 'Eventuelt'];
  await page.getByLabel('Saker, én per linje').fill(items.join('\n'));
  await page.getByLabel(/^Dokumenter, én per linje/).fill('Årsrapport 2026 | https://roros.kommune.no/amu/arsrapport-2026.pdf');
  await page.locator('#agenda-reason').fill('Årsrapporten behandles i dette møtet');
  await t.axe(page, { what: 'the edit page with its agenda form' });
  await Promise.all([page.waitForURL(/\/hr\/meetings\?changed=/), page.getByRole('button', { name: 'Lagre sakslisten' }).click()]);
  const agenda = await t.api('GET', `/occurrences/${encodeURIComponent(meeting.uid)}`);
  t.check(JSON.stringify(agenda.body.agenda) === JSON.stringify(items) &&
    agenda.body.documents?.[0]?.url === 'https://roros.kommune.no/amu/arsrapport-2026.pdf',
    `the meeting's own agenda and document from the page are in the API (${JSON.stringify(agenda.body.agenda)}, ${JSON.stringify(agenda.body.documents)})`);
}

// The audit page lists the page's changes with the signed-in token's name.
async function audit(t) {
  const page = await signIn(t);
  await Promise.all([page.waitForURL(`${t.base}/hr/audit`), page.getByRole('link', { name: 'Endringslogg' }).click()]);
  const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
  for (const action of ['subscription.create', 'subscription.revoke', 'token.revoke', 'occurrence.move']) {
    const row = rows.find((r) => r[3] === action);
    t.check(row && row[1] === 'token web-tests' && row[2] === 'nettside',
      `the audit page shows ${action} by "token web-tests" (the session's token) through the page (${JSON.stringify(row)})`);
  }
  const move = rows.find((r) => r[3] === 'occurrence.move');
  t.check(move[7] === 'Kollisjon med budsjettmøtet', `the move's reason is in the audit page ("${move[7]}")`);
  await t.axe(page, { what: 'the audit page /hr/audit' });
  await t.screenshot(page, 'hr-audit');
}

// ---- signing out -------------------------------------------------------------------------------

async function logout(t) {
  const page = await signIn(t);
  const session = (await t.context.cookies()).find((c) => c.name === 'arshjul_session');
  t.check(session, 'signed in: the context has a session cookie');
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${t.base}/hr/logout` && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Logg ut' }).click(),
  ]);
  await page.waitForURL(`${t.base}/hr/login`);
  t.check(posted.status() === 303, `"Logg ut" posts the form: 303 to the login page (got ${posted.status()}, now at ${page.url()})`);
  const left = (await t.context.cookies()).filter((c) => c.name === 'arshjul_session');
  t.check(left.length === 0, `after logging out the session cookie is gone (${left.length} left)`);
  await page.goto(`${t.base}/hr`);
  t.check(page.url() === `${t.base}/hr/login`, `after logging out /hr redirects to the login page (now at ${page.url()})`);

  // The old session id is dead on the server too, not only forgotten by the browser.
  await t.context.addCookies([{ name: session.name, value: session.value, url: `${t.base}/hr` }]);
  await page.goto(`${t.base}/hr`);
  t.check(page.url() === `${t.base}/hr/login`, `the session id from before logging out no longer opens /hr (now at ${page.url()})`);
}

const tests = [
  sign_in,
  registrations,
  progress,
  replay,
  feeds,
  tokens,
  meetings,
  audit,
  logout,
];

await run(tests, {
  clock: '2027-01-04T08:00:00+01:00',
  serveArgs: ['--hook', 'http://127.0.0.1:9/hook', '--hook-secret', HOOK_SECRET, '--clock-speed', String(SPEED)],
});
