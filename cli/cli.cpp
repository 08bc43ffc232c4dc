#include "cli/cli.h"
#include "cli/service.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "calendars/icalendar.h"
#include "scheduler/engine.h"
#include "scheduler/import.h"
#include "scheduler/runner.h"
#include "scheduler/config_files.h"
#include "scheduler/political_fetch.h"
#include "server/api.h"
#include "server/feeds.h"
#include "server/log.h"
#include "server/server.h"
#include "scheduler/tokens.h"
#include "scheduler/webhooks.h"
#include "svg/wheel_svg.h"
#include "workflows/audience.h"
#include "storage/storage.h"
#include "workflows/events.h"
#include "workflows/expansion.h"
#include "workflows/registrations.h"
#include "workflows/text.h"
#include "workflows/vocabulary.h"
#include "workflows/warnings.h"

namespace arshjul {
namespace {

constexpr const char* kUsage = R"(usage: arshjul COMMAND [ARGS]

commands:
  check DIR [--year Y] [--db FILE]            validate a configuration folder; warn about the horizon Y, Y+1;
                                              with --db, the political calendar as the daemon stored it
  preview DIR [--year YYYY] [--wheel ID] [--db FILE] [--participants]
                                              the year as a table (in bokmål); with --db, as the daemon
                                              keeps it (stored roster, HR's changes); reads only.
                                              --participants: who takes part under each row (name and
                                              id), who is registered for each day with registration and
                                              who waits (with --db as stored, else as sync would register)
  export DIR [--year YYYY] [--wheel ID] [--output FILE] [--db FILE]
                                              every occurrence of the year as iCalendar; with --db,
                                              as the daemon keeps it (SEQUENCE, cancellations); reads only
  render DIR [--year YYYY] [--wheel ID] [--output FILE.svg]
                                              the year as a wheel (SVG, A3 landscape)
  sync DIR --db FILE                          store this year and next in FILE (SQLite), register
                                              new hires, create tasks and plan webhook messages
  serve [--config DIR] [--db FILE] [--listen HOST:PORT] [--threads N]
        [--request-timeout SECONDS] [--idle-timeout SECONDS] [--feed-cache-mb MB]
        [--hook URL (--hook-secret-file FILE | --hook-secret whsec_...)]
        [--clock 2027-01-01T08:00:00+01:00 [--clock-speed 3600]] [--public-url URL]
        [--log-format text|json]
                                              run the daemon (defaults: config/roros, var/arshjul.db,
                                              127.0.0.1:8080); SIGHUP reloads, SIGTERM stops.
                                              The hook's secret: from a file, or the environment
                                              (ARSHJUL_HOOK_SECRET); --hook-secret shows in `ps`.
                                              One log line per event with its level, on stderr;
                                              under systemd: journald levels and sd_notify
  subscribe [--config DIR] [--db FILE] [--base-url URL]
            (--person ID | --role ROLE | --unit ID | --wheel ID | --all)
                                              create a feed subscription and print its URLs
  subscribe --everyone [--config DIR] [--db FILE]
                                              every person's own feed and page (as a hire's
                                              message has them) as CSV: id,name,email,feed_url,page_url
  unsubscribe TOKEN [--db FILE]               revoke a subscription
  outbox list [--dead | --status STATUS] [--db FILE] [--limit N]
                                              webhook messages, newest first
  outbox retry ID [--db FILE]                 send a dead letter again
  outbox retry --dead [--hook ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config DIR] [--db FILE]
                                              send every dead letter again (of one hook, due in a
                                              period; days in --config's zone, else Europe/Oslo);
                                              --hook also re-enables a hook that answered 410 Gone
  import people FILE.csv [--config DIR] [--db FILE] [--dry-run] [--replace] [--strict] [--charset NAME]
                                              upsert the HR system's roster (all rows or none);
                                              --replace removes people the file does not list
  token create --role hr|read [--name NAME] [--db FILE]
                                              a bearer token for the API (shown once), in the
                                              database the daemon serves: without --db,
                                              var/arshjul.db must already exist
  token list [--db FILE]                      API tokens: id, role, name, created, revoked
                                              (never the token: only its hash is stored)
  token revoke ID [--db FILE]                 refuse that token from now on, its page sessions too
  backup FILE [--db FILE]                     an online copy of the database into FILE, also while
                                              the daemon runs; checked, then renamed into place
)";

struct Args {
  std::string command;
  std::string dir;
  std::map<std::string, std::string> options;
};

std::optional<Args> parse_args(int argc, const char* const* argv, std::ostream& err,
                               const std::vector<std::string>& allowed, const std::vector<std::string>& flags = {},
                               bool needs_positional = true) {
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (std::find(flags.begin(), flags.end(), s) != flags.end()) {
      a.options[s] = "";
      continue;
    }
    if (s.rfind("--", 0) == 0) {
      if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        err << "arshjul " << a.command << ": unknown option " << s << "\n" << kUsage;
        return std::nullopt;
      }
      if (i + 1 >= argc) {
        err << "arshjul " << a.command << ": " << s << " needs a value\n";
        return std::nullopt;
      }
      a.options[s] = argv[++i];
    } else if (a.dir.empty() && needs_positional) {
      a.dir = s;
    } else if ((a.command == "outbox" || a.command == "import" || a.command == "token") && !a.options.count("__arg2")) {
      a.options["__arg2"] = s;  // outbox retry ID, import people FILE, token revoke ID
    } else {
      err << "arshjul " << a.command << ": unexpected argument " << s << "\n" << kUsage;
      return std::nullopt;
    }
  }
  if (a.dir.empty() && needs_positional) {
    err << "arshjul " << a.command << ": missing "
        << (a.command == "unsubscribe" ? "the token to revoke"
            : a.command == "outbox"    ? "`list` or `retry ID`"
            : a.command == "import"    ? "what to import: `people FILE.csv`"
            : a.command == "token"     ? "`create`, `list` or `revoke ID`"
            : a.command == "backup"    ? "the file to write the backup to"
                                       : "the configuration folder (e.g. config/roros)")
        << "\n";
    return std::nullopt;
  }
  return a;
}

// The CLI's changes in the audit trail: the door and the actor are "cli"
// (whoever has a shell on the server and the database file).
AuditEntry cli_audit(const Clock& clock, std::string action, std::string target, std::string after,
                     std::string before = "null") {
  return audit_entry(Caller{"cli", "cli", "hr"}, clock.now(), std::move(action), std::move(target), std::move(before),
                     std::move(after));
}

std::string json_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

int current_year(const Clock& clock, const date::time_zone* zone) {
  const auto local = to_local(clock.now(), zone);
  return static_cast<int>(date::year_month_day{date::floor<date::days>(local)}.year());
}

