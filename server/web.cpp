#include "server/web.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <variant>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <qrencode.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "scheduler/config_files.h"
#include "server/hr_pages.h"
#include "scheduler/engine.h"
#include "scheduler/tokens.h"
#include "scheduler/webhooks.h"
#include "svg/wheel_svg.h"
#include "workflows/audience.h"
#include "workflows/events.h"
#include "workflows/notifications.h"
#include "workflows/vocabulary.h"

namespace arshjul {
namespace {

constexpr Seconds kSessionLength = std::chrono::hours{8};  // a token session; OIDC ones: [sign_in] session_length
constexpr Seconds kSignInWindow = std::chrono::minutes{10};  // from /login to the provider's redirect back
constexpr const char* kCookie = "arshjul_session";
constexpr const char* kSignInCookie = "arshjul_signin";  // binds a sign-in's state to the browser that began it

// Page text is escaped as the wheel's SVG is.
std::string esc(std::string_view s) { return xml_escape(s); }

// ---- the shared frame ----------------------------------------------------------------------

constexpr const char* kStyle = R"css(
:root { --ink: #1a202c; --muted: #4a5568; --line: #cbd5e0; --bg: #ffffff; --soft: #f7fafc; --accent: #2b6cb0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 1rem; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top h1 { font-size: 1.25rem; margin: 0; }
header.top nav a { margin-right: 1rem; }
a { color: var(--accent); }
a:focus, button:focus, [tabindex]:focus { outline: 3px solid #d69e2e; outline-offset: 2px; }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; margin: 0 auto; }
.years a, .years strong { margin-right: .75rem; }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(18rem, 2fr); gap: 2rem; align-items: start; }
@media (max-width: 60rem) { .layout { grid-template-columns: 1fr; } }
.wheel svg { width: 100%; height: auto; max-height: 85vh; }
#details { position: sticky; top: 1rem; min-height: 6rem; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; background: var(--soft); }
#details h2 { font-size: 1.05rem; margin: 0 0 .25rem; }
#details p { margin: .25rem 0; white-space: pre-line; }
.months h2 { font-size: 1.1rem; margin: 1.5rem 0 .25rem; border-bottom: 1px solid var(--line); }
.months ol { list-style: none; padding: 0; margin: 0; }
.months li { padding: .2rem 0; display: grid; grid-template-columns: 9.5rem 1fr; gap: .5rem; }
.chip { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .35rem; vertical-align: baseline; border: 1px solid rgba(0,0,0,.3); }
.kind { color: var(--muted); font-size: .9em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); }
.bar { background: #e2e8f0; border-radius: 3px; height: .75rem; min-width: 8rem; }
.bar span { display: block; height: 100%; border-radius: 3px; background: #2f855a; }
.overdue { color: #9b2c2c; font-weight: 600; }
.ok { color: #276749; font-weight: 600; }
.error { color: #9b2c2c; }
.warning { color: #744210; font-weight: 600; }
pre { background: var(--soft); padding: .75rem; overflow-x: auto; }
button, input[type=submit] { font: inherit; padding: .3rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: .3rem; cursor: pointer; }
input[type=password], input[type=text] { font: inherit; padding: .3rem .5rem; width: 100%; max-width: 28rem; }
.links code { word-break: break-all; }
.feed { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
.feed > div { flex: 1 1 20rem; }
.qr { flex: none; border: 1px solid var(--line); }
form.logout { margin: .25rem 0 1rem; }
a.button { display: inline-block; padding: .4rem 1rem; border-radius: .3rem; background: var(--accent); color: #fff; text-decoration: none; }
select { font: inherit; padding: .3rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
)css";

// Shows a mark's title and description on hover and keyboard focus, and
// copies subscribe links; the page works without it.
constexpr const char* kScript = R"js(
(function () {
  var panel = document.getElementById('details');
  function show(mark) {
    if (!panel) return;
    var t = mark.querySelector('title'), d = mark.querySelector('desc');
    panel.innerHTML = '';
    var h = document.createElement('h2'); h.textContent = t ? t.textContent : '';
    var p = document.createElement('p'); p.textContent = d ? d.textContent : '';
    panel.appendChild(h); panel.appendChild(p);
  }
  var marks = Array.prototype.slice.call(document.querySelectorAll('.wheel .mark'));
  marks.forEach(function (m, i) {
    m.addEventListener('mouseenter', function () { show(m); });
    m.addEventListener('focus', function () { show(m); });
    m.addEventListener('click', function () { show(m); });
    m.addEventListener('keydown', function (e) {
      var next = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
      if (!next) return;
      e.preventDefault();
      marks[(i + next + marks.length) % marks.length].focus();
    });
  });
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.getAttribute('data-copy');
      var status = document.getElementById('copied');
      var done = function () {
        b.textContent = 'Kopiert';
        if (status) status.textContent = 'Adressen er kopiert.';
        setTimeout(function () { b.textContent = 'Kopier'; }, 2000);
      };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, done); else done();
    });
  });
})();
)js";

std::string frame(const Config& c, const std::string& title, const std::string& body, bool hr_nav = false) {
  std::string nav = "<nav aria-label=\"Hovedmeny\"><a href=\"/\">Årshjulet</a><a href=\"/me\">Mitt årshjul</a>";
  // HR's way in from every page: /hr asks a visitor who is not signed in to do so.
  nav += hr_nav ? "<a href=\"/hr\">HR-oversikt</a>" : "<a href=\"/hr\">For HR</a>";
  nav += "</nav>";
  return "<!doctype html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + esc(title) + " – " + esc(c.organisation.name) + "</title>"
         "<link rel=\"stylesheet\" href=\"/static/arshjul.css\"></head><body>"
         "<header class=\"top\"><h1>" + esc(c.organisation.name) + "</h1>" + nav + "</header>"
         "<main id=\"innhold\">" + body + "</main>"
         "<script src=\"/static/arshjul.js\" defer></script></body></html>\n";
}

WebResponse html(unsigned status, std::string body) {
  WebResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src 'self' data:; "
                         "frame-ancestors 'none'; form-action 'self'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

WebResponse redirect(const std::string& to) {
  WebResponse r;
  r.status = 303;
  r.content_type.clear();
  r.headers.emplace_back("Location", to);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

WebResponse not_found(const Config& c, const std::string& what) {
  return html(404, frame(c, "Fant ikke siden", "<h2>Fant ikke siden</h2><p>" + esc(what) + "</p>"));
}

// ---- the year: the wheel and the month list ---------------------------------------------------

int year_of(LocalDays d) { return static_cast<int>(date::year_month_day{d}.year()); }
unsigned month_of(LocalDays d) { return static_cast<unsigned>(date::year_month_day{d}.month()); }

std::string time_text(const Occurrence& o, const date::time_zone* zone) {
  if (o.all_day) {
    if (o.first_day == o.last_day) return "hele dagen";
    return "til " + norwegian_date(o.last_day);
  }
  // A gathering: each day's times (the first day's), and the days it runs; each day is an event of its own in the feeds.
  const SysSeconds from = o.sessions.empty() ? o.start : o.sessions.front().start;
  const SysSeconds to = o.sessions.empty() ? o.end : o.sessions.front().end;
  std::string text = date::format("%H:%M", date::floor<std::chrono::minutes>(to_local(from, zone))) + "–" +
                     date::format("%H:%M", date::floor<std::chrono::minutes>(to_local(to, zone)));
  if (!o.sessions.empty()) text += ", " + std::to_string(o.sessions.size()) + " dager til " + norwegian_date(o.last_day);
  return text;
}

// The month list: unit series of one activity on one day become one line
// naming the units, as in the wheel.
std::string month_list(const Config& c, const std::vector<const Occurrence*>& occurrences, int year) {
  struct Line {
    const Occurrence* first;
    std::vector<std::string> scopes;
  };
  std::map<unsigned, std::vector<Line>> by_month;
  std::map<std::pair<std::string, long long>, std::pair<unsigned, std::size_t>> group;
  for (const Occurrence* o : occurrences) {
    if (year_of(o->first_day) != year) continue;
    const unsigned m = month_of(o->first_day);
    const auto key = std::pair{o->activity->id, static_cast<long long>(o->first_day.time_since_epoch().count())};
    const std::string scope = o->person ? o->person->name : o->unit ? o->unit->name : std::string();
    if (auto it = group.find(key); it != group.end() && !o->person) {
      by_month[it->second.first][it->second.second].scopes.push_back(scope);
      continue;
    }
    group[key] = {m, by_month[m].size()};
    by_month[m].push_back(Line{o, scope.empty() ? std::vector<std::string>{} : std::vector<std::string>{scope}});
  }
  std::string out = "<section class=\"months\" aria-labelledby=\"maaneder\"><h2 id=\"maaneder\" class=\"visually-hidden\">Måned for måned</h2>";
  for (unsigned m = 1; m <= 12; ++m) {
    out += "<h2>" + std::string(norwegian_month(m)) + " " + std::to_string(year) + "</h2>";
    auto it = by_month.find(m);
    if (it == by_month.end()) {
      out += "<p class=\"kind\">Ingenting i årshjulet denne måneden.</p>";
      continue;
    }
    out += "<ol>";
    for (const Line& l : it->second) {
      const Occurrence& o = *l.first;
      std::string scope;
      if (l.scopes.size() == 1) scope = " – " + l.scopes[0];
      else if (l.scopes.size() > 1) scope = " – " + std::to_string(l.scopes.size()) + " " + std::string(label::units);
      out += "<li><span>" + esc(norwegian_date(o.first_day)) + "</span><span><span class=\"chip\" style=\"background:" +
             esc(o.wheel->color) + "\" aria-hidden=\"true\"></span>" + esc(o.activity->title) + esc(scope) +
             " <span class=\"kind\">(" + std::string(kind_word(o.activity->kind)) + ", " + esc(time_text(o, c.organisation.zone)) + ", " +
             esc(o.wheel->name) + ")</span></span></li>";
    }
    out += "</ol>";
  }
  return out + "</section>";
}

struct YearView {
  Expansion expansion;  // copies of the occurrences shown, pointing into the snapshot's config
  int year = 0;
};

YearView year_view(const Snapshot& s, int year) {
  YearView v;
  v.year = year;
  if (year >= year_of(s.horizon_from) && year <= year_of(s.horizon_to)) {
    v.expansion.config = &s.config;
    for (const auto& o : s.expansion.occurrences)
      if (year_of(o.first_day) == year || year_of(o.last_day) == year) v.expansion.occurrences.push_back(o);
  } else {
    v.expansion = expand_year(s.config, year);
  }
  return v;
}

std::string year_links(int year, const std::string& path) {
  std::string out = "<p class=\"years\" aria-label=\"Velg år\">";
  for (int y = year - 1; y <= year + 1; ++y) {
    if (y == year) out += "<strong aria-current=\"page\">" + std::to_string(y) + "</strong>";
    else out += "<a href=\"" + path + "?year=" + std::to_string(y) + "\">" + std::to_string(y) + "</a>";
  }
  return out + "</p>";
}

std::string wheel_and_list(const Snapshot& s, const Expansion& e, int year, SysSeconds now, const std::string& heading) {
  WheelSvgOptions options;
  options.interactive = true;
  options.size = WheelSvgOptions::Size::inline_web;
  const LocalDays today = date::floor<date::days>(to_local(now, s.config.organisation.zone));
  if (year_of(today) == year) options.today = today;
  std::vector<const Occurrence*> list;
  for (const auto& o : e.occurrences) list.push_back(&o);
  return "<div class=\"layout\"><section class=\"wheel\" aria-label=\"" + esc(heading) + "\">" +
         render_wheel_svg(s.config, e, year, options) +
         "</section><aside><div id=\"details\" aria-live=\"polite\"><h2>Detaljer</h2><p>Pek på, trykk på eller gå med "
         "tabulator til et merke i hjulet for å se tittel, dato og agenda.</p></div>" +
         month_list(s.config, list, year) + "</aside></div>";
}

std::optional<int> year_param(const std::map<std::string, std::string>& q, int fallback) {
  auto it = q.find("year");
  if (it == q.end()) return fallback;
  int y = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), y);
  if (ec != std::errc() || p != it->second.data() + it->second.size() || y < 1900 || y > 2200) return std::nullopt;
  return y;
}

// ---- HR ----------------------------------------------------------------------------------------


std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

// One section per activity with registration, headed with the activity's
// own name for its days (vocabulary.h), so a second kind of day for new
// hires is not called an ansattdag.
std::string registrations_section(const Snapshot& s) {
  std::map<std::string, std::vector<std::string>> waiting;  // activity -> people
  for (const auto& r : s.registrations)
    if (r.occurrence_uid.empty()) waiting[r.activity].push_back(r.person);
  std::string out;
  for (const auto& w : s.config.wheels)
    for (const auto& a : w.activities) {
      if (!a.registration) continue;
      const std::string id = "reg-" + a.id;
      out += "<section aria-labelledby=\"" + id + "\"><h2 id=\"" + id + "\">" + esc(registered_heading(a)) + "</h2>";
      bool any = false;
      for (const auto& o : s.expansion.occurrences) {
        if (o.activity->id != a.id) continue;
        if (!any) out += "<table><thead><tr><th scope=\"col\">Dag</th><th scope=\"col\">Påmeldt</th><th scope=\"col\">Ledige plasser</th><th scope=\"col\">Hvem</th></tr></thead><tbody>";
        any = true;
        const int cap = a.registration->capacity;
        std::string who;
        for (const auto& pid : o.registered) {
          const Person* p = s.config.find_person(pid);
          who += (who.empty() ? "" : ", ") + esc(p ? p->name : pid);
        }
        out += "<tr><td>" + esc(norwegian_date(o.first_day)) + "<br><span class=\"kind\">" + esc(a.title) +
               "</span></td><td>" + std::to_string(o.registered.size()) + " av " + std::to_string(cap) + "</td><td>" +
               std::to_string(std::max(0, cap - static_cast<int>(o.registered.size()))) + "</td><td>" +
               (who.empty() ? "<span class=\"kind\">ingen ennå</span>" : who) + "</td></tr>";
      }
      out += any ? "</tbody></table>" : "<p>Ingen dager i perioden.</p>";
      if (auto it = waiting.find(a.id); it != waiting.end()) {
        // Each hire with why they wait, as the plan of this snapshot saw it:
        // HR can then fix the config (max_wait_days, another day) or the roster.
        std::string items;
        for (const auto& pid : it->second) {
          const Person* p = s.config.find_person(pid);
          items += "<li>" + esc(p ? p->name : pid);
          if (p)
            if (auto why = waiting_reason(s.expansion, a, *p, s.built_at)) items += ": " + esc(why->text);
          items += "</li>";
        }
        out += "<div class=\"overdue\"><p>" + esc(waiting_heading(a)) + ":</p><ul>" + items + "</ul></div>";
      }
      out += "</section>";
    }
  if (out.empty())
    out = "<section aria-labelledby=\"reg\"><h2 id=\"reg\">Påmeldinger</h2><p>Ingen aktivitet har automatisk "
          "påmelding.</p></section>";
  return out;
}

std::string tasks_section(const Snapshot& s, const std::vector<TaskState>& tasks, SysSeconds now) {
  std::string out = "<section aria-labelledby=\"oppf\"><h2 id=\"oppf\">Oppfølging: medarbeidersamtaler og 10-faktor</h2>";
  struct Count {
    int total = 0, done = 0, overdue = 0;
  };
  // activity -> deadline -> unit -> counts: a unit series' occurrences with
  // one deadline are one table, not one heading per unit.
  // A meeting's documents and minutes are apart, by kind.
  std::map<std::string, std::map<std::pair<SysSeconds, TaskKind>, std::map<std::string, Count>>> counts;
  for (const auto& t : tasks) {
    if (t.task.due < to_utc(LocalSeconds{s.horizon_from}, s.config.organisation.zone)) continue;
    Count& c = counts[t.task.activity][{t.task.due, t.task.kind}][t.task.unit];
    ++c.total;
    if (t.completed) ++c.done;
    else if (t.task.due <= now) ++c.overdue;
  }
  if (counts.empty()) return out + "<p>Ingen oppgaver ennå.</p></section>";
  for (const auto& [activity_id, occurrences] : counts) {
    const Wheel* wheel = nullptr;
    const Activity* activity = s.config.find_activity(activity_id, &wheel);
    for (const auto& [due_kind, units] : occurrences) {
      const auto& [due, kind] = due_kind;
      std::string heading = activity ? activity->title : activity_id;
      if (kind != TaskKind::follow_up) heading = std::string(task_kind_word(kind)) + ": " + heading;
      heading += " – frist " + norwegian_date(date::floor<date::days>(to_local(due, s.config.organisation.zone)) - date::days{1});
      out += "<h3>" + esc(heading) + (wheel ? " <span class=\"kind\">(" + esc(wheel->name) + ")</span>" : "") +
             "</h3><table><thead><tr><th scope=\"col\">Enhet</th><th scope=\"col\">Gjennomført</th><th scope=\"col\">Framdrift</th><th scope=\"col\">Forfalt</th></tr></thead><tbody>";
      for (const auto& [unit_id, c] : units) {
        const Unit* u = s.config.find_unit(unit_id);
        const int pct = c.total ? c.done * 100 / c.total : 0;
        out += "<tr><td>" + esc(u ? u->name : unit_id) + "</td><td>" + std::to_string(c.done) + " av " +
               std::to_string(c.total) + "</td><td><div class=\"bar\" role=\"img\" aria-label=\"" + std::to_string(pct) +
               " prosent gjennomført\"><span style=\"width:" + std::to_string(pct) + "%\"></span></div></td><td>" +
               (c.overdue ? "<span class=\"overdue\">" + std::to_string(c.overdue) + " forfalt</span>"
                          : std::string("<span class=\"kind\">ingen</span>")) +
               "</td></tr>";
      }
      out += "</tbody></table>";
    }
  }
  return out + "</section>";
}

// Hooks whose receiver answered 410 Gone, and the form that replays dead
// letters in bulk (by hook and due period); `csrf` empty: read-only role.
std::string gone_and_bulk_replay(Storage& storage, const Config& c, const std::string& csrf, bool any_dead) {
  std::string out;
  for (const Hook& h : c.hooks) {
    auto mark = hook_gone(storage, h.id);
    if (!mark || mark->url != h.url) continue;
    out += "<p class=\"error\">Mottakeren <strong>" + esc(h.id) + "</strong> (" + esc(h.url) +
           ") svarte 410 Gone " + esc(date::format("%F %R", to_local(mark->since, c.organisation.zone))) +
           ": adressen finnes ikke lenger, og ingen meldinger sendes dit. Meldingene blir liggende her. "
           "Når mottakeren er tilbake, send dem på nytt for denne mottakeren nedenfor (eller gi den ny URL i "
           "konfigurasjonen).</p>";
  }
  if (!any_dead || csrf.empty()) return out;
  out += "<form method=\"post\" action=\"/hr/outbox/retry\" class=\"bulk\"><input type=\"hidden\" name=\"csrf\" value=\"" +
         esc(csrf) + "\"><label>Mottaker <select name=\"hook\"><option value=\"\">alle</option>";
  for (const Hook& h : c.hooks) out += "<option value=\"" + esc(h.id) + "\">" + esc(h.id) + "</option>";
  out += "</select></label> <label>Forfalt fra <input type=\"date\" name=\"from\"></label> "
         "<label>til og med <input type=\"date\" name=\"to\"></label> "
         "<button type=\"submit\">Send alle på nytt</button></form>";
  return out;
}

// What a dated change does, field by field: "enhet: Røros sykehjem → Røros skole".
std::vector<std::string> dated_change_lines(const Config& c, const Person& before, const Person& after) {
  std::vector<std::string> out;
  auto unit = [&](const std::string& id) {
    if (id.empty()) return std::string("ingen");
    const Unit* u = c.find_unit(id);
    return u ? u->name : id;
  };
  auto person = [&](const std::string& id) {
    if (id.empty()) return std::string("ingen");
    const Person* p = c.find_person(id);
    return p ? p->name : id;
  };
  auto day = [](const std::optional<LocalDays>& d) { return d ? norwegian_date(*d) : std::string("ingen"); };
  auto roles = [](const std::vector<Role>& rs) {
    std::string t;
    for (Role r : rs) t += (t.empty() ? "" : ", ") + std::string(role_word(r));
    return t.empty() ? std::string("ingen") : t;
  };
  auto seats = [](const std::vector<Membership>& ms) {
    std::string t;
    for (const auto& m : ms) t += (t.empty() ? "" : ", ") + membership_text(m);
    return t.empty() ? std::string("ingen") : t;
  };
  auto acting = [&](const std::optional<Person::Acting>& a) {
    return a ? unit(a->unit) + " " + norwegian_date(a->from) + " – " + norwegian_date(a->to) : std::string("ingen");
  };
  auto line = [&](const char* what, const std::string& was, const std::string& becomes) {
    if (was != becomes) out.push_back(std::string(what) + ": " + was + " → " + becomes);
  };
  line("navn", before.name, after.name);
  line("e-post", before.email, after.email);
  line("enhet", unit(before.unit), unit(after.unit));
  line("roller", roles(before.roles), roles(after.roles));
  line("fagforening", before.union_name, after.union_name);
  line("utvalg", seats(before.committees), seats(after.committees));
  line("startdato", day(before.start_date), day(after.start_date));
  line("leder fra", day(before.leader_start_date), day(after.leader_start_date));
  line("leder til", day(before.leader_end_date), day(after.leader_end_date));
  line("konstituert", acting(before.acting), acting(after.acting));
  line("nærmeste leder", person(before.manager), person(after.manager));
  return out;
}

// HR's changes dated ahead (the API's `effective`), by day: what will happen, and who made it.
std::string dated_changes_section(Storage& storage, const Config& c) {
  std::string out = "<section aria-labelledby=\"datert\"><h2 id=\"datert\">Planlagte endringer</h2>";
  const auto changes = storage.scheduled_changes();
  if (changes.empty())
    return out + "<p>Ingen. En endring HR-systemet daterer fram i tid (for eksempel et bytte av enhet fra "
                 "1. juni) vises her til dagen den gjøres.</p></section>";
  out += "<table><thead><tr><th scope=\"col\">Dag</th><th scope=\"col\">Person</th><th scope=\"col\">Endring</th>"
         "<th scope=\"col\">Registrert av</th></tr></thead><tbody>";
  // A page, not an export: the first ones by day, and how many more (the API lists them all).
  constexpr std::size_t kShown = 200;
  for (std::size_t i = 0; i < changes.size() && i < kShown; ++i) {
    const ScheduledChange& ch = changes[i];
    const Person* now = c.find_person(ch.person);
    std::string lines;
    for (const auto& l : dated_change_lines(c, ch.before, ch.after)) lines += (lines.empty() ? "" : "<br>") + esc(l);
    out += "<tr><td>" + esc(norwegian_date(ch.effective)) + "</td><td>" + esc(now ? now->name : ch.person) +
           "</td><td>" + lines + "</td><td>" + esc(ch.actor) + "</td></tr>";
  }
  out += "</tbody></table>";
  if (changes.size() > kShown)
    out += "<p>… og " + std::to_string(changes.size() - kShown) + " til (API-et viser alle under personens «scheduled»).</p>";
  return out + "</section>";
}

std::string dead_letters_section(Storage& storage, const Config& c, const std::string& csrf) {
  std::string out = "<section aria-labelledby=\"dead\"><h2 id=\"dead\">Meldinger som ikke kom fram</h2>";
  const auto dead = storage.outbox("dead", 200);
  out += gone_and_bulk_replay(storage, c, csrf, !dead.empty());
  if (dead.empty()) return out + "<p class=\"ok\">Ingen: alle webhook-meldinger er levert eller underveis.</p></section>";
  out += "<table><thead><tr><th scope=\"col\">Melding</th><th scope=\"col\">Mottaker</th><th scope=\"col\">Forsøk</th><th scope=\"col\">Siste feil</th><th scope=\"col\">Handling</th></tr></thead><tbody>";
  for (const auto& m : dead) {
    out += "<tr><td>" + esc(m.event_type) + "<br><span class=\"kind\">" + esc(m.occurrence_uid) + "</span></td><td>" +
           esc(m.recipient) + " <span class=\"kind\">(" + esc(m.hook) + ")</span></td><td>" + std::to_string(m.attempts) +
           "</td><td>" + esc(m.last_error) + "</td><td><form method=\"post\" action=\"/hr/outbox/" + std::to_string(m.id) +
           "/retry\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) +
           "\"><button type=\"submit\">Send på nytt<span class=\"visually-hidden\"> melding " + std::to_string(m.id) + " (" +
           esc(m.event_type) + " til " + esc(m.recipient) + ")</span></button></form></td></tr>";
  }
  return out + "</tbody></table></section>";
}

std::string config_section(const std::string& dir) {
  std::string out = "<section aria-labelledby=\"cfg\"><h2 id=\"cfg\">Konfigurasjonen</h2>";
  auto c = load_config_dir(dir);
  if (c) {
    return out + "<p class=\"ok\">" + esc(dir) + " er gyldig: " + std::to_string(c->wheels.size()) + " årshjul, " +
           std::to_string(c->activity_count()) + " aktiviteter, " + std::to_string(c->units.size()) + " " +
           std::string(label::units) + ", " +
           std::to_string(c->people.size()) + " personer i filen.</p></section>";
  }
  return out + "<p class=\"error\">" + esc(dir) +
         " har feil; daemonen kjører videre på forrige gyldige versjon til feilene er rettet:</p><pre>" + esc(c.error()) +
         "</pre></section>";
}

// A QR code as inline SVG: one path of dark modules with a quiet zone of 4.
// Decorative beside the link it encodes, so it has a label but no text.
std::string qr_svg(const std::string& text, const std::string& label) {
  QRcode* code = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!code) return {};
  const int n = code->width, size = n + 8;
  std::string path;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      if (code->data[y * n + x] & 1) path += "M" + std::to_string(x + 4) + " " + std::to_string(y + 4) + "h1v1h-1z";
  QRcode_free(code);
  return "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" width=\"160\" height=\"160\" role=\"img\" aria-label=\"" + esc(label) +
         "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path +
         "\"/></svg>";
}

class Web {
 public:
  Web(ApiHost& host, WebSessions& sessions, const std::string& dir, const WebRequest& req)
      : host_(host), sessions_(sessions), dir_(dir), req_(req) {}

  WebResponse run() {
    auto url = boost::urls::parse_origin_form(req_.target);
    if (!url) return html(400, "bad request");
    for (auto p : url->params()) query_[std::string(p.key)] = std::string(p.value);
    path_ = std::string(url->path());
    snap_ = host_.snapshot();
    const Config& c = snap_->config;
    if (path_ == "/static/arshjul.css") return asset("text/css; charset=utf-8", kStyle);
    if (path_ == "/static/arshjul.js") return asset("text/javascript; charset=utf-8", kScript);
    const bool get = req_.method == "GET" || req_.method == "HEAD";
    const bool post = req_.method == "POST";
    who_ = signed_in();
    if (path_ == "/" && get) return wheel_page();
    if (path_ == "/me" && get) return my_page();
    if (path_ == "/me/feeds" && post) return create_feed();
    if (path_.rfind("/me/feeds/", 0) == 0 && post) return revoke_feed();
    if (path_.rfind("/me/tasks/", 0) == 0 && post) return complete_my_task();
    if (path_.rfind("/me/", 0) == 0 && get) return person_page(path_.substr(4));
    if (path_ == "/login" && get) return start_sign_in();
    if (c.sign_in && path_ == c.sign_in->redirect_path && get) return finish_sign_in();
    if ((path_ == "/logout" || path_ == "/hr/logout") && post) return logout();
    if (path_ == "/hr/login" && get) return login_page("");
    if (path_ == "/hr/login" && req_.method == "POST") return login();
    if (path_ == "/hr" && get) return hr_page();
    if (path_ == "/hr/outbox/retry" && req_.method == "POST") return replay_all();
    if (path_.rfind("/hr/outbox/", 0) == 0 && req_.method == "POST") return replay();
    if (auto page = self_service()) return *page;
    if (!get && req_.method != "POST") {
      WebResponse r = html(405, frame(c, "Ikke tillatt", "<p>Metoden er ikke tillatt her.</p>"));
      r.headers.emplace_back("Allow", "GET, HEAD, POST");
      return r;
    }
    return not_found(c, "Adressen " + path_ + " finnes ikke.");
  }

 private:
  WebResponse asset(const char* type, const char* body) {
    WebResponse r;
    r.content_type = type;
    r.body = body;
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return r;
  }

  SysSeconds now() { return host_.clock().now(); }
  int this_year() { return year_of(date::floor<date::days>(to_local(now(), snap_->config.organisation.zone))); }

  WebResponse wheel_page() {
    const auto year = year_param(query_, this_year());
    if (!year) return html(400, frame(snap_->config, "Ugyldig år", "<p>Året må være et tall mellom 1900 og 2200.</p>"));
    const YearView v = year_view(*snap_, *year);
    // The public wheel shows no one's personal course path by name.
    Expansion shown;
    shown.config = &snap_->config;
    for (const auto& o : v.expansion.occurrences)
      if (!o.person) shown.occurrences.push_back(o);
    const std::string body = "<h2>" + esc(wheel_heading(*year)) + "</h2>" + year_links(*year, "/") +
                             wheel_and_list(*snap_, shown, *year, now(), "Årshjulet " + std::to_string(*year));
    return html(200, frame(snap_->config, wheel_heading(*year), body, who_ && who_->hr()));
  }

  WebResponse person_page(std::string token) {
    const Config& c = snap_->config;
    // The same index the feeds use, so the page and its feed link agree.
    const std::string hash = token_hash(token);
    // A link made by another process (arshjul subscribe) since the runner's
    // last tick is in storage before it is in the index: it works at once.
    auto sub = host_.subscription(hash);
    if (!sub) sub = host_.storage().active_subscription(hash);
    const std::string filter_text = sub ? sub->filter : std::string();
    auto filter = filter_text.empty() ? Expected<FeedFilter>(Error{"no such link"}) : parse_feed_filter(c, filter_text);
    if (!filter || filter->kind != FeedFilter::Kind::person)
      return not_found(c, "Denne personlige lenken finnes ikke, eller den er trukket tilbake.");
    const Person* p = c.find_person(filter->ref);
    const auto year = year_param(query_, this_year());
    if (!year) return html(400, frame(c, "Ugyldig år", "<p>Året må være et tall mellom 1900 og 2200.</p>"));
    const YearView v = year_view(*snap_, *year);
    Expansion mine;
    mine.config = &c;
    for (const auto& o : v.expansion.occurrences)
      if (feed_includes(c, *filter, o)) mine.occurrences.push_back(o);
    std::string base = host_.storage().setting("public_url");
    if (base.empty()) base = "http://" + req_.host;
    const std::string https = base + "/feeds/" + token + ".ics";
    const auto scheme = https.find("://");
    const std::string webcal = "webcal://" + https.substr(scheme + 3);
    std::string body = "<h2>" + esc(p ? p->name : filter->ref) + ": ditt år " + std::to_string(*year) + "</h2>" +
                       year_links(*year, "/me/" + token) +
                       "<section class=\"links\" aria-labelledby=\"abonner\"><h3 id=\"abonner\">Abonner i kalenderen din</h3>"
                       "<p>Legg til kalenderen i Outlook, Google, Apple eller Thunderbird én gang; endringer kommer av seg selv.</p>"
                       "<p><a href=\"" + esc(webcal) + "\">Åpne i kalenderprogrammet (webcal)</a> "
                       "<button type=\"button\" data-copy=\"" + esc(webcal) + "\" aria-label=\"Kopier webcal-adressen\">Kopier</button></p>"
                       "<p>Eller lim inn denne adressen: <code>" + esc(https) + "</code> "
                       "<button type=\"button\" data-copy=\"" + esc(https) + "\" aria-label=\"Kopier adressen\">Kopier</button></p>"
                       "<p id=\"copied\" role=\"status\" class=\"kind\"></p></section>" +
                       wheel_and_list(*snap_, mine, *year, now(), "Ditt årshjul " + std::to_string(*year));
    WebResponse r = html(200, frame(c, p ? p->name : "Ditt år", body));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");  // the link is the key
    return r;
  }

  // ---- who is signed in --------------------------------------------------------------------

  // The session this request's cookie names, if it is current. A token
  // session ends when its API token is revoked.
  std::optional<SignedIn> signed_in() {
    const std::string id = cookie_value(req_.cookie, kCookie);
    if (id.empty()) return std::nullopt;
    const std::string hash = token_hash(id);
    auto w = host_.storage().web_session(hash, wall_.now());
    if (!w) return std::nullopt;
    if (!w->api_token_hash.empty() && !host_.storage().api_token(w->api_token_hash)) {
      host_.storage().delete_web_session(hash);
      return std::nullopt;
    }
    SignedIn who;
    who.person = w->person;
    who.name = w->name;
    if (!w->api_token_hash.empty()) who.token_name = w->name.empty() ? "(uten navn)" : w->name;
    who.role = w->role;
    who.csrf = w->csrf;
    who.id_hash = hash;
    return who;
  }

  // Sessions are not the wheel's state: they go to storage directly (it is
  // thread-safe), not through the runner, so a sign-in never waits for a rebuild.
  std::string open_session(WebSession w) {
    const std::string id = new_token() + new_token();
    w.id_hash = token_hash(id);
    w.csrf = new_token();
    w.created = wall_.now();
    host_.storage().add_web_session(w);
    return id;
  }

  // Same-origin POSTs only: SameSite=Lax already keeps the cookie off
  // cross-site posts; the Origin check and the form token are two more locks.
  bool same_origin() const {
    if (req_.origin.empty()) return true;
    const auto scheme = req_.origin.find("://");
    return scheme != std::string::npos && req_.origin.substr(scheme + 3) == req_.host;
  }

  std::string public_base() {
    std::string base = host_.storage().setting("public_url");
    if (base.empty()) base = "http://" + req_.host;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
  }

  std::string cookie_header(const char* name, const std::string& value, Seconds max_age) {
    const bool https = public_base().rfind("https://", 0) == 0;
    return std::string(name) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age.count()) +
           (https ? "; Secure" : "");
  }

  WebResponse refused(unsigned status, const std::string& title, const std::string& text) {
    return html(status, frame(snap_->config, title, "<h2>" + esc(title) + "</h2><p>" + esc(text) + "</p>", who_ && who_->hr()));
  }

  // A form that changes something: a session and this site's CSRF token.
  std::optional<WebResponse> refuse_form(const std::string& sign_in_to) {
    if (!who_) return redirect(sign_in_to);
    if (!same_origin() || form_value(req_.body, "csrf") != who_->csrf)
      return refused(403, "Avvist", "Skjemaet er utløpt eller kom fra et annet nettsted. Last siden på nytt.");
    return std::nullopt;
  }

  // An HR form: the above and the hr role.
  std::optional<WebResponse> refuse_hr_form() {
    if (auto r = refuse_form("/hr/login")) return r;
    if (!who_->hr()) return refused(403, "Ikke tillatt", "Bare HR kan gjøre dette.");
    return std::nullopt;
  }

  // ---- signing in and out ------------------------------------------------------------------

  std::shared_ptr<OidcClient> oidc(std::string* problem) {
    auto client = sessions_.oidc(snap_->config.sign_in);
    if (!client) {
      host_.log("sign-in: " + client.error());
      if (problem) *problem = "Innlogging er ikke satt opp riktig på serveren. Si fra til den som drifter arshjul.";
      return nullptr;
    }
    return *client;
  }

  WebResponse login_page(const std::string& error, unsigned status = 200) {
    std::string body = "<h2>Logg inn</h2>";
    if (snap_->config.sign_in)
      body += "<p><a class=\"button\" href=\"/login?next=%2Fme\">Logg inn med kommunens konto</a></p>"
              "<h3>Eller med API-nøkkel (HR)</h3>";
    if (!error.empty()) body += "<p class=\"error\" role=\"alert\" id=\"token-error\">" + esc(error) + "</p>";
    body += "<form method=\"post\" action=\"/hr/login\"><p><label for=\"token\">API-nøkkel</label><br>"
            "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required" +
            std::string(error.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"token-error\"") + "></p>"
            "<p><input type=\"submit\" value=\"Logg inn\"></p></form>"
            "<p class=\"kind\">En nøkkel lages på serveren med <code>arshjul token create --role hr</code>.</p>";
    return html(status, frame(snap_->config, "Logg inn", body));
  }

  WebResponse login() {
    if (!same_origin()) return refused(403, "Avvist", "Skjemaet kom fra et annet nettsted.");
    const std::string token = form_value(req_.body, "token");
    const std::string hash = token_hash(token);
    auto t = token.empty() ? std::nullopt : host_.storage().api_token(hash);
    if (!t) return login_page("Ukjent eller tilbaketrukket API-nøkkel.", 401);
    WebSession w;
    w.role = t->role;
    w.name = t->name;
    w.api_token_hash = hash;
    w.expires = wall_.now() + kSessionLength;
    const std::string id = open_session(std::move(w));
    WebResponse r = redirect("/hr");
    r.headers.emplace_back("Set-Cookie", cookie_header(kCookie, id, kSessionLength));
    return r;
  }

  // Where to go after signing in: a path of this site only.
  static std::string local_path(const std::string& next) {
    if (next.size() < 1 || next.front() != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string::npos) return "/me";
    return next;
  }

  // GET /login: off to the provider with a fresh state, nonce and PKCE verifier.
  WebResponse start_sign_in() {
    if (!snap_->config.sign_in) return redirect("/hr/login");
    std::string problem;
    auto client = oidc(&problem);
    if (!client) return refused(503, "Innlogging virker ikke", problem);
    PendingSignIn p;
    const std::string state = new_token() + new_token();
    p.nonce = new_token() + new_token();
    p.code_verifier = pkce_verifier();
    auto it = query_.find("next");
    p.return_to = local_path(it == query_.end() ? "/me" : it->second);
    p.expires = wall_.now() + kSignInWindow;
    auto url = client->authorize_url(public_base() + snap_->config.sign_in->redirect_path, state, p.nonce,
                                     pkce_challenge(p.code_verifier));
    if (!url) {
      host_.log("sign-in: " + url.error());
      return refused(503, "Innlogging virker ikke", "Fikk ikke kontakt med innloggingstjenesten. Prøv igjen om litt.");
    }
    host_.storage().add_pending_sign_in(token_hash(state), p, wall_.now());
    WebResponse r = redirect(*url);
    r.headers.emplace_back("Set-Cookie", cookie_header(kSignInCookie, state, kSignInWindow));
    return r;
  }

  // The provider's redirect back: state (once, from this browser), then
  // the code for tokens, then the ID token's signature and claims.
  WebResponse finish_sign_in() {
    const SignIn& cfg = *snap_->config.sign_in;
    auto q = [&](const char* k) {
      auto it = query_.find(k);
      return it == query_.end() ? std::string() : it->second;
    };
    const std::string again = "<p><a href=\"/login\">Prøv å logge inn på nytt</a>.</p>";
    auto fail = [&](unsigned status, const std::string& text, const std::string& why) {
      host_.log("sign-in refused: " + why);
      WebResponse r = html(status, frame(snap_->config, "Innloggingen mislyktes",
                                         "<h2>Innloggingen mislyktes</h2><p>" + esc(text) + "</p>" + again));
      r.headers.emplace_back("Set-Cookie", cookie_header(kSignInCookie, "", Seconds{0}));
      return r;
    };
    const std::string state = q("state");
    if (state.empty() || state != cookie_value(req_.cookie, kSignInCookie))
      return fail(400, "Innloggingen ble ikke startet i denne nettleseren, eller den er utløpt.",
                  "state missing or not this browser's");
    auto pending = host_.storage().take_pending_sign_in(token_hash(state), wall_.now());
    if (!pending) return fail(400, "Innloggingen er utløpt eller allerede brukt.", "state unknown, used or expired");
    if (!q("error").empty())
      return fail(401, "Innloggingstjenesten avviste innloggingen (" + q("error") + ").", "provider said " + q("error"));
    std::string problem;
    auto client = oidc(&problem);
    if (!client) return fail(503, problem, "no client");
    auto claims = client->finish(public_base() + cfg.redirect_path, q("code"), pending->code_verifier, pending->nonce);
    if (!claims) return fail(401, "Vi kunne ikke bekrefte hvem du er.", claims.error());

    WebSession w;
    w.subject = claims->subject;
    w.role = claims->hr ? "hr" : "person";
    w.name = claims->name;
    if (const Person* p = roster_person(claims->person_value)) {
      w.person = p->id;
      w.name = p->name;
    }
    w.expires = wall_.now() + cfg.session_length;
    host_.log("sign-in: " + (w.person.empty() ? "\"" + claims->person_value + "\" (not in the roster)" : w.person) +
              " as " + w.role + " (sub " + claims->subject + ")");
    const std::string id = open_session(w);
    WebResponse r = redirect(w.role == "hr" && pending->return_to == "/me" && w.person.empty() ? "/hr" : pending->return_to);
    r.headers.emplace_back("Set-Cookie", cookie_header(kCookie, id, cfg.session_length));
    r.headers.emplace_back("Set-Cookie", cookie_header(kSignInCookie, "", Seconds{0}));
    return r;
  }

  // The roster person a claim's value names: by e-mail (any case), else by id.
  const Person* roster_person(const std::string& value) {
    if (value.empty()) return nullptr;
    auto lower = [](std::string t) {
      std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
      return t;
    };
    const std::string want = lower(value);
    for (const Person& p : snap_->config.people)
      if (!p.email.empty() && lower(p.email) == want) return &p;
    return snap_->config.find_person(value);
  }

  WebResponse logout() {
    if (who_ && (!same_origin() || form_value(req_.body, "csrf") != who_->csrf))
      return refused(403, "Avvist", "Skjemaet er utløpt. Last siden på nytt.");
    if (who_) host_.storage().delete_web_session(who_->id_hash);
    WebResponse r = redirect(path_ == "/hr/logout" ? "/hr/login" : "/");
    r.headers.emplace_back("Set-Cookie", cookie_header(kCookie, "", Seconds{0}));
    return r;
  }

  // HR's page signs out to HR's sign-in page (/hr/logout), Mitt årshjul to the wheel (/logout).
  std::string logout_form(const char* action = "/logout") const {
    return "<form method=\"post\" action=\"" + std::string(action) + "\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"" +
           esc(who_->csrf) + "\"><button type=\"submit\">Logg ut</button></form>";
  }

  WebResponse hr_page() {
    if (!who_) return redirect("/hr/login");
    if (who_->role != "hr" && who_->role != "read")
      return refused(403, "Ikke tilgang", "HR-sidene er bare for HR. Du er logget inn som " + who_->name +
                                              "; ditt eget årshjul finner du under Mitt årshjul.");
    const SysSeconds t = now();
    std::string body = "<h2>HR-oversikt</h2><p class=\"kind\">Logget inn som " + esc(who_->actor()) + "</p>" + logout_form("/hr/logout");
    if (query_.count("replayed")) body += "<p class=\"ok\" role=\"status\">Meldingen sendes på nytt.</p>";
    body += hr_pages_nav();
    body += registrations_section(*snap_);
    body += tasks_section(*snap_, host_.storage().tasks(), t);
    body += dated_changes_section(host_.storage(), snap_->config);
    if (auto it = query_.find("replayed_all"); it != query_.end())
      body += "<p class=\"ok\" role=\"status\">" + esc(it->second) + " meldinger sendes på nytt.</p>";
    body += dead_letters_section(host_.storage(), snap_->config, who_->hr() ? who_->csrf : std::string());
    body += config_section(dir_);
    return html(200, frame(snap_->config, "HR-oversikt", body, true));
  }

  // Who acts through the pages, for the audit trail (api.h Caller is the seam).
  Caller caller() {
    if (!who_) return Caller{"page", "", ""};
    return Caller{"page", who_->actor(), who_->role};
  }

  // HR's self-service pages (hr_pages.h): feeds, tokens, meetings, the audit trail.
  std::optional<WebResponse> self_service() {
    static constexpr std::string_view kPrefixes[] = {"/hr/feeds", "/hr/tokens", "/hr/meetings", "/hr/audit"};
    if (std::none_of(std::begin(kPrefixes), std::end(kPrefixes), [&](std::string_view p) {
          return path_.rfind(p, 0) == 0 && (path_.size() == p.size() || path_[p.size()] == '/');
        }))
      return std::nullopt;
    const bool post = req_.method == "POST";
    if (post) {
      if (auto refused = refuse_hr_form()) return refused;
    }
    if (!who_) return redirect("/hr/login");
    if (!who_->hr() && who_->role != "read") return refused(403, "Ikke tillatt", "Bare HR har tilgang til disse sidene.");
    HrPageRequest r{req_.method, path_, query_, post ? req_.body : std::string(), caller(),
                    who_->hr() ? who_->csrf : std::string()};
    auto page = handle_hr_page(host_, r);
    if (!page) return std::nullopt;
    if (!page->redirect.empty()) return redirect(page->redirect);
    snap_ = host_.snapshot();  // a change made on the page shows in the frame too
    return html(page->status, frame(snap_->config, page->title, hr_pages_nav() + page->body, true));
  }

  // ---- Mitt årshjul ----------------------------------------------------------------------------

  // What a feed shows, in words.
  std::string feed_label(const std::string& filter_text) {
    auto f = parse_feed_filter(snap_->config, filter_text);
    if (!f) return filter_text;
    switch (f->kind) {
      case FeedFilter::Kind::all: return "Hele årshjulet";
      case FeedFilter::Kind::person: {
        const Person* p = snap_->config.find_person(f->ref);
        return "Din egen kalender" + std::string(p && who_ && p->id != who_->person ? " (" + p->name + ")" : "");
      }
      case FeedFilter::Kind::role: return "Alle med rollen " + f->ref;
      case FeedFilter::Kind::unit: {
        const Unit* u = snap_->config.find_unit(f->ref);
        return "Enheten " + (u ? u->name : f->ref);
      }
      case FeedFilter::Kind::wheel: {
        const Wheel* w = snap_->config.find_wheel(f->ref);
        return "Årshjulet " + (w ? w->name : f->ref);
      }
    }
    return filter_text;
  }

  // The feeds this person may make: their own, their unit (a leader: and
  // the units under it), their roles; HR: everything.
  std::vector<std::string> feed_choices(const Person& p) {
    const Config& c = snap_->config;
    std::vector<std::string> out{"person:" + p.id};
    if (who_->hr()) {
      out.push_back("all");
      for (const Wheel& w : c.wheels) out.push_back("wheel:" + w.id);
      for (const Unit& u : c.units) out.push_back("unit:" + u.id);
      for (auto r : role_names()) out.push_back("role:" + std::string(r));
      return out;
    }
    std::set<std::string> units{p.unit};
    if (std::find(p.roles.begin(), p.roles.end(), Role::leader) != p.roles.end()) {
      for (bool grew = true; grew;) {
        grew = false;
        for (const Unit& u : c.units)
          if (units.count(u.parent) && units.insert(u.id).second) grew = true;
      }
    }
    for (const Unit& u : c.units)
      if (units.count(u.id)) out.push_back("unit:" + u.id);
    for (Role r : p.roles) out.push_back("role:" + std::string(role_name(r)));
    return out;
  }

  // A feed's links and buttons: open in the calendar app (webcal), copy, QR.
  std::string feed_links(const std::string& https, const std::string& what) {
    const auto scheme = https.find("://");
    const std::string webcal = "webcal://" + https.substr(scheme + 3);
    return "<div class=\"feed\"><div><p><a href=\"" + esc(webcal) + "\">Åpne i kalenderprogrammet (webcal)<span class=\"visually-hidden\">: " +
           esc(what) + "</span></a> <button type=\"button\" data-copy=\"" + esc(webcal) +
           "\" aria-label=\"Kopier webcal-adressen til " + esc(what) + "\">Kopier</button></p><p>Eller lim inn: <code>" + esc(https) +
           "</code> <button type=\"button\" data-copy=\"" + esc(https) + "\" aria-label=\"Kopier adressen til " + esc(what) +
           "\">Kopier</button></p></div>" + qr_svg(webcal, "QR-kode for " + what + ": skann med telefonen for å abonnere") + "</div>";
  }

  // The person's own link (made on first use), "" when they revoked it.
  // Made on the writer, which indexes a new one so the link works at once.
  std::string personal_link(const std::string& person) {
    std::string url;
    host_.write("personal feed of " + person, [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
      url = personal_feed_url(storage, person, now());
      const auto at = url.rfind("/feeds/");
      return !url.empty() && at != std::string::npos &&
             !host_.subscription(token_hash(url.substr(at + 7, url.size() - at - 7 - 4)));
    });
    return url;
  }

  WebResponse my_page() {
    if (!who_) return redirect(snap_->config.sign_in ? "/login?next=%2Fme" : "/hr/login");
    const Config& c = snap_->config;
    std::string body = "<h2>Mitt årshjul</h2><p class=\"kind\">Logget inn som " + esc(who_->name) + "</p>" + logout_form();
    const Person* p = who_->person.empty() ? nullptr : c.find_person(who_->person);
    if (!p) {
      body += "<p role=\"status\">Du er logget inn, men vi finner deg ikke i personlisten til " + esc(c.organisation.name) +
              ". Årshjulet ditt kan vises når HR har lagt deg inn med den samme e-postadressen som du logger inn med.</p>";
      if (who_->hr() || who_->role == "read") body += "<p><a href=\"/hr\">Gå til HR-oversikten</a></p>";
      return html(200, frame(c, "Mitt årshjul", body, who_->hr()));
    }
    const auto year = year_param(query_, this_year());
    if (!year) return html(400, frame(c, "Ugyldig år", "<p>Året må være et tall mellom 1900 og 2200.</p>"));

    body += "<section class=\"links\" aria-labelledby=\"kalendere\"><h3 id=\"kalendere\">Dine kalenderlenker</h3>"
            "<p>Legg til en kalender i Outlook, Google, Apple eller Thunderbird én gang; endringer kommer av seg selv.</p>";
    const std::string personal = personal_link(p->id);
    if (!personal.empty()) body += "<h4>Din egen kalender</h4>" + feed_links(personal, "din egen kalender");
    else body += "<p>Du har trukket tilbake din personlige lenke.</p>";
    body += "<p id=\"copied\" role=\"status\" class=\"kind\"></p>";

    bool any = false;
    std::string rows;
    for (const Subscription& sub : host_.storage().subscriptions_owned_by(p->id)) {
      if (sub.revoked) continue;
      any = true;
      const std::string label = feed_label(sub.filter);
      rows += "<tr><td>" + esc(label) + "</td><td>" +
              esc(date::format("%F", date::floor<date::days>(to_local(sub.created, c.organisation.zone)))) +
              "</td><td><form method=\"post\" action=\"/me/feeds/" + std::to_string(sub.id) +
              "/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(who_->csrf) +
              "\"><button type=\"submit\">Trekk tilbake<span class=\"visually-hidden\"> " + esc(label) +
              "</span></button></form></td></tr>";
    }
    body += "<h4>Lenker du har laget</h4>";
    if (any)
      body += "<table><thead><tr><th scope=\"col\">Viser</th><th scope=\"col\">Laget</th><th scope=\"col\">Handling</th></tr></thead><tbody>" +
              rows + "</tbody></table>";
    else body += "<p>Ingen ennå.</p>";
    if (query_.count("trukket")) body += "<p class=\"ok\" role=\"status\">Lenken er trukket tilbake og virker ikke lenger.</p>";
    body += "<form method=\"post\" action=\"/me/feeds\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(who_->csrf) +
            "\"><p><label for=\"filter\">Ny lenke som viser</label><br><select id=\"filter\" name=\"filter\">";
    for (const auto& f : feed_choices(*p)) body += "<option value=\"" + esc(f) + "\">" + esc(feed_label(f)) + "</option>";
    body += "</select> <button type=\"submit\">Lag lenke</button></p></form></section>";

    body += my_tasks(*p);
    body += my_notices(*p);
    const YearView v = year_view(*snap_, *year);
    Expansion shown;
    shown.config = &c;
    const FeedFilter own{FeedFilter::Kind::person, p->id};
    for (const auto& o : v.expansion.occurrences)
      if (feed_includes(c, own, o)) shown.occurrences.push_back(o);
    body += "<h3>Ditt år " + std::to_string(*year) + "</h3>" + year_links(*year, "/me") +
            wheel_and_list(*snap_, shown, *year, now(), "Ditt årshjul " + std::to_string(*year));
    WebResponse r = html(200, frame(c, "Mitt årshjul", body, who_->hr()));
    // The links are keys: no Referer leaves the site. Not "no-referrer", which makes the
    // browser send "Origin: null" with the page's own forms, and same_origin() refuses those.
    r.headers.emplace_back("Referrer-Policy", "same-origin");
    return r;
  }

  // The early notices (Hovedavtalen) of meetings not yet over that this
  // person has been sent, or gets within a month: agenda and the deadline
  // for documents, as the webhook carried them. From the plan, not the
  // outbox: the page shows what is owed even when no hook is configured.
  std::string my_notices(const Person& p) {
    const Config& c = snap_->config;
    const SysSeconds t = now();
    std::string rows;
    for (const Occurrence& o : snap_->expansion.occurrences) {
      if (!o.activity->notice || o.end <= t) continue;
      const auto n = notice_times(c, o);
      if (!n || n->due > t + date::days{31} || !picks(c, o.activity->notice->to, p, o)) continue;
      const LocalDays sent_day = date::floor<date::days>(to_local(n->due, c.organisation.zone));
      std::string agenda;
      for (const auto& item : agenda_of(o)) agenda += "<li>" + esc(item) + "</li>";
      std::string docs;
      for (const auto& doc : o.documents)
        docs += "<li><a href=\"" + esc(doc.url) + "\">" + esc(doc.title) + "</a></li>";

      rows += "<tr><td>" + esc(o.activity->title) + (o.unit ? " – " + esc(o.unit->name) : std::string()) + "</td><td>" +
              esc(norwegian_date(o.first_day)) + ", " + esc(time_text(o, c.organisation.zone)) + "</td><td>" +
              (agenda.empty() ? std::string("–") : "<ol>" + agenda + "</ol>") +
              (docs.empty() ? std::string() : "<p>" + std::string(label::documents) + ":</p><ul>" + docs + "</ul>") + "</td><td>" +
              esc(norwegian_date(n->documents_due)) + "</td><td>" + (n->due <= t ? "Sendt " : "Kommer ") +
              esc(norwegian_date(sent_day)) + "</td></tr>";
    }
    if (rows.empty()) return {};
    return "<section aria-labelledby=\"varsler\"><h3 id=\"varsler\">Varsler om møter</h3>"
           "<p>Møter du får forhåndsvarsel om som tillitsvalgt eller verneombud, med saksliste og frist for dokumenter.</p>"
           "<table><thead><tr><th scope=\"col\">Møte</th><th scope=\"col\">Tid</th><th scope=\"col\">Saksliste</th>"
           "<th scope=\"col\">Dokumenter innen</th><th scope=\"col\">Varsel</th></tr></thead><tbody>" +
           rows + "</tbody></table></section>";
  }

  // A leader's open tasks (appraisals, follow-ups), each with its button.
  std::string my_tasks(const Person& p) {
    const Config& c = snap_->config;
    std::string rows;
    for (const TaskState& t : host_.storage().tasks()) {
      if (t.completed || t.task.assignee != p.id) continue;
      const Activity* a = c.find_activity(t.task.activity);
      const Person* subject = t.task.subject.empty() ? nullptr : c.find_person(t.task.subject);
      const Unit* unit = c.find_unit(t.task.unit);
      std::string what = (a ? a->title : t.task.activity) + " – " + (subject ? subject->name : unit ? unit->name : t.task.unit);
      if (t.task.kind != TaskKind::follow_up) {
        // A meeting's paperwork: which meeting, by its day.
        what = std::string(task_kind_word(t.task.kind)) + ": " + (a ? a->title : t.task.activity);
        if (auto it = snap_->stored.find(t.task.occurrence_uid); it != snap_->stored.end())
          what += ", " + norwegian_date(date::floor<date::days>(to_local(it->second.start, c.organisation.zone)));
      }
      const bool overdue = t.task.due <= now();
      rows += "<tr><td>" + esc(what) + "</td><td>" +
              (overdue ? "<span class=\"overdue\">" : "<span>") +
              esc(norwegian_date(date::floor<date::days>(to_local(t.task.due, c.organisation.zone)) - date::days{1})) +
              (overdue ? " (forfalt)" : "") + "</span></td><td><form method=\"post\" action=\"/me/tasks/" + std::to_string(t.id) +
              "/done\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(who_->csrf) +
              "\"><button type=\"submit\">Merk som gjort<span class=\"visually-hidden\">: " + esc(what) +
              "</span></button></form></td></tr>";
    }
    if (rows.empty()) return {};
    std::string out = "<section aria-labelledby=\"oppgaver\"><h3 id=\"oppgaver\">Dine åpne oppgaver</h3>";
    if (query_.count("gjort")) out += "<p class=\"ok\" role=\"status\">Oppgaven er merket som gjort.</p>";
    return out + "<table><thead><tr><th scope=\"col\">Oppgave</th><th scope=\"col\">Frist</th><th scope=\"col\">Handling</th></tr></thead><tbody>" +
           rows + "</tbody></table></section>";
  }

  // The signed-in roster person for a /me form, or the answer that refuses it.
  std::variant<const Person*, WebResponse> my_form() {
    if (auto r = refuse_form("/login?next=%2Fme")) return *r;
    const Person* p = who_->person.empty() ? nullptr : snap_->config.find_person(who_->person);
    if (!p) return refused(403, "Ikke tillatt", "Du finnes ikke i personlisten, så du kan ikke lage kalenderlenker her.");
    return p;
  }

  long long id_in_path(std::string_view prefix, std::string_view suffix) {
    std::string_view rest = std::string_view(path_).substr(prefix.size());
    if (rest.size() <= suffix.size() || rest.substr(rest.size() - suffix.size()) != suffix) return 0;
    rest.remove_suffix(suffix.size());
    long long id = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
    return ec == std::errc() && ptr == rest.data() + rest.size() ? id : 0;
  }

  WebResponse create_feed() {
    auto form = my_form();
    if (auto* r = std::get_if<WebResponse>(&form)) return *r;
    const Person& p = *std::get<const Person*>(form);
    const std::string filter = form_value(req_.body, "filter");
    const auto choices = feed_choices(p);
    if (std::find(choices.begin(), choices.end(), filter) == choices.end())
      return refused(403, "Ikke tillatt", "Du kan ikke lage en lenke som viser «" + filter + "».");
    const auto parsed = parse_feed_filter(snap_->config, filter);
    if (!parsed) return refused(403, "Ikke tillatt", "Du kan ikke lage en lenke som viser «" + filter + "».");
    const std::string token = new_token();
    const SubscriptionLinks links = subscription_links(public_base(), token, *parsed);
    // Stored, audited and announced (subscription.created) together, as through the API.
    host_.write("feed " + filter + " made by " + who_->actor(), [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
      const Caller who = caller();
      const std::string after = boost::json::serialize(
          boost::json::object{{"filter", filter}, {"name", feed_name(current->config, *parsed)}});
      storage.create_subscription(token_hash(token), filter, p.id, now(),
                                  audit_entry(who, now(), "subscription.create", "", "null", after),
                                  [&](long long id) { return subscription_messages(current->config, id, *parsed, links, who.name, now()); });
      return false;  // the writer refreshes the feeds' index before it answers, so the link works at once
    });
    const std::string& https = links.feed_url;
    const std::string label = feed_label(filter);
    const std::string body = "<h2>Ny kalenderlenke</h2><p role=\"status\">Lenken til «" + esc(label) +
                             "» er laget. Legg den til i kalenderen din nå: av sikkerhetshensyn vises den bare denne ene gangen.</p>" +
                             feed_links(https, label) + "<p id=\"copied\" role=\"status\" class=\"kind\"></p><p><a href=\"/me\">Tilbake til Mitt årshjul</a></p>";
    WebResponse r = html(201, frame(snap_->config, "Ny kalenderlenke", body, who_->hr()));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
  }

  WebResponse revoke_feed() {
    auto form = my_form();
    if (auto* r = std::get_if<WebResponse>(&form)) return *r;
    const Person& p = *std::get<const Person*>(form);
    const long long id = id_in_path("/me/feeds/", "/revoke");
    bool revoked = false;
    if (id > 0)
      host_.write("feed " + std::to_string(id) + " revoked by " + who_->actor(),
                  [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
                    const auto sub = storage.subscription(id);
                    if (!sub || sub->owner != p.id) return false;  // only one's own, and nobody learns of others'
                    revoked = storage.revoke_subscription(
                                  id, now(), audit_entry(caller(), now(), "subscription.revoke", "",
                                                         boost::json::serialize(boost::json::object{{"filter", sub->filter}}),
                                                         "{\"revoked\":true}")) == Storage::Revocation::revoked;
                    return false;  // the writer drops it from the feeds' index before it answers
                  });
    if (!revoked) return not_found(snap_->config, "Du har ingen slik kalenderlenke.");
    return redirect("/me?trukket=" + std::to_string(id));
  }

  WebResponse complete_my_task() {
    auto form = my_form();
    if (auto* r = std::get_if<WebResponse>(&form)) return *r;
    const Person& p = *std::get<const Person*>(form);
    const long long id = id_in_path("/me/tasks/", "/done");
    bool mine = false;
    for (const TaskState& t : host_.storage().tasks()) mine = mine || (t.id == id && t.task.assignee == p.id && !t.completed);
    if (!mine) return not_found(snap_->config, "Du har ingen slik åpen oppgave.");
    host_.write("task " + std::to_string(id) + " completed by " + who_->actor(), [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
      storage.complete_task(id, who_->actor(), now());
      return false;  // the tick plans (or stops planning) its reminders
    });
    return redirect("/me?gjort=" + std::to_string(id));
  }

  WebResponse replay() {
    if (auto refused = refuse_hr_form()) return *refused;
    // /hr/outbox/ID/retry
    const std::string rest = path_.substr(std::string("/hr/outbox/").size());
    long long id = 0;
    const auto slash = rest.find('/');
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + (slash == std::string::npos ? rest.size() : slash), id);
    if (ec != std::errc() || slash == std::string::npos || rest.substr(slash) != "/retry")
      return not_found(snap_->config, "Ingen slik melding.");
    if (retry_message(host_, id, caller()) != RetryOutcome::retried)
      return html(409, frame(snap_->config, "Ikke sendt", "<p>Meldingen er ikke en død melding (lenger).</p>", true));
    return redirect("/hr?replayed=" + std::to_string(id));
  }

