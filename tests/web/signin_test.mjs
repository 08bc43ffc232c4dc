// Sign-in with OpenID Connect in real headless Chromium against a real
// OpenID Provider (oidc-provider, tests/oidc/provider.mjs) on loopback: a
// leader of config/roros signs in through the provider's login form, lands
// on "Mitt årshjul", makes a feed for their unit (it answers 200 with that
// unit's events), and revokes it (404), and marks an open task done; an HR user (by the HR group) gets
// the HR page, makes a feed for a unit and moves a meeting there, and the
// audit log names them; a union rep sees the notices of meetings ahead; a user outside the HR group is refused there; someone not
// in the roster gets a clear page; a form posted from another site makes no
// feed. axe-core on the new pages, screenshots under SCREENSHOT_DIR.
//
// Run: node tests/web/signin_test.mjs BINARY CONFIG_DIR WORKDIR SCREENSHOT_DIR

import fs from 'node:fs';
import path from 'node:path';

import { makeFeedOnPage, moveMeetingOnPage, run } from './harness.mjs';
import { startProvider } from '../oidc/provider.mjs';

const SECRET = 'test-client-secret-9f8e7d';
process.env.ARSHJUL_TEST_OIDC_SECRET = SECRET;

const idp = await startProvider({
  clientSecret: SECRET,
  users: {
    'ole.martin': { password: 'leder-passord', claims: { email: 'Ole.Martin.Gjelsvik@roros.kommune.no', name: 'Ole Martin G.', groups: ['ansatte'] } },
    marit: { password: 'hr-passord', claims: { email: 'marit.sundt@roros.kommune.no', name: 'Marit Sundt', groups: ['ansatte', 'arshjul-hr'] } },
    unni: { password: 'htv-passord', claims: { email: 'unni.brekken@roros.kommune.no', name: 'Unni Brekken', groups: ['ansatte'] } },
    gjest: { password: 'gjest-passord', claims: { email: 'gjest@example.no', name: 'Gjest Utenfor', groups: [] } },
  },
});

// Signs in through the provider's own form; the browser ends where arshjul sends it.
async function signIn(t, login, password, start = '/me') {
  if (!t.registered) {
    idp.register(`${t.base}/login/callback`);
    t.registered = true;
  }
  const page = await t.page(`/login?next=${encodeURIComponent(start)}`, { status: null });
  t.check(page.url().startsWith(`${idp.issuer}/interaction/`), `/login sends the browser to the provider's login form (${page.url()})`);
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(t.base)), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}

async function feedLink(page) {
  return (await page.locator('main code').first().innerText()).trim();
}

// The UIDs of a feed's events.
function uids(ics) {
  return [...ics.matchAll(/^UID:(.+?)\r?$/gm)].map((m) => m[1]);
}