std::optional<int> year_option(const Args& a, const Clock& clock, const Config& c, std::ostream& err) {
  auto it = a.options.find("--year");
  if (it == a.options.end()) return current_year(clock, c.organisation.zone);
  try {
    std::size_t used = 0;
    const int y = std::stoi(it->second, &used);
    if (used == it->second.size() && y >= 1900 && y <= 2200) return y;
  } catch (const std::exception&) {
  }
  err << "arshjul " << a.command << ": --year expects a year from 1900 to 2200, got \"" << it->second << "\"\n";
  return std::nullopt;
}

std::optional<Config> load(const Args& a, std::ostream& err) {
  auto c = load_config_dir(a.dir);
  if (!c) {
    err << c.error() << "\n";
    return std::nullopt;
  }
  return std::move(c).value();
}

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

// `under` (optional, one entry per row): lines printed below a row as they
// are, outside the columns, so a long list does not widen the table.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 const std::vector<std::vector<std::string>>& under = {}) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], display_width(r[i]));
    }
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - display_width(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
    if (k < under.size())
      for (const auto& l : under[k]) out << l << "\n";
  }
}

int cmd_check(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  auto read = read_config_dir(a.dir);
  if (!read) {
    err << read.error() << "\n";
    return 1;
  }
  ConfigSources sources = std::move(read).value();
  // The political calendar's URL is not fetched here, so a check never
  // hangs on the network: with --db, the copy the daemon stored is read.
  if (auto db = a.options.find("--db"); db != a.options.end()) {
    std::error_code ec;
    if (!std::filesystem::exists(db->second, ec)) {
      err << "arshjul check: --db: " << db->second << " does not exist\n";
      return 1;
    }
    auto store = open_sqlite_storage(db->second);
    if (!store) {
      err << store.error() << "\n";
      return 1;
    }
    sources.fetched_political_calendar = stored_political_calendar(**store);
  }
  LoadResult r = load_config(sources);
  if (!r.ok()) {
    for (const auto& e : r.errors) err << e.to_string() << "\n";
    err << r.errors.size() << (r.errors.size() == 1 ? " error" : " errors") << " in " << a.dir << "\n";
    return 1;
  }
  const Config& c = *r.config;
  const auto year = year_option(a, clock, c, err);
  if (!year) return 2;
  out << a.dir << ": ok: " << c.organisation.name << ", " << c.wheels.size() << " wheels, " << c.activity_count()
      << " activities, " << c.levels.size() << " leader levels, " << c.units.size() << " units, " << c.people.size()
      << " people\n";
  if (const auto& pc = c.organisation.political_calendar; !pc.url.empty()) {
    const auto& f = sources.fetched_political_calendar;
    if (f && f->url == pc.url)
      err << "note: the political calendar " << pc.url << " as the daemon last stored it is checked\n";
    else
      err << "note: the political calendar " << pc.url
          << " is fetched by the daemon (arshjul serve), not by check; give --db FILE to check the copy it stored\n";
  }
  // Warnings do not fail the check: the config works, it will just surprise someone.
  const auto warnings = config_warnings(c, *year, *year + 1);
  for (const auto& w : warnings) err << w.as_check_line() << "\n";
  if (!warnings.empty())
    err << warnings.size() << (warnings.size() == 1 ? " warning" : " warnings") << " for " << *year << "-"
        << *year + 1 << " in " << a.dir << "\n";
  return 0;
}

std::unique_ptr<Storage> open_db(const std::string& path, std::ostream& err) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  auto s = open_sqlite_storage(path);
  if (!s) {
    err << s.error() << "\n";
    return nullptr;
  }
  return std::move(s).value();
}

// --wheel ID, checked against the config.
std::optional<ExpansionFilter> wheel_filter(const Args& a, const Config& c, std::ostream& err) {
  ExpansionFilter filter;
  if (auto w = a.options.find("--wheel"); w != a.options.end()) {
    if (!c.find_wheel(w->second)) {
      err << "arshjul " << a.command << ": unknown wheel \"" << w->second << "\"\n";
      return std::nullopt;
    }
    filter.wheel = w->second;
  }
  return filter;
}

// What preview and export share: the config, --year and --wheel, checked.
struct YearRequest {
  Config config;
  int year;
  ExpansionFilter filter;
};

std::optional<YearRequest> year_request(const Args& a, const Clock& clock, std::ostream& err, int& code) {
  auto c = load(a, err);
  code = 1;
  if (!c) return std::nullopt;
  auto year = year_option(a, clock, *c, err);
  code = 2;
  if (!year) return std::nullopt;
  auto filter = wheel_filter(a, *c, err);
  code = 1;
  if (!filter) return std::nullopt;
  return YearRequest{std::move(*c), *year, *filter};
}

// The year as the daemon keeps it: the stored roster over the config's and
// HR's moves, cancellations and extra meetings applied. Only reads: writing
// occurrences is the engine's job (sync, serve, import), never a view's.
// Without --db, the year as the config alone gives it.
struct YearView {
  Expansion expansion;                    // points into the request's config
  std::unique_ptr<Storage> storage;       // with --db
  std::vector<Occurrence> cancelled_by_hr;
};

std::optional<YearView> view_year(const Args& a, YearRequest& request, SysSeconds now, std::ostream& err) {
  YearView view;
  auto db = a.options.find("--db");
  if (db == a.options.end()) {
    view.expansion = expand_year(request.config, request.year, request.filter);
    return view;
  }
  if (!std::filesystem::exists(db->second)) {
    err << "arshjul " << a.command << ": " << db->second << ": no such database\n";
    return std::nullopt;
  }
  view.storage = open_db(db->second, err);
  if (!view.storage) return std::nullopt;
  request.config = with_stored_people(std::move(request.config), view.storage->people());
  view.expansion = expand_year(request.config, request.year, request.filter);
  // The UIDs the daemon's feeds carry, so an export does not duplicate a meeting a rule change kept.
  keep_identities(view.expansion,
                  earlier_occurrences(*view.storage, request.config.organisation.id,
                                      LocalDays{date::year{request.year} / 1 / 1}, LocalDays{date::year{request.year} / 12 / 31}),
                  now);
  view.cancelled_by_hr = apply_overrides(view.expansion, view.storage->overrides());
  // An extra meeting HR added to another wheel, or outside the year, is not this view's.
  auto outside = [&](const Occurrence& o) {
    return (!request.filter.wheel.empty() && o.wheel->id != request.filter.wheel) ||
           static_cast<int>(date::year_month_day{o.first_day}.year()) != request.year;
  };
  std::erase_if(view.expansion.occurrences, outside);
  std::erase_if(view.cancelled_by_hr, outside);
  return view;
}

