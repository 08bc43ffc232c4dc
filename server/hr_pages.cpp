#include "server/hr_pages.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "scheduler/clock.h"
#include "scheduler/json_views.h"
#include "server/web.h"
#include "svg/wheel_svg.h"
#include "workflows/audience.h"
#include "workflows/events.h"
#include "workflows/vocabulary.h"

namespace arshjul {
namespace json = boost::json;
namespace {

std::string esc(std::string_view s) { return xml_escape(s); }

std::string url_encode(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

std::string get(const std::map<std::string, std::string>& q, const std::string& k) {
  auto it = q.find(k);
  return it == q.end() ? std::string() : it->second;
}

std::string csrf_field(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) + "\">";
}

// The API's answer through the page's caller.
struct Answer {
  unsigned status = 0;
  json::value body;
  bool ok() const { return status >= 200 && status < 300; }
};

Answer call(ApiHost& host, const HrPageRequest& r, std::string method, std::string target, const json::value* body) {
  ApiRequest a;
  a.method = std::move(method);
  a.target = std::move(target);
  a.caller = r.caller;
  if (body) {
    a.content_type = "application/json";
    a.body = json::serialize(*body);
  }
  ApiResponse res = handle_api(host, a);
  Answer out;
  out.status = res.status;
  boost::system::error_code ec;
  if (!res.body.empty()) out.body = json::parse(res.body, ec);
  return out;
}

std::string str(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* m = v.as_object().if_contains(key);
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

// The words for the fields the API names by pointer.
std::string field_word(std::string_view where) {
  static const std::map<std::string_view, std::string_view> words{
      {"/filter", "Kalender for"}, {"/reason", "Grunn"},     {"/start", "Start"},  {"/end", "Slutt"},
      {"/activity", "Aktivitet"},  {"/unit", "Enhet"},       {"/first_day", "Første dag"},
      {"/last_day", "Siste dag"},  {"actor", "Hvem"},        {"action", "Handling"}};
  auto it = words.find(where);
  return std::string(it == words.end() ? where : it->second);
}

// A refusal, in words, with each problem by its field.
std::string problems_html(const Answer& a) {
  std::string out = "<div class=\"error\" role=\"alert\" id=\"problem\"><p><strong>Ikke lagret.</strong> ";
  if (a.status == 403) out += "Du har ikke tilgang til å endre dette.";
  else if (a.status == 404) out += "Fant det ikke (kanskje er det allerede fjernet).";
  else if (a.status == 409) out += "Det er allerede gjort, eller kan ikke endres lenger: " + esc(str(a.body, "detail"));
  else out += "Rett opp dette og prøv igjen:";
  out += "</p>";
  if (a.body.is_object()) {
    if (const auto* errors = a.body.as_object().if_contains("errors"); errors && errors->is_array()) {
      out += "<ul>";
      for (const auto& e : errors->as_array()) {
        const std::string where = str(e, "pointer").empty() ? str(e, "parameter") : str(e, "pointer");
        out += "<li>" + esc(field_word(where)) + ": " + esc(str(e, "detail")) + "</li>";
      }
      out += "</ul>";
    } else if (a.status != 409) {
      out += "<p>" + esc(str(a.body, "detail")) + "</p>";
    }
  }
  return out + "</div>";
}

std::string local_time(SysSeconds t, const Config& c) {
  return date::format("%d.%m.%Y %H:%M", date::floor<std::chrono::minutes>(to_local(t, c.organisation.zone)));
}

// ---- feeds ----------------------------------------------------------------------------------

std::string feed_form(const Config& c, const HrPageRequest& r) {
  std::string out = "<section aria-labelledby=\"ny\"><h2 id=\"ny\">Ny kalender</h2>"
                    "<form method=\"post\" action=\"/hr/feeds\">" + csrf_field(r.csrf) +
                    "<p><label for=\"filter\">Kalender for</label><br><select id=\"filter\" name=\"filter\">"
                    "<option value=\"all\">Hele årshjulet</option><optgroup label=\"Enheter\">";
  for (const Unit& u : c.units) out += "<option value=\"unit:" + esc(u.id) + "\">" + esc(u.name) + "</option>";
  out += "</optgroup><optgroup label=\"Roller\">";
  for (auto role : role_names()) out += "<option value=\"role:" + esc(role) + "\">" + esc(role) + "</option>";
  out += "</optgroup><optgroup label=\"Årshjul\">";
  for (const Wheel& w : c.wheels) out += "<option value=\"wheel:" + esc(w.id) + "\">" + esc(w.name) + "</option>";
  out += "</optgroup></select></p>"
         "<p><label for=\"person\">… eller for én person (id fra personlisten)</label><br>"
         "<input type=\"text\" id=\"person\" name=\"person\" autocomplete=\"off\"";
  // A suggestion list for the roster, where it stays small enough to send.
  if (c.people.size() <= 2000) out += " list=\"personer\"";
  out += "></p>";
  if (c.people.size() <= 2000) {
    out += "<datalist id=\"personer\">";
    for (const Person& p : c.people) out += "<option value=\"" + esc(p.id) + "\">" + esc(p.name) + "</option>";
    out += "</datalist>";
  }
  out += "<p><label for=\"reason\">Grunn (for loggen)</label><br><input type=\"text\" id=\"reason\" name=\"reason\"></p>"
         "<p><button type=\"submit\">Lag kalender</button></p></form></section>";
  return out;
}

HrPage feeds_page(ApiHost& host, const HrPageRequest& r, const std::string& notice = {}) {
  const auto snap = host.snapshot();
  const Config& c = snap->config;
  std::string body = "<h2>Kalendere (abonnement)</h2>" + notice;
  if (r.query.count("revoked"))
    body += "<p class=\"ok\" role=\"status\">Kalender nr. " + esc(get(r.query, "revoked")) + " er trukket tilbake.</p>";
  if (!r.csrf.empty()) body += feed_form(c, r);
  body += "<section aria-labelledby=\"aktive\"><h2 id=\"aktive\">Aktive kalendere</h2>";
  const auto subs = host.storage().subscriptions(false);
  if (subs.empty()) return {200, "Kalendere", body + "<p>Ingen ennå.</p></section>", {}};
  body += "<table><thead><tr><th scope=\"col\">Kalender</th><th scope=\"col\">Gjelder</th><th scope=\"col\">Laget</th>"
          "<th scope=\"col\">Av</th><th scope=\"col\">Handling</th></tr></thead><tbody>";
  for (const Subscription& s : subs) {
    auto f = parse_feed_filter(c, s.filter);
    const std::string name = f ? feed_name(c, *f) : s.filter;
    body += "<tr><td>" + esc(name) + "</td><td><code>" + esc(s.filter) + "</code></td><td>" + esc(local_time(s.created, c)) +
            "</td><td>" + esc(s.created_by.empty() ? "–" : s.created_by) + "</td><td>";
    if (!r.csrf.empty())
      body += "<form method=\"post\" action=\"/hr/feeds/" + std::to_string(s.id) + "/revoke\">" + csrf_field(r.csrf) +
              "<button type=\"submit\">Trekk tilbake<span class=\"visually-hidden\"> kalenderen " + esc(name) +
              " (nr. " + std::to_string(s.id) + ")</span></button></form>";
    body += "</td></tr>";
  }
  return {200, "Kalendere", body + "</tbody></table></section>", {}};
}

HrPage create_feed(ApiHost& host, const HrPageRequest& r) {
  const std::string person = form_value(r.form, "person");
  json::value req = json::object{{"filter", person.empty() ? form_value(r.form, "filter") : "person:" + person},
                                 {"reason", form_value(r.form, "reason")}};
  const Answer a = call(host, r, "POST", "/api/v1/subscriptions", &req);
  if (!a.ok()) {
    HrPage p = feeds_page(host, r, problems_html(a));
    p.status = a.status;
    return p;
  }
  // The link is shown this once (only its hash is kept): on the answer, not behind a redirect.
  const std::string feed = str(a.body, "feed_url"), webcal = str(a.body, "webcal_url");
  std::string body = "<h2>Kalenderen er laget</h2><p class=\"ok\" role=\"status\">" + esc(str(a.body, "name")) + "</p>";
  if (const auto* warnings = a.body.as_object().if_contains("warnings"))
    for (const auto& w : warnings->as_array()) body += "<p class=\"warning\" role=\"alert\">" + esc(std::string(w.as_string())) + "</p>";
  body += "<section class=\"links\" aria-labelledby=\"lenke\"><h3 id=\"lenke\">Lenken</h3>"
                     "<p>Lenken vises bare nå. Send den til mottakeren; den kan trekkes tilbake senere.</p>"
                     "<p><code id=\"feed-url\">" + esc(feed) + "</code> <button type=\"button\" data-copy=\"" + esc(feed) +
                     "\" aria-label=\"Kopier adressen\">Kopier</button></p><p><a href=\"" + esc(webcal) +
                     "\">Åpne i kalenderprogrammet (webcal)</a> <button type=\"button\" data-copy=\"" + esc(webcal) +
                     "\" aria-label=\"Kopier webcal-adressen\">Kopier</button></p>";
  if (const std::string page = str(a.body, "page_url"); !page.empty())
    body += "<p>Personens egen side: <code>" + esc(page) + "</code></p>";
  body += "<p id=\"copied\" role=\"status\" class=\"kind\"></p></section><p><a href=\"/hr/feeds\">Tilbake til kalenderne</a></p>";
  return {201, "Kalenderen er laget", body, {}};
}

HrPage revoke(ApiHost& host, const HrPageRequest& r, const std::string& what, const std::string& id,
              const std::string& back) {
  const Answer a = call(host, r, "DELETE", "/api/v1/" + what + "/" + id, nullptr);
  if (!a.ok()) return {a.status, "Ikke trukket tilbake", problems_html(a) + "<p><a href=\"" + back + "\">Tilbake</a></p>", {}};
  return {303, "", "", back + "?revoked=" + id};
}

// ---- tokens -----------------------------------------------------------------------------------

HrPage tokens_page(ApiHost& host, const HrPageRequest& r) {
  const auto snap = host.snapshot();
  std::string body = "<h2>API-nøkler</h2>";
  if (r.query.count("revoked")) body += "<p class=\"ok\" role=\"status\">Nøkkel " + esc(get(r.query, "revoked")) + " er trukket tilbake.</p>";
  if (r.csrf.empty()) return {403, "API-nøkler", body + "<p>Nøkkelen din kan bare lese.</p>", {}};
  body += "<p>Nye nøkler lages på serveren med <code>arshjul token create --role hr|read --name NAVN</code>; "
          "selve nøkkelen lagres aldri, bare et fingeravtrykk av den.</p>"
          "<table><thead><tr><th scope=\"col\">Nr.</th><th scope=\"col\">Navn</th><th scope=\"col\">Rolle</th>"
          "<th scope=\"col\">Laget</th><th scope=\"col\">Trukket tilbake</th><th scope=\"col\">Handling</th></tr></thead><tbody>";
  for (const ApiToken& t : host.storage().api_tokens()) {
    body += "<tr><td>" + std::to_string(t.id) + "</td><td>" + esc(t.name.empty() ? "–" : t.name) + "</td><td>" + esc(t.role) +
            "</td><td>" + esc(local_time(t.created, snap->config)) + "</td><td>" +
            (t.revoked ? esc(local_time(*t.revoked, snap->config)) : std::string("–")) + "</td><td>";
    if (!t.revoked)
      body += "<form method=\"post\" action=\"/hr/tokens/" + std::to_string(t.id) + "/revoke\">" + csrf_field(r.csrf) +
              "<button type=\"submit\">Trekk tilbake<span class=\"visually-hidden\"> nøkkel " + std::to_string(t.id) + " (" +
              esc(t.name) + ")</span></button></form>";
    body += "</td></tr>";
  }
  return {200, "API-nøkler", body + "</tbody></table>", {}};
}

// ---- meetings --------------------------------------------------------------------------------

const Occurrence* find_live(const Snapshot& s, const std::string& uid) {
  for (const auto& o : s.expansion.occurrences)
    if (o.uid == uid) return &o;
  return nullptr;
}

std::string local_input(SysSeconds t, const Config& c) {
  return date::format("%Y-%m-%dT%H:%M", date::floor<std::chrono::minutes>(to_local(t, c.organisation.zone)));
}

std::string extra_form(const Config& c, const HrPageRequest& r) {
  std::string out = "<section aria-labelledby=\"ekstra\"><h2 id=\"ekstra\">Legg til et møte</h2>"
                    "<form method=\"post\" action=\"/hr/meetings/extra\">" + csrf_field(r.csrf) +
                    "<p><label for=\"activity\">Møteserie</label><br><select id=\"activity\" name=\"activity\">";
  for (const Wheel& w : c.wheels)
    for (const Activity& a : w.activities)
      if (a.kind == ActivityKind::meeting && !a.personal)
        out += "<option value=\"" + esc(a.id) + "\">" + esc(a.title) + " (" + esc(w.name) + ")</option>";
  out += "</select></p><p><label for=\"unit\">Enhet (for møter som holdes per enhet)</label><br>"
         "<select id=\"unit\" name=\"unit\"><option value=\"\">Hele organisasjonen</option>";
  for (const Unit& u : c.units) out += "<option value=\"" + esc(u.id) + "\">" + esc(u.name) + "</option>";
  out += "</select></p><p><label for=\"start\">Start</label><br><input type=\"datetime-local\" id=\"start\" name=\"start\" required></p>"
         "<p><label for=\"end\">Slutt (tom: seriens vanlige lengde)</label><br><input type=\"datetime-local\" id=\"end\" name=\"end\"></p>"
         "<p><label for=\"extra-reason\">Grunn</label><br><input type=\"text\" id=\"extra-reason\" name=\"reason\" required></p>"
         "<p><button type=\"submit\">Legg til møtet</button></p></form></section>";
  return out;
}

HrPage meetings_page(ApiHost& host, const HrPageRequest& r, const std::string& notice = {}) {
  const auto snap = host.snapshot();
  const Config& c = snap->config;
  const SysSeconds now = host.clock().now();
  std::string body = "<h2>Møter</h2>" + notice;
  if (auto it = r.query.find("changed"); it != r.query.end())
    body += "<p class=\"ok\" role=\"status\">Endringen er lagret, og deltakerne får beskjed.</p>";
  if (!r.csrf.empty()) body += extra_form(c, r);
  body += "<section aria-labelledby=\"kommende\"><h2 id=\"kommende\">Kommende møter</h2>"
          "<table><thead><tr><th scope=\"col\">Når</th><th scope=\"col\">Møte</th><th scope=\"col\">Enhet</th>"
          "<th scope=\"col\">Handling</th></tr></thead><tbody>";
  int shown = 0;
  for (const auto& o : snap->expansion.occurrences) {
    if (o.activity->kind != ActivityKind::meeting || o.person || o.start < now) continue;
    if (++shown > 200) break;
    body += "<tr><td>" + esc(local_time(o.start, c)) + "</td><td>" + esc(o.activity->title) + "</td><td>" +
            esc(o.unit ? o.unit->name : "–") + "</td><td><a href=\"/hr/meetings/edit?uid=" + url_encode(o.uid) +
            "\">Flytt eller avlys<span class=\"visually-hidden\"> " + esc(o.activity->title) + " " +
            esc(local_time(o.start, c)) + (o.unit ? " " + esc(o.unit->name) : std::string()) + "</span></a></td></tr>";
  }
  return {200, "Møter", body + "</tbody></table></section>", {}};
}

HrPage edit_meeting_page(ApiHost& host, const HrPageRequest& r, const std::string& uid, const std::string& notice = {}) {
  const auto snap = host.snapshot();
  const Config& c = snap->config;
  const Occurrence* o = find_live(*snap, uid);
  if (!o || o->activity->kind != ActivityKind::meeting)
    return {404, "Fant ikke møtet", "<h2>Fant ikke møtet</h2><p>Det er avlyst, over eller finnes ikke.</p>"
                                    "<p><a href=\"/hr/meetings\">Tilbake til møtene</a></p>", {}};
  const std::string title = o->activity->title + (o->unit ? " – " + o->unit->name : std::string());
  std::string body = "<h2>" + esc(title) + "</h2>" + notice + "<p>" + esc(local_time(o->start, c)) + "–" +
                     esc(date::format("%H:%M", date::floor<std::chrono::minutes>(to_local(o->end, c.organisation.zone)))) +
                     "</p>";
  if (r.csrf.empty()) return {403, title, body + "<p>Nøkkelen din kan bare lese.</p>", {}};
  const std::string hidden = csrf_field(r.csrf) + "<input type=\"hidden\" name=\"uid\" value=\"" + esc(uid) + "\">";
  body += "<section aria-labelledby=\"flytt\"><h3 id=\"flytt\">Flytt</h3><form method=\"post\" action=\"/hr/meetings/move\">" +
          hidden + "<p><label for=\"start\">Ny start</label><br><input type=\"datetime-local\" id=\"start\" name=\"start\" value=\"" +
          esc(local_input(o->start, c)) + "\" required></p><p><label for=\"end\">Ny slutt</label><br>"
          "<input type=\"datetime-local\" id=\"end\" name=\"end\" value=\"" +
          esc(local_input(o->sessions.empty() ? o->end : o->sessions.front().end, c)) +  // a gathering: its first day's end
          "\" required></p><p><label for=\"move-reason\">Grunn</label><br><input type=\"text\" id=\"move-reason\" name=\"reason\" required></p>"
          "<p><button type=\"submit\">Flytt møtet</button></p></form></section>"
          "<section aria-labelledby=\"avlys\"><h3 id=\"avlys\">Avlys</h3><form method=\"post\" action=\"/hr/meetings/cancel\">" +
          hidden + "<p><label for=\"cancel-reason\">Grunn</label><br><input type=\"text\" id=\"cancel-reason\" name=\"reason\" required></p>"
          "<p><button type=\"submit\">Avlys møtet</button></p></form></section>";
  std::string agenda, documents;
  for (const auto& item : agenda_of(*o)) agenda += item + "\n";
  for (const auto& d : o->documents) documents += d.title + " | " + d.url + "\n";
  body += "<section aria-labelledby=\"saksliste\"><h3 id=\"saksliste\">Saksliste for dette møtet</h3>"
          "<p>Endringer etter at innkallingen er sendt, går til dem som fikk den.</p>"
          "<form method=\"post\" action=\"/hr/meetings/agenda\">" + hidden +
          "<p><label for=\"agenda\">Saker, én per linje</label><br><textarea id=\"agenda\" name=\"agenda\" rows=\"8\" cols=\"60\">" +
          esc(agenda) + "</textarea></p><p><label for=\"documents\">Dokumenter, én per linje: tittel | https://…</label><br>"
          "<textarea id=\"documents\" name=\"documents\" rows=\"3\" cols=\"60\">" + esc(documents) +
          "</textarea></p><p><label for=\"agenda-reason\">Grunn</label><br><input type=\"text\" id=\"agenda-reason\" name=\"reason\" required></p>"
          "<p><button type=\"submit\">Lagre sakslisten</button></p></form></section>"
          "<p><a href=\"/hr/meetings\">Tilbake til møtene</a></p>";
  return {200, title, body, {}};
}

std::string path_uid(const std::string& uid) { return boost::urls::encode(uid, boost::urls::unreserved_chars); }

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The non-blank lines of a textarea, trimmed.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    const auto nl = std::min(text.find('\n', from), text.size());
    if (std::string line = trimmed(text.substr(from, nl - from)); !line.empty()) out.push_back(std::move(line));
    from = nl + 1;
  }
  return out;
}

HrPage change_meeting(ApiHost& host, const HrPageRequest& r, const std::string& action) {
  const std::string uid = form_value(r.form, "uid");
  json::object body{{"reason", form_value(r.form, "reason")}};
  if (action == "move") {
    body["start"] = form_value(r.form, "start");
    if (const std::string end = form_value(r.form, "end"); !end.empty()) body["end"] = end;
  }
  if (action == "agenda") {
    // One item per line; a document is "title | url" (the last bar splits).
    json::array items, docs;
    for (std::string& line : lines(form_value(r.form, "agenda"))) items.emplace_back(line);
    for (std::string& line : lines(form_value(r.form, "documents"))) {
      const auto bar = line.rfind('|');
      std::string title = bar == std::string::npos ? line : trimmed(line.substr(0, bar));
      std::string url = bar == std::string::npos ? std::string() : trimmed(line.substr(bar + 1));
      docs.push_back(json::object{{"title", std::move(title)}, {"url", std::move(url)}});
    }
    body["agenda"] = std::move(items);
    body["documents"] = std::move(docs);
  }
  const json::value v = body;
  const Answer a = call(host, r, action == "agenda" ? "PUT" : "POST",
                        "/api/v1/occurrences/" + path_uid(uid) + "/" + action, &v);
  if (a.ok()) return {303, "", "", "/hr/meetings?changed=" + url_encode(uid)};
  HrPage p = edit_meeting_page(host, r, uid, problems_html(a));
  if (p.status == 200) p.status = a.status;
  else p.body = problems_html(a) + p.body;
  return p;
}

HrPage add_meeting(ApiHost& host, const HrPageRequest& r) {
  json::object body{{"activity", form_value(r.form, "activity")},
                    {"start", form_value(r.form, "start")},
                    {"reason", form_value(r.form, "reason")}};
  if (const std::string unit = form_value(r.form, "unit"); !unit.empty()) body["unit"] = unit;
  if (const std::string end = form_value(r.form, "end"); !end.empty()) body["end"] = end;
  const json::value v = body;
  const Answer a = call(host, r, "POST", "/api/v1/occurrences", &v);
  if (a.ok()) return {303, "", "", "/hr/meetings?changed=" + url_encode(str(a.body, "uid"))};
  HrPage p = meetings_page(host, r, problems_html(a));
  p.status = a.status;
  return p;
}

// ---- the audit trail ---------------------------------------------------------------------------

std::string door_word(std::string_view door) {
  if (door == "api") return "API";
  if (door == "page") return "nettside";
  if (door == "cli") return "kommandolinje";
  if (door == "reload") return "ny konfigurasjon";
  return std::string(door);
}

HrPage audit_page(ApiHost& host, const HrPageRequest& r) {
  const auto snap = host.snapshot();
  const std::string actor = get(r.query, "actor"), action = get(r.query, "action"), cursor = get(r.query, "cursor");
  std::string target = "/api/v1/audit?limit=100";
  if (!actor.empty()) target += "&actor=" + url_encode(actor);
  if (!action.empty()) target += "&action=" + url_encode(action);
  if (!cursor.empty()) target += "&cursor=" + url_encode(cursor);
  std::string body = "<h2>Endringslogg</h2>"
                     "<form method=\"get\" action=\"/hr/audit\" class=\"filters\"><label>Hvem <input type=\"text\" name=\"actor\" value=\"" +
                     esc(actor) + "\"></label> <label>Handling <input type=\"text\" name=\"action\" value=\"" + esc(action) +
                     "\"></label> <button type=\"submit\">Vis</button></form>";
  const Answer a = call(host, r, "GET", target, nullptr);
  if (!a.ok()) return {a.status, "Endringslogg", body + problems_html(a), {}};
  const auto& entries = a.body.as_object().at("entries").as_array();
  if (entries.empty()) return {200, "Endringslogg", body + "<p>Ingen endringer.</p>", {}};
  body += "<table><thead><tr><th scope=\"col\">Når</th><th scope=\"col\">Hvem</th><th scope=\"col\">Hvor</th>"
          "<th scope=\"col\">Handling</th><th scope=\"col\">Gjelder</th><th scope=\"col\">Før</th><th scope=\"col\">Etter</th>"
          "<th scope=\"col\">Grunn</th></tr></thead><tbody>";
  for (const auto& e : entries) {
    auto at = parse_instant(str(e, "at"));
    const std::string when = at ? local_time(*at, snap->config) : str(e, "at");
    auto shown = [](const json::value& v) {
      return v.is_null() ? std::string("–") : "<code>" + esc(json::serialize(v)) + "</code>";
    };
    body += "<tr><td>" + esc(when) + "</td><td>" + esc(str(e, "actor")) + "</td><td>" + esc(door_word(str(e, "door"))) +
            "</td><td>" + esc(str(e, "action")) + "</td><td>" + esc(str(e, "target")) + "</td><td>" +
            shown(e.as_object().at("before")) + "</td><td>" + shown(e.as_object().at("after")) + "</td><td>" +
            esc(str(e, "reason")) + "</td></tr>";
  }
  body += "</tbody></table>";
  if (const auto& next = a.body.as_object().at("next_cursor"); next.is_int64()) {
    std::string more = "/hr/audit?cursor=" + std::to_string(next.as_int64());
    if (!actor.empty()) more += "&actor=" + url_encode(actor);
    if (!action.empty()) more += "&action=" + url_encode(action);
    body += "<p><a href=\"" + esc(more) + "\">Eldre endringer</a></p>";
  }
  return {200, "Endringslogg", body, {}};
}

// "/hr/feeds/12/revoke" -> "12" when `path` is PREFIX + digits + "/revoke".
std::optional<std::string> id_in(const std::string& path, std::string_view prefix) {
  if (path.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || rest.substr(slash) != "/revoke") return std::nullopt;
  const std::string id = rest.substr(0, slash);
  if (id.find_first_not_of("0123456789") != std::string::npos || id.size() > 18) return std::nullopt;
  return id;
}

}  // namespace