await run([
  async function a_leader_signs_in_makes_a_unit_feed_and_revokes_it(t) {
    const page = await signIn(t, 'ole.martin', 'leder-passord');
    t.check(page.url() === `${t.base}/me`, `after the provider's login the leader lands on /me (${page.url()})`);
    t.check(await page.getByRole('heading', { name: 'Mitt årshjul' }).isVisible(), 'the page is headed "Mitt årshjul"');
    t.check(await page.getByText('Logget inn som Ole Martin Gjelsvik').isVisible(),
      'the leader is named as in the roster (matched by e-mail, any case)');
    const cookies = await t.context.cookies(t.base);
    const session = cookies.find((c) => c.name === 'arshjul_session');
    t.check(session && session.httpOnly && session.sameSite === 'Lax', 'the session cookie is HttpOnly and SameSite=Lax');
    t.check(await page.locator('svg.qr').count() >= 1, 'the personal feed has a QR code');
    t.check(await page.getByRole('link', { name: /Åpne i kalenderprogrammet/ }).first().getAttribute('href')
      .then((h) => h.startsWith('webcal://')), 'the personal feed opens as webcal://');
    await t.axe(page, { what: 'Mitt årshjul' });
    await t.screenshot(page, 'mitt-arshjul');

    await page.getByLabel('Ny lenke som viser').selectOption('unit:helse-omsorg');
    await Promise.all([page.waitForURL(`${t.base}/me/feeds`), page.getByRole('button', { name: 'Lag lenke' }).click()]);
    t.check(await page.getByRole('heading', { name: 'Ny kalenderlenke' }).isVisible(), 'making a feed shows the new link once');
    await t.axe(page, { what: 'Ny kalenderlenke' });
    const link = await feedLink(page);
    t.check(link.startsWith(`${t.base}/feeds/`) && link.endsWith('.ics'), `the new link is a feed URL (${link})`);
    const feed = await fetch(link);
    const ics = await feed.text();
    t.check(feed.status === 200, `the new feed answers 200 at once (got ${feed.status})`);
    const ids = uids(ics);
    const unitOf = (uid) => uid.split('@')[0].split('.');
    t.check(ids.length > 0 && ids.some((u) => unitOf(u)[1] === 'helse-omsorg'), `the feed has helse-omsorg's events (${ids.length} events)`);
    t.check(ids.every((u) => unitOf(u).length === 2 || unitOf(u)[1] === 'helse-omsorg'),
      'the feed has no other unit\'s series');

    const me = await t.page('/me');
    t.check(await me.getByRole('cell', { name: 'Enheten Helse og omsorg', exact: true }).isVisible(), 'Mitt årshjul lists the feed the leader made');
    await Promise.all([me.waitForURL(/\/me\?trukket=/), me.getByRole('button', { name: /Trekk tilbake/ }).first().click()]);
    t.check(await me.getByText('Lenken er trukket tilbake').isVisible(), 'revoking says so');
    const gone = await fetch(link);
    t.check(gone.status === 404, `the revoked feed answers 404 (got ${gone.status})`);

    const tasks = await me.getByRole('button', { name: /Merk som gjort/ }).count();
    t.check(tasks > 0, `the leader's open tasks are listed (${tasks})`);
    t.check(await me.getByRole('cell', { name: /^Sakspapirer: Medbestemmelsesmøte \(MBM\) i virksomheten, \w+dag \d+\. \w+ \d{4}$/ }).first().isVisible()
      && await me.getByRole('cell', { name: /^Referat: Medbestemmelsesmøte \(MBM\) i virksomheten, / }).first().isVisible(),
      'so are the MBM\'s documents and minutes he owns, each with its meeting\'s day');
    await Promise.all([me.waitForURL(/\/me\?gjort=/), me.getByRole('button', { name: /Merk som gjort/ }).first().click()]);
    t.check(await me.getByText('Oppgaven er merket som gjort').isVisible(), 'marking a task done says so');
    const left = await me.getByRole('button', { name: /Merk som gjort/ }).count();
    t.check(left === tasks - 1, `the task done is no longer open (${tasks} before, ${left} after)`);

    const hr = await t.page('/hr', { status: 403 });
    t.check(await hr.getByText('HR-sidene er bare for HR').isVisible(), 'a leader outside the HR group is refused on /hr');
    await t.axe(hr, { what: 'HR refused' });
  },

  async function a_form_posted_from_another_site_makes_no_feed(t) {
    const before = await (await signIn(t, 'ole.martin', 'leder-passord')).getByRole('button', { name: /Trekk tilbake/ }).count();
    idp.route('/evil', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><body><form method="post" action="${t.base}/me/feeds">` +
        '<input name="csrf" value="guess"><input name="filter" value="person:ole-martin-gjelsvik">' +
        '<button type="submit">Win a prize</button></form></body></html>');
    });
    // localhost is another site than 127.0.0.1 (ports do not make sites), so the Lax cookie stays home.
    const evil = await t.page(`${idp.issuer.replace('127.0.0.1', 'localhost')}/evil`);
    const [answer] = await Promise.all([evil.waitForNavigation(), evil.getByRole('button', { name: 'Win a prize' }).click()]);
    t.check(answer.status() !== 201, `the cross-site post did not make a feed (answered ${answer.status()} at ${evil.url()})`);
    const me = await t.page('/me');
    const after = await me.getByRole('button', { name: /Trekk tilbake/ }).count();
    t.check(after === before, `Mitt årshjul lists no feed made by the cross-site post (${before} before, ${after} after)`);
  },

  async function an_hr_user_signs_in_by_group(t) {
    const page = await signIn(t, 'marit', 'hr-passord', '/hr');
    t.check(page.url() === `${t.base}/hr`, `the HR user lands on /hr (${page.url()})`);
    t.check(await page.getByRole('heading', { name: 'HR-oversikt' }).isVisible(), 'the HR group gives the HR page');
    t.check(await page.getByText('Logget inn som Marit Sundt (marit-sundt)').isVisible(), 'the HR page names who is signed in');
    await Promise.all([page.waitForURL(`${t.base}/hr/login`), page.getByRole('button', { name: 'Logg ut' }).click()]);
    const after = await t.page('/hr', { status: null });
    t.check(after.url().endsWith('/hr/login'), 'after logging out /hr asks for sign-in again');
  },

  // The must-show for HR, signed in through the provider: a feed for
  // a unit and a meeting moved from the pages, both in the audit log under
  // the HR user's own name (not a token's).
  async function an_hr_user_makes_a_unit_feed_and_moves_a_meeting_and_the_audit_names_them(t) {
    const page = await signIn(t, 'marit', 'hr-passord', '/hr/feeds');
    t.check(page.url() === `${t.base}/hr/feeds`, `the HR user lands on /hr/feeds (${page.url()})`);
    const made = await makeFeedOnPage(t, page, 'unit:skole', 'Ny rektor');
    t.check(made.status === 201, `"Lag kalender" for Røros skole answers 201 (got ${made.status})`);
    const feed = await fetch(t.base + made.feedPath);
    const ics = await feed.text();
    t.check(feed.status === 200 && uids(ics).length > 0, `the unit's feed answers 200 at once with events (${feed.status}, ${uids(ics).length} events)`);

    const list = await t.api('GET', '/occurrences?activity=amu&from=2027-09-01');
    const meeting = list.body.occurrences.find((o) => o.status === 'scheduled');
    const nextDay = await moveMeetingOnPage(t, page, meeting, 'Kollisjon med kommunestyret');
    const moved = await t.api('GET', `/occurrences/${encodeURIComponent(meeting.uid)}`);
    t.check(moved.body.start.startsWith(`${nextDay}T13:00`), `the move from the page is in the API (${moved.body.start})`);

    await page.goto(`${t.base}/hr/audit`);
    const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
    for (const [action, reason] of [['subscription.create', 'Ny rektor'], ['occurrence.move', 'Kollisjon med kommunestyret']]) {
      const row = rows.find((r) => r[3] === action && r[7] === reason);
      t.check(row && row[1] === 'Marit Sundt (marit-sundt)' && row[2] === 'nettside',
        `the audit page shows ${action} by "Marit Sundt (marit-sundt)" through the page, with the reason (${JSON.stringify(row)})`);
    }
    await t.axe(page, { what: 'the audit page, signed in with OpenID Connect' });
  },

  async function a_union_rep_sees_the_notices_of_meetings_ahead_with_agenda_and_deadline(t) {
    const page = await signIn(t, 'unni', 'htv-passord');
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Varsler om møter' }) });
    t.check(await section.isVisible(), 'a hovedtillitsvalgt has "Varsler om møter" on Mitt årshjul');
    const rows = await section.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
    const withAgenda = rows.filter((r) => r[2].split('\n').length >= 2 && /\d{4}$/.test(r[3]) && /^(Sendt|Kommer) /.test(r[4]));
    t.check(rows.length > 0 && withAgenda.length === rows.length,
      `every notice names the meeting, its agenda, the documents' deadline and when it was sent (${JSON.stringify(rows[0])}, ${rows.length} rows)`);
    await t.axe(page, { what: 'Mitt årshjul of a union rep' });
    await t.screenshot(page, 'mitt-arshjul-tillitsvalgt');
  },

  async function someone_outside_the_roster_gets_a_clear_page(t) {
    const page = await signIn(t, 'gjest', 'gjest-passord');
    t.check(await page.getByText('vi finner deg ikke i personlisten').isVisible(), 'a user outside the roster is told so');
    await t.axe(page, { what: 'Mitt årshjul, not in the roster' });
    await t.screenshot(page, 'mitt-arshjul-ikke-i-personlisten');
  },
], {
  prepare: (dir) => {
    const file = path.join(dir, 'arshjul.toml');
    fs.appendFileSync(file, `\n[sign_in]\nissuer = "${idp.issuer}"\nclient_id = "arshjul"\n` +
      'client_secret_env = "ARSHJUL_TEST_OIDC_SECRET"\nhr_claim = "groups"\nhr_value = "arshjul-hr"\n');
  },
});