// Preview's own words. The words other views share (kinds, moves, HR's
// changes, registration headings) come from workflows/vocabulary.h; what
// only this table says is kept here, together.
namespace preview_words {
const std::vector<std::string> columns = {"dato", "dag", "tid", "årshjul", "tittel", "gjelder", "merknad"};
constexpr std::string_view own_agenda = "Egen agenda fra HR";
constexpr std::string_view agenda_adds = "Agendaen får i tillegg: ";
constexpr std::string_view skipped = "Hoppet over";
constexpr std::string_view not_placed = "IKKE PLASSERT";
constexpr std::string_view no_working_day = "ingen arbeidsdag innen 14 dager";
constexpr std::string_view none = "ingen";
std::string summary(std::size_t occurrences, std::size_t events, std::size_t moved, std::size_t passed_over,
                    std::size_t unplaceable) {
  std::string s = std::to_string(occurrences) + " forekomster";
  if (events != occurrences) s += " (" + std::to_string(events) + " kalenderhendelser: en samling er én per dag)";
  s += ", " + std::to_string(moved) + " flyttet, " + std::to_string(passed_over) + " hoppet over";
  if (unplaceable) s += ", " + std::to_string(unplaceable) + " IKKE PLASSERT (endre regelen eller on_holiday)";
  return s;
}
}  // namespace preview_words

