#include "server/web.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include "scheduler/config_files.h"
#include "server/hr_pages.h"
#include "scheduler/tokens.h"
#include "svg/wheel_svg.h"
#include "workflows/audience.h"
#include "workflows/events.h"
#include "workflows/vocabulary.h"

namespace arshjul {
namespace {

constexpr Seconds kSessionLength = std::chrono::hours{8};
constexpr const char* kCookie = "arshjul_session";

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
pre { background: var(--soft); padding: .75rem; overflow-x: auto; }
button, input[type=submit] { font: inherit; padding: .3rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: .3rem; cursor: pointer; }
input[type=password], input[type=text] { font: inherit; padding: .3rem .5rem; width: 100%; max-width: 28rem; }
.links code { word-break: break-all; }
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
  std::string nav = "<nav aria-label=\"Hovedmeny\"><a href=\"/\">Årshjulet</a>";
  if (hr_nav) nav += "<a href=\"/hr\">HR-oversikt</a>";
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
  return date::format("%H:%M", date::floor<std::chrono::minutes>(to_local(o.start, zone))) + "–" +
         date::format("%H:%M", date::floor<std::chrono::minutes>(to_local(o.end, zone)));
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

std::string form_value(std::string_view body, std::string_view name) {
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) return {};
  for (auto p : *parsed)
    if (p.key == name) return std::string(p.value);
  return {};
}

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
        std::string names;
        for (const auto& pid : it->second) {
          const Person* p = s.config.find_person(pid);
          names += (names.empty() ? "" : ", ") + esc(p ? p->name : pid);
        }
        out += "<p class=\"overdue\">" + esc(waiting_heading(a)) + ": " + names + "</p>";
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
  std::map<std::string, std::map<SysSeconds, std::map<std::string, Count>>> counts;
  for (const auto& t : tasks) {
    if (t.task.due < to_utc(LocalSeconds{s.horizon_from}, s.config.organisation.zone)) continue;
    Count& c = counts[t.task.activity][t.task.due][t.task.unit];
    ++c.total;
    if (t.completed) ++c.done;
    else if (t.task.due <= now) ++c.overdue;
  }
  if (counts.empty()) return out + "<p>Ingen oppgaver ennå.</p></section>";
  for (const auto& [activity_id, occurrences] : counts) {
    const Wheel* wheel = nullptr;
    const Activity* activity = s.config.find_activity(activity_id, &wheel);
    for (const auto& [due, units] : occurrences) {
      std::string heading = activity ? activity->title : activity_id;
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
    if (path_ == "/" && get) return wheel_page();
    if (path_.rfind("/me/", 0) == 0 && get) return person_page(path_.substr(4));
    if (path_ == "/hr/login" && get) return login_page("");
    if (path_ == "/hr/login" && req_.method == "POST") return login();
    if (path_ == "/hr/logout" && req_.method == "POST") return logout();
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
    return html(200, frame(snap_->config, wheel_heading(*year), body));
  }

  WebResponse person_page(std::string token) {
    const Config& c = snap_->config;
    // The same index the feeds use, so the page and its feed link agree.
    const auto sub = host_.subscription(token_hash(token));
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

  std::optional<WebSessions::Session> session() {
    const std::string id = cookie_value(req_.cookie, kCookie);
    if (id.empty()) return std::nullopt;
    auto s = sessions_.find(id, wall_.now());
    // A revoked API token ends its sessions too.
    if (s && !host_.storage().api_token(s->token_hash)) {
      sessions_.close(id);
      return std::nullopt;
    }
    return s;
  }

  // Same-origin POSTs only: SameSite=Strict already keeps the cookie off
  // cross-site requests; the Origin check and the form token are two more locks.
  bool same_origin() const {
    if (req_.origin.empty()) return true;
    const auto scheme = req_.origin.find("://");
    return scheme != std::string::npos && req_.origin.substr(scheme + 3) == req_.host;
  }

  std::string cookie_header(const std::string& value, Seconds max_age) {
    const bool https = host_.storage().setting("public_url").rfind("https://", 0) == 0;
    return std::string(kCookie) + "=" + value + "; Path=/hr; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(max_age.count()) + (https ? "; Secure" : "");
  }

  WebResponse login_page(const std::string& error, unsigned status = 200) {
    std::string body = "<h2>Logg inn for HR</h2>";
    if (!error.empty()) body += "<p class=\"error\" role=\"alert\" id=\"token-error\">" + esc(error) + "</p>";
    body += "<form method=\"post\" action=\"/hr/login\"><p><label for=\"token\">API-nøkkel</label><br>"
            "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required" +
            std::string(error.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"token-error\"") + "></p>"
            "<p><input type=\"submit\" value=\"Logg inn\"></p></form>"
            "<p class=\"kind\">En nøkkel lages på serveren med <code>arshjul token create --role hr</code>.</p>";
    return html(status, frame(snap_->config, "Logg inn", body));
  }

  WebResponse login() {
    if (!same_origin()) return html(403, frame(snap_->config, "Avvist", "<p>Skjemaet kom fra et annet nettsted.</p>"));
    const std::string token = form_value(req_.body, "token");
    const std::string hash = token_hash(token);
    auto t = token.empty() ? std::nullopt : host_.storage().api_token(hash);
    if (!t) return login_page("Ukjent eller tilbaketrukket API-nøkkel.", 401);
    WebSessions::Session s;
    s.token_hash = hash;
    s.role = t->role;
    s.csrf = new_token();
    s.expires = wall_.now() + kSessionLength;
    const std::string id = sessions_.open(s);
    WebResponse r = redirect("/hr");
    r.headers.emplace_back("Set-Cookie", cookie_header(id, kSessionLength));
    return r;
  }

  WebResponse logout() {
    auto s = session();
    if (s && (!same_origin() || form_value(req_.body, "csrf") != s->csrf))
      return html(403, frame(snap_->config, "Avvist", "<p>Skjemaet er utløpt. Last siden på nytt.</p>"));
    sessions_.close(cookie_value(req_.cookie, kCookie));
    WebResponse r = redirect("/hr/login");
    r.headers.emplace_back("Set-Cookie", cookie_header("", Seconds{0}));
    return r;
  }

  WebResponse hr_page() {
    auto s = session();
    if (!s) return redirect("/hr/login");
    const SysSeconds t = now();
    std::string body = "<h2>HR-oversikt</h2><form method=\"post\" action=\"/hr/logout\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                       esc(s->csrf) + "\"><button type=\"submit\">Logg ut</button></form>";
    if (query_.count("replayed")) body += "<p class=\"ok\" role=\"status\">Meldingen sendes på nytt.</p>";
    body += hr_pages_nav();
    body += registrations_section(*snap_);
    body += tasks_section(*snap_, host_.storage().tasks(), t);
    if (auto it = query_.find("replayed_all"); it != query_.end())
      body += "<p class=\"ok\" role=\"status\">" + esc(it->second) + " meldinger sendes på nytt.</p>";
    body += dead_letters_section(host_.storage(), snap_->config, s->role == "hr" ? s->csrf : std::string());
    body += config_section(dir_);
    return html(200, frame(snap_->config, "HR-oversikt", body, true));
  }

  // Who acts through the pages, for the audit trail: today the name of the
  // API token the session was opened with (api.h Caller is the seam).
  Caller caller() {
    Caller c{"page", "", ""};
    if (auto s = session()) {
      c.role = s->role;
      if (auto t = host_.storage().api_token(s->token_hash)) c.name = token_actor(*t);
    }
    return c;
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
    auto s = session();
    if (!s) return redirect("/hr/login");
    HrPageRequest r{req_.method, path_, query_, post ? req_.body : std::string(), caller(),
                    s->role == "hr" ? s->csrf : std::string(), req_.host};
    auto page = handle_hr_page(host_, r);
    if (!page) return std::nullopt;
    if (!page->redirect.empty()) return redirect(page->redirect);
    snap_ = host_.snapshot();  // a change made on the page shows in the frame too
    return html(page->status, frame(snap_->config, page->title, hr_pages_nav() + page->body, true));
  }

  // A form that changes something: a session, this site's CSRF token and the hr role.
  std::optional<WebResponse> refuse_hr_form() {
    auto s = session();
    if (!s) return redirect("/hr/login");
    if (!same_origin() || form_value(req_.body, "csrf") != s->csrf)
      return html(403, frame(snap_->config, "Avvist", "<p>Skjemaet er utløpt eller kom fra et annet nettsted. Last siden på nytt.</p>", true));
    if (s->role != "hr")
      return html(403, frame(snap_->config, "Ikke tillatt", "<p>Nøkkelen din kan bare lese.</p>", true));
    return std::nullopt;
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
};

}  // namespace

std::string WebSessions::open(Session s) {
  MutexLock lock(&mu_);
  std::string id = new_token() + new_token();
  sessions_[id] = std::move(s);
  return id;
}

std::optional<WebSessions::Session> WebSessions::find(const std::string& id, SysSeconds now) {
  MutexLock lock(&mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires <= now; });
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

void WebSessions::close(const std::string& id) {
  MutexLock lock(&mu_);
  sessions_.erase(id);
}

bool is_web_path(std::string_view path) {
  return path == "/" || path.rfind("/me/", 0) == 0 || path == "/hr" || path.rfind("/hr/", 0) == 0 ||
         path.rfind("/static/", 0) == 0;
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