  // The bulk form: hook ("" all), from and to (YYYY-MM-DD, may be empty).
  WebResponse replay_all() {
    if (auto refused = refuse_hr_form()) return *refused;
    const std::string hook = form_value(req_.body, "hook");
    std::optional<LocalDays> from, to;
    std::string problem;
    for (auto [name, day] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
      const std::string text = form_value(req_.body, name);
      if (text.empty()) continue;
      if (auto d = parse_date(text)) *day = *d;
      else problem = "Datoen «" + text + "» er ikke på formen ÅÅÅÅ-MM-DD.";
    }
    if (!hook.empty() && std::none_of(snap_->config.hooks.begin(), snap_->config.hooks.end(),
                                      [&](const Hook& h) { return h.id == hook; }))
      problem = "Ingen mottaker heter «" + hook + "».";
    if (from && to && *to < *from) problem = "Til-datoen er før fra-datoen.";
    if (!problem.empty()) return html(400, frame(snap_->config, "Ikke sendt", "<p>" + esc(problem) + "</p>", true));
    const int n = retry_dead_letters(host_, hook, from, to, caller());
    return redirect("/hr?replayed_all=" + std::to_string(n));
  }

  ApiHost& host_;
  WebSessions& sessions_;
  const std::string& dir_;
  const WebRequest& req_;
  std::map<std::string, std::string> query_;
  std::string path_;
  std::shared_ptr<const Snapshot> snap_;
  SystemClock wall_;  // sessions expire in real time, whatever the wheel's clock
  std::optional<SignedIn> who_;  // who is signed in on this request; handlers read it
};

}  // namespace