// "Kari Nordmann (kari-nordmann)": a name may hold a line break, a table row may not.
std::string name_and_id(const Person& p) {
  std::string name = p.name;
  std::replace_if(name.begin(), name.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
  return name + " (" + p.id + ")";
}

// "    Deltakere (3): A (a), B (b), ..." wrapped at 100 columns.
void add_people_line(std::vector<std::string>& lines, const std::string& heading,
                     const std::vector<std::string>& people, const std::string& indent = "    ") {
  constexpr std::size_t kWidth = 100;
  const std::string more = indent + "  ";
  std::string line = indent + heading + ":";
  if (people.empty()) {
    lines.push_back(line + " " + std::string(preview_words::none));
    return;
  }
  for (std::size_t i = 0; i < people.size(); ++i) {
    const std::string item = people[i] + (i + 1 < people.size() ? "," : "");
    if (display_width(line) + 1 + display_width(item) > kWidth && line.size() > more.size()) {
      lines.push_back(line);
      line = more + item;
    } else {
      line += " " + item;
    }
  }
  lines.push_back(line);
}

// Who is registered for which day and who waits: what the daemon stored
// (--db), else what `sync` would register now from the config's roster,
// planned over this year and next as the daemon's horizon has it.
std::vector<Registration> preview_registrations(const YearRequest& request, YearView& view, SysSeconds now) {
  if (view.storage) return view.storage->registrations();
  const LocalDays today = date::floor<date::days>(to_local(now, request.config.organisation.zone));
  const int last_year = std::max(request.year, static_cast<int>(date::year_month_day{today}.year())) + 1;
  const Expansion horizon = expand(request.config, today, LocalDays{date::year{last_year} / 12 / 31});
  return plan_registrations(request.config, horizon, {}, now).registrations;
}

int cmd_preview(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  int code = 0;
  auto request = year_request(a, clock, err, code);
  if (!request) return code;
  auto stored = view_year(a, *request, clock.now(), err);
  if (!stored) return 1;
  const Config* c = &request->config;
  const ExpansionFilter* filter = &request->filter;
  const bool with_people = a.options.count("--participants") > 0;
  std::vector<Registration> registrations;
  if (with_people) {
    registrations = preview_registrations(*request, *stored, clock.now());
    std::map<std::string_view, Occurrence*> by_uid;
    for (Occurrence& o : stored->expansion.occurrences) by_uid.emplace(o.uid, &o);
    for (const Registration& r : registrations)
      if (auto it = by_uid.find(r.occurrence_uid); it != by_uid.end()) it->second->registered.push_back(r.person);
  }
  const Expansion& e = stored->expansion;
  out << c->organisation.name << " — " << wheel_heading(request->year);
  if (const Wheel* w = filter->wheel.empty() ? nullptr : c->find_wheel(filter->wheel)) out << " — " << w->name;
  out << "\n\n";

  struct Row {
    SysSeconds when;
    std::vector<std::string> cells;
    std::vector<std::string> people{};  // --participants: lines under the row
  };
  std::vector<Row> rows;
  const date::time_zone* zone = c->organisation.zone;
  auto scope_of = [](const Occurrence& o) {
    return o.person ? o.person->name : o.unit ? o.unit->name : std::string(label::whole_organisation);
  };
  auto joined = [](const std::vector<std::string>& notes) {
    std::string s;
    for (const auto& n : notes) s += (s.empty() ? "" : ". ") + capitalized(n);
    return s;
  };
  auto people_lines = [&](const Occurrence& o) {
    std::vector<std::string> lines;
    if (!with_people) return lines;
    std::vector<std::string> taking_part, registered;
    for (const Person* p : participants(*c, o)) {
      const bool reg = std::find(o.registered.begin(), o.registered.end(), p->id) != o.registered.end();
      (reg ? registered : taking_part).push_back(name_and_id(*p));
    }
    add_people_line(lines, std::string(label::participants) + " (" + std::to_string(taking_part.size()) + ")",
                    taking_part);
    if (o.activity->registration)
      add_people_line(lines,
                      std::string(label::registered) + " (" + std::to_string(registered.size()) + " av " +
                          std::to_string(o.activity->registration->capacity) + ")",
                      registered);
    return lines;
  };
  for (const Occurrence& o : e.occurrences) {
    std::string time(label::all_day);
    if (!o.all_day) {
      const auto ls = to_local(o.start, zone);
      const auto le = to_local(o.end, zone);
      time = format_clock(ls - date::floor<date::days>(ls)) + "-" + format_clock(le - date::floor<date::days>(le));
    }
    std::vector<std::string> notes;
    if (o.activity->kind == ActivityKind::window)
      notes.push_back(std::string(kind_word(ActivityKind::window)) + " til " + norwegian_date(o.last_day));
    if (o.activity->kind == ActivityKind::deadline) notes.emplace_back(kind_word(ActivityKind::deadline));
    if (o.moved) notes.push_back(moved_text(o.moved->from, o.moved->reason, o.moved->passed));
    if (o.extra) notes.push_back(std::string(label::extra_meeting) + ": " + o.change_reason);
    else if (!o.change_reason.empty()) notes.push_back(std::string(label::changed_by_hr) + ": " + o.change_reason);
    // What sets this meeting's agenda apart from its series', so a reader of the year can check agenda_in.
    if (o.agenda) {
      notes.emplace_back(preview_words::own_agenda);
    } else if (o.config_agenda) {
      std::string added;
      for (const auto& item : agenda_additions(*o.activity, o.original_day)) added += (added.empty() ? "" : " | ") + item;
      notes.push_back(std::string(preview_words::agenda_adds) + added);
    }
    if (o.sessions.empty()) {
      rows.push_back({o.start,
                      {format_date(o.first_day), std::string(norwegian_weekday(date::weekday{o.first_day})), time,
                       o.wheel->id, o.activity->title, scope_of(o), joined(notes)},
                      people_lines(o)});
      continue;
    }
    // A gathering: a row a day, as the calendars show it; who takes part under its first day.
    for (std::size_t k = 0; k < o.sessions.size(); ++k) {
      const auto ls = to_local(o.sessions[k].start, zone);
      const auto le = to_local(o.sessions[k].end, zone);
      const LocalDays day = date::floor<date::days>(ls);
      std::vector<std::string> day_notes{gathering_day(k + 1, o.sessions.size())};
      day_notes.insert(day_notes.end(), notes.begin(), notes.end());
      rows.push_back({o.sessions[k].start,
                      {format_date(day), std::string(norwegian_weekday(date::weekday{day})),
                       format_clock(ls - day) + "-" + format_clock(le - date::floor<date::days>(le)), o.wheel->id,
                       o.activity->title, scope_of(o), joined(day_notes)},
                      k == 0 ? people_lines(o) : std::vector<std::string>{}});
    }
  }
  for (const Occurrence& o : stored->cancelled_by_hr) {
    rows.push_back({o.start,
                    {format_date(o.first_day), std::string(norwegian_weekday(date::weekday{o.first_day})), "-",
                     o.wheel->id, o.activity->title, scope_of(o), cancelled_text(o.change_reason)}});
  }
  for (const Unplaced& u : e.unplaced) {
    const std::string why = " (" + non_working_text(u.reason) + ")";
    std::string notes = u.skipped ? std::string(preview_words::skipped) + why
                                  : std::string(preview_words::not_placed) + why + ": " +
                                        std::string(preview_words::no_working_day);
    rows.push_back({to_utc(LocalSeconds{u.day}, zone),
                    {format_date(u.day), std::string(norwegian_weekday(date::weekday{u.day})), "-", u.wheel->id,
                     u.activity->title, u.unit ? u.unit->name : std::string(label::whole_organisation), notes}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.when < y.when; });
  std::vector<std::vector<std::string>> table{preview_words::columns};
  std::vector<std::vector<std::string>> under{{}};
  for (auto& r : rows) {
    table.push_back(std::move(r.cells));
    under.push_back(std::move(r.people));
  }
  print_table(out, table, under);
  if (with_people) {
    // Who waits belongs to no day: one line per activity with registration.
    std::vector<std::string> lines;
    for (const Wheel& w : c->wheels) {
      if (!filter->wheel.empty() && w.id != filter->wheel) continue;
      for (const Activity& act : w.activities) {
        if (!act.registration) continue;
        std::vector<std::string> waiting;
        for (const Registration& r : registrations)
          if (r.activity == act.id && r.occurrence_uid.empty()) {
            const Person* p = c->find_person(r.person);
            waiting.push_back(p ? name_and_id(*p) : r.person);
          }
        add_people_line(lines, waiting_heading(act) + " (" + std::to_string(waiting.size()) + ")", waiting, "");
      }
    }
    if (!lines.empty()) out << "\n";
    for (const auto& l : lines) out << l << "\n";
  }
  std::size_t moved = 0, skipped = 0, unplaceable = 0;
  std::size_t events = 0;  // what a calendar shows: a gathering is an event a day
  for (const auto& o : e.occurrences) {
    moved += o.moved.has_value();
    events += std::max<std::size_t>(1, o.sessions.size());
  }
  for (const auto& u : e.unplaced) (u.skipped ? skipped : unplaceable)++;
  out << "\n" << preview_words::summary(e.occurrences.size(), events, moved, skipped, unplaceable) << "\n";
  return 0;
}

int cmd_export(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  int code = 0;
  auto request = year_request(a, clock, err, code);
  if (!request) return code;
  auto view = view_year(a, *request, clock.now(), err);
  if (!view) return 1;
  const Config* c = &request->config;
  const int* year = &request->year;
  const ExpansionFilter* filter = &request->filter;
  const Expansion& e = view->expansion;
  std::vector<CalendarEvent> events;
  events.reserve(e.occurrences.size());
  const SysSeconds now = clock.now();
  std::map<std::string, StoredOccurrence> stored;
  if (view->storage)
    for (auto& s : view->storage->occurrences(c->organisation.id, LocalDays{date::year{*year} / 1 / 1},
                                              LocalDays{date::year{*year} / 12 / 31}))
      stored.emplace(s.uid, std::move(s));
  for (const Occurrence& o : e.occurrences) {
    EventState state{0, false, now, {}};
    if (auto it = stored.find(o.uid); it != stored.end()) {
      // As the feeds have it: what took place reads as it was held.
      const bool as_held = held(it->second, now);
      if (as_held) events.push_back(stored_event(it->second, c->organisation.zone));
      state = {it->second.sequence, false, it->second.updated, it->second.updated};
      stored.erase(it);
      if (as_held) continue;
    }
    events.push_back(to_calendar_event(o, state));
  }
  // What storage knows but the config no longer has: cancelled, so clients
  // remove it, or held before the config dropped it.
  for (const auto& [uid, s] : stored) {
    if (!filter->wheel.empty() && s.wheel != filter->wheel) continue;
    if (s.cancelled || held(s, now)) events.push_back(stored_event(s, c->organisation.zone));
  }
  CalendarHeader header;
  header.name = c->organisation.name + " – årshjul " + std::to_string(*year);
  header.organizer = c->organisation.organizer;
  const std::string ics = render_calendar(header, c->organisation.zone, events);
  if (auto o = a.options.find("--output"); o != a.options.end()) {
    std::ofstream f(o->second, std::ios::binary);
    if (!f || !(f << ics) || !f.flush()) {
      err << o->second << ": cannot write the file\n";
      return 1;
    }
    std::size_t vevents = 0;  // a gathering is one VEVENT a day
    for (const CalendarEvent& ev : events) vevents += std::max<std::size_t>(1, ev.days.size());
    err << "wrote " << vevents << " events to " << o->second << "\n";
  } else {
    out << ics;
  }
  return 0;
}

// A3 landscape: the circle is as large as the short side allows either way,
// and the legend gets its own column beside it instead of a strip below.
int cmd_render(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  int code = 0;
  auto request = year_request(a, clock, err, code);
  if (!request) return code;
  const Expansion e = expand_year(request->config, request->year, request->filter);
  WheelSvgOptions options;
  if (!request->filter.wheel.empty()) options.wheels = {request->filter.wheel};
  const std::string svg = render_wheel_svg(request->config, e, request->year, options);
  if (auto o = a.options.find("--output"); o != a.options.end()) {
    std::ofstream f(o->second, std::ios::binary);
    if (!f || !(f << svg) || !f.flush()) {
      err << o->second << ": cannot write the file\n";
      return 1;
    }
    err << "wrote the " << request->year << " wheel (" << e.occurrences.size() << " occurrences) to " << o->second
        << "\n";
  } else {
    out << svg;
  }
  return 0;
}

std::string option(const Args& a, const std::string& name, const std::string& fallback) {
  auto it = a.options.find(name);
  return it == a.options.end() ? fallback : it->second;
}

// One step of the wheel, as the daemon takes it at start: store, register,
// plan. Run inside a storage unit, so what it stores and the messages that
// implies commit together.
void run_engine(Storage& storage, Config files, const Clock& clock, std::ostream& out) {
  auto snap = build_snapshot(std::move(files), storage, clock, 1);
  const SyncStats& s = snap->sync;
  out << "stored " << format_date(snap->horizon_from) << " to " << format_date(snap->horizon_to) << ": " << s.inserted
      << " new, " << s.changed << " changed, " << s.cancelled << " cancelled, " << s.restored << " restored, "
      << s.kept_past << " kept as held, " << s.unchanged << " unchanged\n";
  int registered = 0, waiting = 0;
  for (const auto& r : snap->registrations) (r.occurrence_uid.empty() ? waiting : registered)++;
  out << "registrations: " << registered << " registered, " << waiting << " waiting, "
      << snap->registration_changes.size() << " changed now\n";
  out << "outbox: " << plan_outbox(*snap, storage, clock.now(), clock.now() + kPlanAhead) << "\n";
}

int cmd_sync(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  auto c = load(a, err);
  if (!c) return 1;
  auto db = a.options.find("--db");
  if (db == a.options.end()) {
    err << "arshjul sync: --db FILE is required\n";
    return 2;
  }
  auto storage = open_db(db->second, err);
  if (!storage) return 1;
  std::ostringstream report;  // told only once it is committed
  storage->all_or_nothing([&] { run_engine(*storage, std::move(*c), clock, report); });
  out << report.str();
  return 0;
}

int cmd_import(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  if (a.dir != "people") {
    err << "arshjul import: expected `import people FILE.csv`, got \"" << a.dir << "\"\n";
    return 2;
  }
  const std::string file = option(a, "__arg2", "");
  if (file.empty()) {
    err << "arshjul import people: missing the CSV file\n";
    return 2;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot read: " << std::strerror(errno) << "\n";
    return 1;
  }
  // UTF-16 with its byte order mark (Excel's "Unicode text") is read as
  // such; an export in a Windows code page when --charset names it (as
  // the API's charset= does); anything else must be UTF-8, as import_people checks.
  const auto csv = to_utf8(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
                           ascii_lower(option(a, "--charset", "")));
  if (!csv) {
    err << file << ": " << csv.error() << "\n";
    return 1;
  }
  Args with_dir = a;
  with_dir.dir = option(a, "--config", "config/roros");
  auto c = load(with_dir, err);
  if (!c) return 1;
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  const bool dry_run = a.options.count("--dry-run") > 0;
  // The roster, the wheel rebuilt on it and the messages it implies commit
  // together: a crash or a full disk leaves the old roster and nothing owed.
  ImportResult r;
  std::ostringstream report;
  storage->all_or_nothing([&] {
    const Config roster = with_stored_people(*c, storage->people());
    r = import_people(*storage, roster, file, *csv, dry_run, a.options.count("--replace") > 0, clock.now(),
                      a.options.count("--strict") > 0);
    if (!r.errors.empty() || dry_run) return;
    const auto& ch = r.change;
    storage->append_audit(cli_audit(clock, "people.import", "people",
                                    "{\"added\":" + std::to_string(ch.added.size()) + ",\"changed\":" +
                                        std::to_string(ch.changed.size()) + ",\"removed\":" +
                                        std::to_string(ch.removed.size()) + ",\"file\":" + json_text(file) + "}"));
    run_engine(*storage, std::move(*c), clock, report);
  });
  for (const auto& w : r.warnings)
    err << w.file << ":" << w.line << ":" << w.column << ": warning: " << w.message << "\n";
  for (const auto& e : r.errors) err << e.to_string() << "\n";
  if (!r.errors.empty()) {
    err << file << ": " << r.error_count << " error" << (r.error_count == 1 ? "" : "s");
    if (r.error_count > r.errors.size()) err << " (the first " << r.errors.size() << " are shown)";
    err << "; nothing was imported\n";
    return 1;
  }
  const auto& ch = r.change;
  out << (dry_run ? "would add " : "added ") << ch.added.size() << ", " << (dry_run ? "change " : "changed ")
      << ch.changed.size() << ", " << (dry_run ? "remove " : "removed ") << ch.removed.size() << "; "
      << ch.unchanged.size() << " unchanged\n";
  if (dry_run) {
    auto list = [&](const char* what, const std::vector<std::string>& ids) {
      for (const auto& id : ids) out << "  " << what << " " << id << "\n";
    };
    list("add", ch.added);
    list("change", ch.changed);
    list("remove", ch.removed);
    return 0;
  }
  out << report.str();
  return 0;
}

int cmd_token_list(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.options.count("--role") || a.options.count("--name") || a.options.count("__arg2")) {
    err << "arshjul token list: takes only --db FILE\n";
    return 2;
  }
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  std::vector<std::vector<std::string>> table{{"id", "role", "name", "created", "revoked"}};
  for (const ApiToken& t : storage->api_tokens())
    table.push_back({std::to_string(t.id), t.role, t.name, date::format("%FT%TZ", t.created),
                     t.revoked ? date::format("%FT%TZ", *t.revoked) : "-"});
  print_table(out, table);
  return 0;
}

int cmd_token_revoke(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  const std::string id_text = option(a, "__arg2", "");
  if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos ||
      a.options.count("--role") || a.options.count("--name")) {
    err << "arshjul token revoke: expects the token's id from `arshjul token list`, got \"" << id_text << "\"\n";
    return 2;
  }
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  // A change and its audit row commit together.
  TokenRevocation outcome{};
  storage->all_or_nothing([&] {
    outcome = storage->revoke_api_token(std::stoll(id_text), clock.now());
    if (outcome == TokenRevocation::revoked)
      storage->append_audit(cli_audit(clock, "token.revoke", "token/" + id_text, "{\"revoked\":true}"));
  });
  switch (outcome) {
    case TokenRevocation::revoked:
      break;
    case TokenRevocation::not_found:
      err << "arshjul token revoke: there is no API token " << id_text << " (see `arshjul token list`)\n";
      return 1;
    case TokenRevocation::already_revoked:
      err << "arshjul token revoke: API token " << id_text << " is already revoked\n";
      return 1;
  }
  out << "API token " << id_text << " revoked\n";
  return 0;
}