std::string hr_pages_nav() {
  return "<nav aria-label=\"HR-sider\"><p><a href=\"/hr/feeds\">Kalendere</a> · <a href=\"/hr/meetings\">Møter</a> · "
         "<a href=\"/hr/tokens\">API-nøkler</a> · <a href=\"/hr/audit\">Endringslogg</a></p></nav>";
}

std::optional<HrPage> handle_hr_page(ApiHost& host, const HrPageRequest& r) {
  const bool is_get = r.method == "GET" || r.method == "HEAD";
  const bool is_post = r.method == "POST";
  if (r.path == "/hr/feeds" && is_get) return feeds_page(host, r);
  if (r.path == "/hr/feeds" && is_post) return create_feed(host, r);
  if (auto id = id_in(r.path, "/hr/feeds/"); id && is_post) return revoke(host, r, "subscriptions", *id, "/hr/feeds");
  if (r.path == "/hr/tokens" && is_get) return tokens_page(host, r);
  if (auto id = id_in(r.path, "/hr/tokens/"); id && is_post) return revoke(host, r, "tokens", *id, "/hr/tokens");
  if (r.path == "/hr/meetings" && is_get) return meetings_page(host, r);
  if (r.path == "/hr/meetings/edit" && is_get) return edit_meeting_page(host, r, get(r.query, "uid"));
  if (r.path == "/hr/meetings/move" && is_post) return change_meeting(host, r, "move");
  if (r.path == "/hr/meetings/cancel" && is_post) return change_meeting(host, r, "cancel");
  if (r.path == "/hr/meetings/agenda" && is_post) return change_meeting(host, r, "agenda");
  if (r.path == "/hr/meetings/extra" && is_post) return add_meeting(host, r);
  if (r.path == "/hr/audit" && is_get) return audit_page(host, r);
  return std::nullopt;
}

}  // namespace arshjul