std::string form_value(std::string_view body, std::string_view name) {
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) return {};
  // Percent-decoded, '+' as a space: what a browser's form sends.
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto p : *parsed)
    if (p.key == name) return p.value.decode(opts);
  return {};
}

Expected<std::shared_ptr<OidcClient>> WebSessions::oidc(const std::optional<SignIn>& config) {
  static const SystemClock wall;  // ID tokens expire in real time, whatever the wheel's clock
  if (!config) return std::shared_ptr<OidcClient>();
  const std::string key = config->issuer + "\n" + config->client_id + "\n" + config->client_secret_file + "\n" +
                          config->client_secret_env + "\n" + config->person_claim + "\n" + config->hr_claim + "\n" +
                          config->hr_value + "\n" + config->ca_file + "\n" + std::to_string(config->session_length.count());
  {
    MutexLock lock(&mu_);
    if (client_ && key_ == key) return client_;
  }
  // The secret is read here, not by the config loader, which does no I/O.
  std::string secret;
  if (!config->client_secret_env.empty()) {
    const char* v = std::getenv(config->client_secret_env.c_str());
    if (!v || !*v) return Error{"[sign_in] client_secret_env: the environment variable " + config->client_secret_env + " is not set"};
    secret = v;
  } else {
    std::ifstream in(config->client_secret_file);
    std::stringstream text;
    text << in.rdbuf();
    secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (!in || secret.empty()) return Error{"[sign_in] client_secret_file: cannot read a secret from " + config->client_secret_file};
  }
  auto client = std::make_shared<OidcClient>(*config, secret, fetch_ ? fetch_ : http_fetch(config->ca_file, Seconds{10}), wall);
  MutexLock lock(&mu_);
  key_ = key;
  client_ = client;
  return client;
}

bool is_web_path(std::string_view path) {
  // The provider's redirect back is under /login/ unless [sign_in] redirect_path says otherwise: a
  // redirect_path elsewhere must be one of these too (docs/sign-in.md).
  return path == "/" || path == "/me" || path.rfind("/me/", 0) == 0 || path == "/hr" || path.rfind("/hr/", 0) == 0 ||
         path.rfind("/static/", 0) == 0 || path == "/login" || path.rfind("/login/", 0) == 0 || path == "/logout";
}

WebResponse handle_web(ApiHost& host, WebSessions& sessions, const std::string& config_dir, const WebRequest& request) {
  try {
    return Web(host, sessions, config_dir, request).run();
  } catch (const std::exception& e) {
    const std::string incident = log_incident(host, request.method + " " + request.target.substr(0, request.target.find('?')), e.what());
    WebResponse r;
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Intern feil. Oppgi hendelse " + incident + " til den som drifter arshjul.\n";
    return r;
  }
}

}  // namespace arshjul