int cmd_token(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  if (a.dir == "list") return cmd_token_list(a, out, err);
  if (a.dir == "revoke") return cmd_token_revoke(a, clock, out, err);
  if (a.dir != "create" || a.options.count("__arg2")) {
    err << "arshjul token: expected `token create --role hr|read`, `token list` or `token revoke ID`\n";
    return 2;
  }
  const std::string role = option(a, "--role", "");
  if (role != "hr" && role != "read") {
    err << "arshjul token create: --role expects hr (may change) or read (may only read), got \"" << role << "\"\n";
    return 2;
  }
  // A token belongs to one database: the one the daemon serves. Made into
  // a default file nobody serves, it is refused at sign-in with no clue why.
  const std::string db = option(a, "--db", "var/arshjul.db");
  std::error_code ec;
  const bool existed = std::filesystem::exists(db, ec);
  if (!existed && !a.options.count("--db")) {
    err << "arshjul token create: " << db << " does not exist. A token works only with the database the daemon "
        << "serves: give it as --db FILE (the file `arshjul serve --db FILE` uses)\n";
    return 1;
  }
  auto storage = open_db(db, err);
  if (!storage) return 1;
  const std::string token = new_token();
  storage->all_or_nothing([&] {
    const long long id = storage->add_api_token(token_hash(token), role, option(a, "--name", ""), clock.now());
    storage->append_audit(cli_audit(clock, "token.create", "token/" + std::to_string(id),
                                    "{\"role\":" + json_text(role) + ",\"name\":" + json_text(option(a, "--name", "")) + "}"));
  });
  out << token << "\n";
  const std::string where = std::filesystem::absolute(db, ec).lexically_normal().string();
  err << "API token with role " << role << " in " << where << " (shown once; send it as Authorization: Bearer TOKEN)\n";
  if (!existed)
    err << "note: " << where << " is a new database; the daemon accepts this token only when started with --db " << db
        << "\n";
  return 0;
}

int cmd_serve(const Args& a, const Clock& clock, std::ostream& err) {
  ServerOptions o;
  o.config_dir = option(a, "--config", o.config_dir);
  o.db_path = option(a, "--db", o.db_path);
  const std::string listen = option(a, "--listen", "127.0.0.1:8080");
  const auto colon = listen.rfind(':');
  int port = -1;
  try {
    if (colon != std::string::npos) port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    err << "arshjul serve: --listen expects HOST:PORT such as 127.0.0.1:8080, got \"" << listen << "\"\n";
    return 2;
  }
  o.host = listen.substr(0, colon);
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = static_cast<unsigned short>(port);
  try {
    o.threads = std::stoi(option(a, "--threads", "2"));
  } catch (const std::exception&) {
    o.threads = 0;
  }
  if (o.threads < 1 || o.threads > 64) {
    err << "arshjul serve: --threads expects 1 to 64\n";
    return 2;
  }
  for (auto [name, target] : {std::pair{"--request-timeout", &o.request_timeout}, std::pair{"--idle-timeout", &o.idle_timeout}}) {
    auto it = a.options.find(name);
    if (it == a.options.end()) continue;
    const std::string& v = it->second;
    if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 1) {
      err << "arshjul serve: " << name << " expects whole seconds from 1 to 99999, got \"" << v << "\"\n";
      return 2;
    }
    *target = std::chrono::seconds{std::stoi(v)};
  }
  if (auto it = a.options.find("--feed-cache-mb"); it != a.options.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 1) {
      err << "arshjul serve: --feed-cache-mb expects whole megabytes from 1 to 999999, got \"" << v << "\"\n";
      return 2;
    }
    o.feed_cache_bytes = static_cast<std::size_t>(std::stoi(v)) << 20;
  }
  o.public_url = option(a, "--public-url", "");
  if (!parse_log_format(option(a, "--log-format", "text"), o.log_format)) {
    err << "arshjul serve: --log-format expects text or json, got \"" << a.options.at("--log-format") << "\"\n";
    return 2;
  }
  // Under systemd stderr is journald's stream: it takes each line's level from its "<N>" prefix.
  o.journal = is_journal_stream(2);
  o.notify = service_notify;
  o.watchdog_interval = service_watchdog_interval();
  while (!o.public_url.empty() && o.public_url.back() == '/') o.public_url.pop_back();
  o.hook_url = option(a, "--hook", "");
  // The secret on the command line shows in `ps` to every local user; a
  // file (0600) or the environment (systemd's EnvironmentFile=) does not.
  const char* env_secret = std::getenv("ARSHJUL_HOOK_SECRET");
  const std::size_t secret_sources = a.options.count("--hook-secret") + a.options.count("--hook-secret-file") +
                                     (env_secret && *env_secret ? 1 : 0);
  if (secret_sources > 1) {
    err << "arshjul serve: give the hook's secret one way: --hook-secret, --hook-secret-file or ARSHJUL_HOOK_SECRET\n";
    return 2;
  }
  if (a.options.count("--hook-secret-file")) {
    const std::string file = a.options.at("--hook-secret-file");
    std::ifstream in(file, std::ios::binary);
    const int open_errno = errno;
    std::error_code ec;
    if (!in || std::filesystem::is_directory(file, ec)) {
      err << "arshjul serve: --hook-secret-file: cannot read " << file << ": "
          << (in ? "it is a directory" : std::strerror(open_errno)) << "\n";
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    o.hook_secret = text.str();
    while (!o.hook_secret.empty() && std::isspace(static_cast<unsigned char>(o.hook_secret.back()))) o.hook_secret.pop_back();
    if (o.hook_secret.empty()) {
      err << "arshjul serve: --hook-secret-file: " << file << " is empty; expected whsec_... on its first line\n";
      return 1;
    }
  } else if (env_secret && *env_secret) {
    o.hook_secret = env_secret;
  } else {
    o.hook_secret = option(a, "--hook-secret", "");
  }
  if (o.hook_url.empty() != o.hook_secret.empty()) {
    err << "arshjul serve: --hook and its secret (--hook-secret-file, ARSHJUL_HOOK_SECRET or --hook-secret) go together\n";
    return 2;
  }
  if (a.options.count("--clock")) {
    auto start = parse_instant(a.options.at("--clock"));
    if (!start) {
      err << "arshjul serve: --clock: " << start.error() << "\n";
      return 2;
    }
    double speed = 1;
    try {
      speed = std::stod(option(a, "--clock-speed", "1"));
    } catch (const std::exception&) {
      speed = -1;
    }
    if (!(speed > 0 && speed <= 1e9)) {
      err << "arshjul serve: --clock-speed expects a factor above 0 and at most 1000000000\n";
      return 2;
    }
    SimulatedClock simulated(*start, speed);
    return serve(o, simulated, err);
  }
  if (a.options.count("--clock-speed")) {
    err << "arshjul serve: --clock-speed needs --clock\n";
    return 2;
  }
  return serve(o, clock, err);
}

// outbox retry --dead: dead letters in bulk, by hook and due period.
int cmd_outbox_retry_dead(const Args& a, Storage& storage, const Clock& clock, std::ostream& out, std::ostream& err) {
  if (a.options.count("__arg2")) {
    err << "arshjul outbox retry: give either a message ID or --dead, not both\n";
    return 2;
  }
  std::optional<LocalDays> days[2];
  const char* names[2] = {"--from", "--to"};
  for (int i = 0; i < 2; ++i) {
    const std::string text = option(a, names[i], "");
    if (text.empty()) continue;
    auto d = parse_date(text);
    if (!d) {
      err << "arshjul outbox retry: " << names[i] << ": " << d.error() << "\n";
      return 2;
    }
    days[i] = *d;
  }
  if (days[0] && days[1] && *days[1] < *days[0]) {
    err << "arshjul outbox retry: --to (" << format_date(*days[1]) << ") is before --from (" << format_date(*days[0]) << ")\n";
    return 2;
  }
  std::string zone_name = "Europe/Oslo";
  if (a.options.count("--config")) {
    Args with_dir = a;
    with_dir.dir = a.options.at("--config");
    auto c = load(with_dir, err);
    if (!c) return 1;
    zone_name = c->organisation.timezone;
  }
  auto zone = find_zone(zone_name);
  if (!zone) {
    err << "arshjul outbox retry: " << zone.error() << "\n";
    return 1;
  }
  const std::string hook = option(a, "--hook", "");
  int n = 0;
  storage.all_or_nothing([&] {
    n = retry_dead_letters(storage, *zone, hook, days[0], days[1], clock.now());
    storage.append_audit(cli_audit(clock, "outbox.retry_dead", hook.empty() ? "outbox" : "hook/" + hook,
                                   "{\"retried\":" + std::to_string(n) + "}"));
  });
  out << n << " dead letter" << (n == 1 ? "" : "s") << " will be sent again";
  if (!hook.empty()) out << "; hook " << hook << " is enabled";
  out << "\n";
  return 0;
}

int cmd_outbox(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  if (a.dir == "list") {
    for (const char* o : {"--hook", "--from", "--to", "--config"})
      if (a.options.count(o)) {
        err << "arshjul outbox list: " << o << " belongs to `outbox retry --dead`\n";
        return 2;
      }
    std::string status = a.options.count("--dead") ? "dead" : option(a, "--status", "");
    if (!status.empty() && status != "pending" && status != "sent" && status != "dead" && status != "dropped") {
      err << "arshjul outbox list: --status expects pending, sent, dead or dropped\n";
      return 2;
    }
    int limit = 100;
    try {
      limit = std::stoi(option(a, "--limit", "100"));
    } catch (const std::exception&) {
      limit = 0;
    }
    if (limit < 1) {
      err << "arshjul outbox list: --limit expects a positive number\n";
      return 2;
    }
    std::vector<std::vector<std::string>> table{
        {"id", "status", "attempts", "due", "event", "hook", "recipient", "webhook-id", "occurrence", "last error"}};
    for (const auto& m : storage->outbox(status, limit))
      table.push_back({std::to_string(m.id), m.status, std::to_string(m.attempts), date::format("%FT%TZ", m.due),
                       m.event_type, m.hook, m.recipient, m.webhook_id, m.occurrence_uid, m.last_error});
    print_table(out, table);
    return 0;
  }
  if (a.dir == "retry" && a.options.count("--dead")) return cmd_outbox_retry_dead(a, *storage, clock, out, err);
  if (a.dir.rfind("retry", 0) == 0) {
    const std::string id_text = option(a, "__arg2", "");
    long long id = 0;
    try {
      id = std::stoll(id_text);
    } catch (const std::exception&) {
      id = 0;
    }
    if (id <= 0) {
      err << "arshjul outbox retry: expects the message id from `arshjul outbox list --dead`\n";
      return 2;
    }
    bool retried = false;
    storage->all_or_nothing([&] {
      retried = storage->retry(id, clock.now());
      if (retried)
        storage->append_audit(cli_audit(clock, "outbox.retry", "outbox/" + std::to_string(id), "{\"status\":\"pending\"}"));
    });
    if (!retried) {
      err << "arshjul outbox retry: message " << id << " is not a dead or dropped message\n";
      return 1;
    }
    out << "message " << id << " will be sent again\n";
    return 0;
  }
  err << "arshjul outbox: expected `list` or `retry ID`\n";
  return 2;
}

int cmd_subscribe(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  Args with_dir = a;
  with_dir.dir = option(a, "--config", "config/roros");
  auto c = load(with_dir, err);
  if (!c) return 1;
  std::string filter_text;
  int kinds = 0;
  for (const char* k : {"--person", "--role", "--unit", "--wheel"})
    if (auto it = a.options.find(k); it != a.options.end()) {
      filter_text = std::string(k + 2) + ":" + it->second;
      ++kinds;
    }
  if (a.options.count("--all")) {
    filter_text = "all";
    ++kinds;
  }
  const bool everyone = a.options.count("--everyone");
  if (kinds + everyone != 1) {
    err << "arshjul subscribe: give exactly one of --person ID, --role ROLE, --unit ID, --wheel ID, --all, --everyone\n";
    return 2;
  }
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  *c = with_stored_people(std::move(*c), storage->people());
  if (everyone) {
    // The links the daemon would send each person (at --base-url, else the
    // public_url it last stored), created in one commit and audited once.
    std::vector<std::string> ids;
    for (const Person& p : c->people) ids.push_back(p.id);
    std::vector<PersonalLinks> links;
    storage->all_or_nothing([&] {
      links = personal_links(*storage, ids, clock.now(), option(a, "--base-url", ""));
      storage->append_audit(cli_audit(clock, "subscription.create_personal", "people",
                                      "{\"people\":" + std::to_string(ids.size()) + "}"));
    });
    auto cell = [](const std::string& v) {
      if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
      std::string quoted = "\"";
      for (char ch : v) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return quoted + "\"";
    };
    out << "id,name,email,feed_url,page_url\n";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const Person& p = c->people[i];
      out << cell(p.id) << ',' << cell(p.name) << ',' << cell(p.email) << ',' << cell(links[i].feed_url) << ','
          << cell(links[i].page_url) << '\n';
    }
    return 0;
  }
  auto filter = parse_feed_filter(*c, filter_text);
  if (!filter) {
    err << "arshjul subscribe: " << filter.error() << "\n";
    return 1;
  }
  const std::string token = new_token();
  const SubscriptionLinks links = subscription_links(option(a, "--base-url", "http://127.0.0.1:8080"), token, *filter);
  // Stored, audited and announced to the config's hooks in one transaction, as the API does.
  storage->create_subscription(
      token_hash(token), filter->to_string(), "", clock.now(),
      cli_audit(clock, "subscription.create", "",
                "{\"filter\":" + json_text(filter->to_string()) + ",\"name\":" + json_text(feed_name(*c, *filter)) + "}"),
      [&](long long id) { return subscription_messages(*c, id, *filter, links, "cli", clock.now()); });
  out << "subscription: " << feed_name(*c, *filter) << " (" << filter->to_string() << ")\n";
  out << "url:    " << links.feed_url << "\n";
  if (!links.page_url.empty()) out << "page:   " << links.page_url << "\n";
  out << "webcal: " << links.webcal_url << "\n";
  out << "token:  " << token << "  (shown once; revoke with: arshjul unsubscribe TOKEN)\n";
  // The feed's size from the config alone (this year and next, nothing stored):
  // the daemon's feed adds only what took place or was cancelled.
  auto estimate = std::make_shared<Snapshot>();
  estimate->config = std::move(*c);
  const int year = static_cast<int>(
      date::year_month_day{date::floor<date::days>(to_local(clock.now(), estimate->config.organisation.zone))}.year());
  estimate->expansion = expand(estimate->config, LocalDays{date::year{year} / 1 / 1}, LocalDays{date::year{year + 1} / 12 / 31});
  // On stderr with the CLI's other warnings: stdout stays the links alone.
  if (auto notice = large_feed_notice(render_feed(*estimate, *filter, clock.now())))
    err << "warning: " << *notice << "\n";
  return 0;
}

int cmd_unsubscribe(const Args& a, const Clock& clock, std::ostream& out, std::ostream& err) {
  auto storage = open_db(option(a, "--db", "var/arshjul.db"), err);
  if (!storage) return 1;
  std::string token = a.dir;
  // Accept the whole URL too: people paste what they have.
  if (auto p = token.rfind("/feeds/"); p != std::string::npos) token = token.substr(p + 7);
  if (token.size() > 4 && token.substr(token.size() - 4) == ".ics") token.resize(token.size() - 4);
  const std::string hash = token_hash(token);
  std::optional<Subscription> found;
  for (auto& [h, sub] : storage->active_subscriptions())
    if (h == hash) found = sub;
  if (!found || storage->revoke_subscription(found->id, clock.now(),
                                             cli_audit(clock, "subscription.revoke", "", "{\"revoked\":true}",
                                                       "{\"filter\":" + json_text(found->filter) + "}")) !=
                    Storage::Revocation::revoked) {
    err << "arshjul unsubscribe: no active subscription has that token\n";
    return 1;
  }
  out << "revoked\n";
  return 0;
}

int cmd_backup(const Args& a, std::ostream& out, std::ostream& err) {
  const std::string db = option(a, "--db", "var/arshjul.db");
  auto done = backup_sqlite(db, a.dir);
  if (!done) {
    err << "arshjul backup: " << done.error() << "\n";
    return 1;
  }
  out << "backup: " << done->path << " (" << done->bytes << " bytes, " << done->pages << " pages, schema version "
      << done->schema_version << ", integrity ok) from " << db << "\n";
  return 0;
}

}  // namespace

int run_cli(int argc, const char* const* argv, const Clock& clock, std::ostream& out, std::ostream& err) {
  if (argc < 2) {
    err << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    out << kUsage;
    return 0;
  }
  std::vector<std::string> allowed;
  if (cmd == "check") allowed = {"--year", "--db"};
  else if (cmd == "preview") allowed = {"--year", "--wheel", "--db"};
  else if (cmd == "export") allowed = {"--year", "--wheel", "--output", "--db"};
  else if (cmd == "render") allowed = {"--year", "--wheel", "--output"};
  else if (cmd == "sync") allowed = {"--db"};
  else if (cmd == "serve")
    allowed = {"--config", "--db", "--listen", "--threads", "--request-timeout", "--idle-timeout", "--feed-cache-mb",
               "--hook", "--hook-secret", "--hook-secret-file", "--clock", "--clock-speed", "--public-url",
               "--log-format"};
  else if (cmd == "import") allowed = {"--config", "--db", "--charset"};
  else if (cmd == "token") allowed = {"--role", "--name", "--db"};
  else if (cmd == "outbox") allowed = {"--db", "--status", "--limit", "--hook", "--from", "--to", "--config"};
  else if (cmd == "subscribe") allowed = {"--config", "--db", "--base-url", "--person", "--role", "--unit", "--wheel"};
  else if (cmd == "unsubscribe") allowed = {"--db"};
  else if (cmd == "backup") allowed = {"--db"};
  else {
    err << "arshjul: unknown command \"" << cmd << "\"\n" << kUsage;
    return 2;
  }
  const bool positional = cmd != "serve" && cmd != "subscribe";
  const std::vector<std::string> flags = cmd == "subscribe" ? std::vector<std::string>{"--all", "--everyone"}
                                         : cmd == "outbox"  ? std::vector<std::string>{"--dead"}
                                         : cmd == "import"  ? std::vector<std::string>{"--dry-run", "--replace", "--strict"}
                                         : cmd == "preview" ? std::vector<std::string>{"--participants"}
                                                            : std::vector<std::string>{};
  auto args = parse_args(argc, argv, err, allowed, flags, positional);
  if (!args) return 2;
  if (cmd == "serve") return cmd_serve(*args, clock, err);
  if (cmd == "subscribe") return cmd_subscribe(*args, clock, out, err);
  if (cmd == "unsubscribe") return cmd_unsubscribe(*args, clock, out, err);
  if (cmd == "outbox") return cmd_outbox(*args, clock, out, err);
  if (cmd == "import") return cmd_import(*args, clock, out, err);
  if (cmd == "token") return cmd_token(*args, clock, out, err);
  if (cmd == "backup") return cmd_backup(*args, out, err);
  if (cmd == "check") return cmd_check(*args, clock, out, err);
  if (cmd == "preview") return cmd_preview(*args, clock, out, err);
  if (cmd == "export") return cmd_export(*args, clock, out, err);
  if (cmd == "render") return cmd_render(*args, clock, out, err);
  return cmd_sync(*args, clock, out, err);
}

}  // namespace arshjul
