#include "workflows/config_loader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "calendars/political.h"
#include "workflows/people.h"
#include "workflows/text.h"

namespace arshjul {
namespace {

struct Pos {
  int line = 0;
  int column = 0;
};

Pos pos_of(const toml::source_region& r) {
  return {static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string type_name(const toml::node& n) {
  std::ostringstream os;
  os << n.type();
  return os.str();
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}


constexpr std::string_view kExpectedRoundDay =
    "expected \"open±N(d|w)\" or \"close±N(d|w)\" (e.g. \"open-6w\", \"close+12d\")";

bool looks_relative(std::string_view text) {
  return text.starts_with("open") || text.starts_with("close");
}

// "open", "close", "open-6w", "close+12d".
Expected<RoundDay> parse_round_day(std::string_view text) {
  const Error bad{std::string(kExpectedRoundDay) + ", got " + quoted(text)};
  RoundDay d;
  std::string_view rest;
  if (text.starts_with("open")) {
    rest = text.substr(4);
  } else if (text.starts_with("close")) {
    d.anchor = RoundDay::Anchor::close;
    rest = text.substr(5);
  } else {
    return bad;
  }
  if (rest.empty()) return d;
  if (rest.size() < 3 || (rest.front() != '+' && rest.front() != '-') || (rest.back() != 'd' && rest.back() != 'w'))
    return bad;
  const std::string_view digits = rest.substr(1, rest.size() - 2);
  if (digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad;
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  const int days = n * (rest.back() == 'w' ? 7 : 1);
  // Further would blur which round an occurrence belongs to.
  if (days > 366) return Error{"expected at most a year from the round's opening or closing day (366d, 52w), got " + quoted(text)};
  d.offset_days = rest.front() == '-' ? -days : days;
  return d;
}

int days_after_opening(const Round& r, RoundDay d) {
  return (d.anchor == RoundDay::Anchor::close ? r.open_days - 1 : 0) + d.offset_days;
}

// A reference to another part of the config, checked once everything is read.
struct Reference {
  enum class To { level, unit, committee, person };
  To to;
  std::string id;
  std::string file;
  Pos pos;
  std::string field;
};

class Loader {
 public:
  std::vector<ConfigError> errors;

  void error(const std::string& file, Pos p, std::string field, std::string message) {
    errors.push_back({file, p.line, p.column, std::move(field), std::move(message)});
  }

  // ---- generic table access -------------------------------------------------

  void check_keys(const toml::table& t, const std::string& file, const std::string& path,
                  const std::vector<std::string>& allowed) {
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string msg = "unknown key " + quoted(key);
      if (auto s = did_you_mean(key, allowed)) msg += " (did you mean " + quoted(*s) + "?)";
      else msg += " (expected one of: " + join(allowed, ", ") + ")";
      error(file, pos_of(k.source()), path.empty() ? key : path + "." + key, msg);
    }
  }

  const toml::node* find(const toml::table& t, std::string_view key) { return t.get(key); }

  static bool misspelt_in(const toml::table& t, std::string_view key) {
    for (auto&& [k, v] : t)
      if (k.str() != key && did_you_mean(k.str(), {std::string(key)})) return true;
    return false;
  }

  std::optional<std::string> get_string(const toml::table& t, std::string_view key, const std::string& file,
                                        const std::string& path, bool required) {
    const toml::node* n = find(t, key);
    const std::string field = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!n) {
      // A misspelt key ("duraton") is already reported as unknown, with the suggestion.
      if (required && !misspelt_in(t, key)) error(file, pos_of(t.source()), field, "missing required key " + quoted(key));
      return std::nullopt;
    }
    if (!n->is_string()) {
      error(file, pos_of(n->source()), field, "expected a string, got " + type_name(*n));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  std::optional<std::string> get_id(const toml::table& t, std::string_view key, const std::string& file,
                                    const std::string& path, bool required = true) {
    auto s = get_string(t, key, file, path, required);
    if (s && !valid_id(*s)) {
      error(file, pos_of(t.get(key)->source()), path.empty() ? std::string(key) : path + "." + std::string(key),
            "expected an id of lower-case letters, digits and '-' (at most 64), got " + quoted(*s));
      return std::nullopt;
    }
    return s;
  }

  std::optional<long long> get_int(const toml::table& t, std::string_view key, const std::string& file,
                                   const std::string& path, long long min, long long max) {
    const toml::node* n = find(t, key);
    if (!n) return std::nullopt;
    const std::string field = path + "." + std::string(key);
    if (!n->is_integer()) {
      error(file, pos_of(n->source()), field, "expected an integer, got " + type_name(*n));
      return std::nullopt;
    }
    const long long v = n->as_integer()->get();
    if (v < min || v > max) {
      error(file, pos_of(n->source()), field,
            "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                std::to_string(v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> get_bool(const toml::table& t, std::string_view key, const std::string& file,
                               const std::string& path) {
    const toml::node* n = find(t, key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      error(file, pos_of(n->source()), path + "." + std::string(key), "expected true or false, got " + type_name(*n));
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  // A list of strings, each passed with its position to `each`.
  template <class F>
  void for_strings(const toml::table& t, std::string_view key, const std::string& file, const std::string& path,
                   F&& each) {
    const toml::node* n = find(t, key);
    if (!n) return;
    const std::string field = path + "." + std::string(key);
    if (!n->is_array()) {
      error(file, pos_of(n->source()), field, "expected an array of strings, got " + type_name(*n));
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      const std::string f = field + "[" + std::to_string(i++) + "]";
      if (!e.is_string()) {
        error(file, pos_of(e.source()), f, "expected a string, got " + type_name(e));
        continue;
      }
      each(e.as_string()->get(), pos_of(e.source()), f);
    }
  }

  // The tables of an array of tables ([[name]]), each with its path.
  template <class F>
  void for_tables(const toml::table& root, std::string_view key, const std::string& file, F&& each) {
    const toml::node* n = find(root, key);
    if (!n) return;
    if (!n->is_array_of_tables()) {
      error(file, pos_of(n->source()), std::string(key),
            "expected one or more [[" + std::string(key) + "]] tables, got " + type_name(*n));
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      each(*e.as_table(), std::string(key) + "[" + std::to_string(i++) + "]");
    }
  }

  template <class T>
  std::optional<T> parsed(Expected<T> r, const std::string& file, Pos p, const std::string& field) {
    if (!r) {
      error(file, p, field, r.error());
      return std::nullopt;
    }
    return std::move(r).value();
  }

  Pos pos_in(const toml::table& t, std::string_view key) {
    const toml::node* n = t.get(key);
    return n ? pos_of(n->source()) : pos_of(t.source());
  }

  // ---- the outbox and a hook's retry schedule -----------------------------

  // A retry delay: "5s", or a duration as elsewhere ("5m", "2h", "1h30m").
  static Expected<Seconds> parse_retry_delay(std::string_view text) {
    if (text.size() >= 2 && text.back() == 's' &&
        std::all_of(text.begin(), text.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; }) && text.size() <= 7) {
      const long long n = std::stoll(std::string(text.substr(0, text.size() - 1)));
      if (n > 0) return Seconds{n};
    }
    auto d = parse_duration(text);
    if (!d) return Error{"expected a delay such as \"5s\", \"5m\", \"2h\" or \"1h30m\", got " + quoted(std::string(text))};
    return d;
  }

  // retry = ["5s", "5m", ...]: the delay after each failure, the last one
  // repeating. Without max_attempts, the list also says how many attempts
  // there are: one more than it has delays.
  void read_retry(const toml::table& t, const std::string& file, const std::string& p, Hook& h) {
    if (!t.get("retry")) return;
    std::vector<Seconds> delays;
    bool ok = true;
    for_strings(t, "retry", file, p, [&](const std::string& text, Pos ep, const std::string& f) {
      auto d = parse_retry_delay(text);
      if (!d) {
        ok = false;
        return error(file, ep, f, d.error());
      }
      if (*d > Seconds{7 * 86400}) {
        ok = false;
        return error(file, ep, f, "a retry delay may be at most 7 days, got " + quoted(text));
      }
      delays.push_back(*d);
    });
    const toml::node* n = t.get("retry");
    if (n->is_array() && delays.empty() && ok)
      return error(file, pos_of(n->source()), p + ".retry", "expected at least one delay, e.g. [\"5s\", \"5m\", \"30m\"]");
    if (n->is_array() && delays.size() > 49) {
      ok = false;
      error(file, pos_of(n->source()), p + ".retry", "expected at most 49 delays (50 attempts), got " + std::to_string(delays.size()));
    }
    if (!ok || delays.empty()) return;
    h.retry = std::move(delays);
    h.max_attempts = static_cast<int>(h.retry.size()) + 1;  // max_attempts, when given, is read after this
  }

  void read_outbox(const toml::table& root, const std::string& file, Config& c) {
    const toml::node* n = root.get("outbox");
    if (!n) return;
    if (!n->is_table()) return error(file, pos_of(n->source()), "outbox", "expected an [outbox] table, got " + type_name(*n));
    const toml::table& t = *n->as_table();
    check_keys(t, file, "outbox", {"retention"});
    auto text = get_string(t, "retention", file, "outbox", false);
    if (!text) return;
    auto d = parsed(parse_duration(*text), file, pos_in(t, "retention"), "outbox.retention");
    if (!d) return;
    // Under 30 days a pruned task notice could be planned again (overdue
    // notices go out up to 14 days after the deadline).
    if (*d < Seconds{30 * 86400})
      return error(file, pos_in(t, "retention"), "outbox.retention", "expected at least \"30d\", got " + quoted(*text));
    c.outbox_retention = *d;
  }

  void read_sign_in(const toml::table& root, const std::string& file, Config& c) {
    const toml::node* n = root.get("sign_in");
    if (!n) return;
    const std::string p = "sign_in";
    if (!n->is_table()) return error(file, pos_of(n->source()), p, "expected a [sign_in] table, got " + type_name(*n));
    const toml::table& t = *n->as_table();
    check_keys(t, file, p,
               {"issuer", "client_id", "client_secret_file", "client_secret_env", "redirect_path", "person_claim",
                "hr_claim", "hr_value", "ca_file", "session_length"});
    SignIn s;
    const auto issuer = get_string(t, "issuer", file, p, true);
    const auto client = get_string(t, "client_id", file, p, true);
    if (issuer) {
      // The hooks' URL rules: https, or plain http to a loopback address only.
      if (auto problem = check_hook_url(*issuer, false)) {
        // There is no `insecure` here: a provider off this machine is reached over https.
        if (const auto cut = problem->find("; use https:// or set insecure"); cut != std::string::npos)
          *problem = problem->substr(0, cut) + "; use https://";
        error(file, pos_in(t, "issuer"), p + ".issuer", *problem);
      }
      s.issuer = *issuer;
    }
    if (client) s.client_id = *client;
    if (auto v = get_string(t, "client_secret_file", file, p, false)) s.client_secret_file = *v;
    if (auto v = get_string(t, "client_secret_env", file, p, false)) s.client_secret_env = *v;
    if (s.client_secret_file.empty() == s.client_secret_env.empty())
      error(file, pos_of(t.source()), p,
            "expected exactly one of client_secret_file (a file holding the client secret) or client_secret_env (the "
            "name of an environment variable holding it)");
    if (auto v = get_string(t, "redirect_path", file, p, false)) {
      // Under /login/: the daemon routes that prefix to the pages.
      if (v->rfind("/login/", 0) != 0 || v->size() < 8 || v->find_first_of("?#% ") != std::string::npos)
        error(file, pos_in(t, "redirect_path"), p + ".redirect_path",
              "expected a path under /login/ such as \"/login/callback\", got " + quoted(*v));
      else s.redirect_path = *v;
    }
    if (auto v = get_string(t, "person_claim", file, p, false)) s.person_claim = *v;
    const auto hr_claim = get_string(t, "hr_claim", file, p, false);
    const auto hr_value = get_string(t, "hr_value", file, p, false);
    if (hr_claim.has_value() != hr_value.has_value())
      error(file, pos_in(t, hr_claim ? "hr_claim" : "hr_value"), p + (hr_claim ? ".hr_value" : ".hr_claim"),
            "expected hr_claim and hr_value together (e.g. hr_claim = \"groups\", hr_value = the HR group's id)");
    if (hr_claim) s.hr_claim = *hr_claim;
    if (hr_value) s.hr_value = *hr_value;
    if (auto v = get_string(t, "ca_file", file, p, false)) s.ca_file = *v;
    if (auto text = get_string(t, "session_length", file, p, false)) {
      if (auto d = parsed(parse_duration(*text), file, pos_in(t, "session_length"), p + ".session_length")) {
        if (*d < Seconds{300} || *d > Seconds{30 * 86400})
          error(file, pos_in(t, "session_length"), p + ".session_length",
                "expected from \"5m\" to \"30d\", got " + quoted(*text));
        else s.session_length = *d;
      }
    }
    c.sign_in = std::move(s);
  }

  // ---- the organisation file ---------------------------------------------

  // HR's mailbox as the feeds' ORGANIZER: { name = "...", email = "hr@..." }.
  void read_organizer(const toml::node& n, const std::string& file, const std::string& f, Organisation& o) {
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { name = \"HR-avdelingen\", email = \"hr@kommune.no\" }, got " + type_name(n));
      return;
    }
    const toml::table& t = *n.as_table();
    check_keys(t, file, f, {"name", "email"});
    auto name = get_string(t, "name", file, f, true);
    auto email = get_string(t, "email", file, f, true);
    if (name && name->find('"') != std::string::npos) {
      error(file, pos_in(t, "name"), f + ".name", "a calendar's CN cannot hold '\"', got " + quoted(*name));
      name.reset();
    }
    if (email) {
      const auto at = email->find('@');
      const bool plain = std::none_of(email->begin(), email->end(), [](unsigned char c) {
        return c <= ' ' || c == '"' || c == '<' || c == '>' || c == ',' || c == ';' || c == ':' || c == 127;
      });
      if (at == std::string::npos || at == 0 || at + 1 == email->size() || email->find('@', at + 1) != std::string::npos ||
          !plain) {
        error(file, pos_in(t, "email"), f + ".email",
              "expected one mailbox like \"hr@kommune.no\" (without mailto:), got " + quoted(*email));
        email.reset();
      }
    }
    if (name && email) o.organizer = {*name, *email};
  }

  // political_calendar = { url = "https://...", refresh = "6h", ca_file = "..." }
  void read_political_calendar_url(const toml::node& n, const std::string& file, const std::string& f, Organisation& o) {
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { url = \"https://...\", refresh = \"6h\" } (the møteplan's iCalendar address), got " +
                type_name(n));
      return;
    }
    const toml::table& t = *n.as_table();
    check_keys(t, file, f, {"url", "refresh", "ca_file"});
    PoliticalCalendarUrl pc;
    auto url = get_string(t, "url", file, f, true);
    if (url) {
      // The hooks' rules: https, or plain http to a loopback address only.
      if (auto problem = check_hook_url(*url, false)) {
        if (const auto cut = problem->find("; use https:// or set insecure"); cut != std::string::npos)
          *problem = problem->substr(0, cut) + "; use https://";
        error(file, pos_in(t, "url"), f + ".url", *problem);
        url.reset();
      }
    }
    if (auto text = get_string(t, "refresh", file, f, false)) {
      if (auto d = parsed(parse_duration(*text), file, pos_in(t, "refresh"), f + ".refresh")) {
        // Under 5 minutes hammers the municipality's server; over a week
        // misses a meeting added at short notice.
        if (*d < Seconds{300} || *d > Seconds{7 * 86400})
          error(file, pos_in(t, "refresh"), f + ".refresh", "expected from \"5m\" to \"7d\", got " + quoted(*text));
        else pc.refresh = *d;
      }
    }
    if (auto v = get_string(t, "ca_file", file, f, false)) pc.ca_file = *v;
    if (url) {
      pc.url = *url;
      o.political_calendar = std::move(pc);
      political_url_at_ = {file, pos_in(t, "url"), f + ".url"};
    }
  }

  // Where organisation.political_calendar.url was read, for errors about it found later.
  struct Where {
    std::string file;
    Pos pos;
    std::string field;
  };
  std::optional<Where> political_url_at_;

  void read_organisation(const toml::table& root, const std::string& file, Config& c) {
    check_keys(root, file, "", {"organisation", "level", "unit", "committee", "hook", "outbox", "sign_in"});
    read_sign_in(root, file, c);
    read_outbox(root, file, c);
    const toml::node* on = root.get("organisation");
    if (!on || !on->is_table()) {
      error(file, on ? pos_of(on->source()) : Pos{1, 1}, "organisation",
            on ? "expected an [organisation] table" : "missing the [organisation] table");
    } else {
      const toml::table& t = *on->as_table();
      const std::string p = "organisation";
      check_keys(t, file, p,
                 {"id", "name", "timezone", "holidays", "half_days", "blackouts", "organizer", "political_calendar"});
      auto& o = c.organisation;
      if (auto v = get_id(t, "id", file, p)) o.id = *v;
      if (auto v = get_string(t, "name", file, p, true)) o.name = *v;
      if (auto v = get_string(t, "timezone", file, p, false)) o.timezone = *v;
      if (auto z = parsed(find_zone(o.timezone), file, pos_in(t, "timezone"), p + ".timezone")) o.zone = *z;
      if (auto v = get_string(t, "holidays", file, p, false)) {
        if (*v == "NO") o.working_days.public_holidays = true;
        else if (*v == "none") o.working_days.public_holidays = false;
        else error(file, pos_in(t, "holidays"), p + ".holidays", "expected \"NO\" or \"none\", got " + quoted(*v));
      }
      if (auto v = get_bool(t, "half_days", file, p)) o.working_days.half_days = *v;
      if (const toml::node* n = t.get("organizer")) read_organizer(*n, file, p + ".organizer", o);
      if (const toml::node* n = t.get("political_calendar")) read_political_calendar_url(*n, file, p + ".political_calendar", o);
      if (const toml::node* b = t.get("blackouts")) {
        if (!b->is_array()) {
          error(file, pos_of(b->source()), p + ".blackouts", "expected an array of { name, from, to } tables");
        } else {
          std::size_t i = 0;
          for (const toml::node& e : *b->as_array()) {
            const std::string f = p + ".blackouts[" + std::to_string(i++) + "]";
            if (!e.is_table()) {
              error(file, pos_of(e.source()), f,
                    "expected a table { name = ..., from = \"MM-DD\", to = \"MM-DD\" }, { name = ..., week = N }, "
                    "{ name = ..., date = \"YYYY-MM-DD\" } or { name = ..., from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\" }");
              continue;
            }
            const toml::table& bt = *e.as_table();
            auto name = get_string(bt, "name", file, f, true);
            if (const toml::node* ws = bt.get("weeks")) {  // { name = "Fellesferie", weeks = [28, 29, 30] }
              check_keys(bt, file, f, {"name", "weeks"});
              const toml::array* list = ws->as_array();
              if (!list || list->empty()) {
                error(file, pos_of(ws->source()), f + ".weeks",
                      "expected ISO week numbers 1-53 (weeks = [28, 29, 30]), got " +
                          (list ? std::string("an empty array") : type_name(*ws)));
                continue;
              }
              std::size_t k = 0;
              for (const toml::node& wn : *list) {
                const std::string wf = f + ".weeks[" + std::to_string(k++) + "]";
                const auto* w = wn.as_integer();
                if (!w || w->get() < 1 || w->get() > 53) {
                  error(file, pos_of(wn.source()), wf, "expected an ISO week number 1-53, got " +
                                                           (w ? std::to_string(w->get()) : type_name(wn)));
                  continue;
                }
                if (name) o.working_days.blackouts.push_back({*name, {}, {}, static_cast<unsigned>(w->get())});
              }
              continue;
            }
            if (bt.get("week")) {
              check_keys(bt, file, f, {"name", "week"});
              if (auto w = get_int(bt, "week", file, f, 1, 53); w && name)
                o.working_days.blackouts.push_back({*name, {}, {}, static_cast<unsigned>(*w)});
              continue;
            }
            if (bt.get("date")) {  // one day, once: { name = "Kommunevalget", date = "2027-09-13" }
              check_keys(bt, file, f, {"name", "date"});
              auto d = get_string(bt, "date", file, f, true);
              std::optional<LocalDays> day;
              if (d) day = parsed(parse_date(*d), file, pos_in(bt, "date"), f + ".date");
              if (name && day) o.working_days.blackouts.push_back({*name, {}, {}, 0, day, day});
              continue;
            }
            check_keys(bt, file, f, {"name", "from", "to", "week", "weeks", "date"});
            auto from = get_string(bt, "from", file, f, true);
            auto to = get_string(bt, "to", file, f, true);
            // A full date ("2027-06-14") makes a one-off period; "MM-DD" one that recurs every year.
            if (from && to && (from->size() > 5 || to->size() > 5)) {
              std::optional<LocalDays> df, dt;
              df = parsed(parse_date(*from), file, pos_in(bt, "from"), f + ".from");
              dt = parsed(parse_date(*to), file, pos_in(bt, "to"), f + ".to");
              if (df && dt && *dt < *df) {
                error(file, pos_in(bt, "to"), f + ".to", "a one-off period ends on or after its start, got " + quoted(*to) +
                                                             " before " + quoted(*from));
                continue;
              }
              if (name && df && dt) o.working_days.blackouts.push_back({*name, {}, {}, 0, df, dt});
              continue;
            }
            std::optional<MonthDay> mf, mt;
            if (from) mf = parsed(parse_month_day(*from), file, pos_in(bt, "from"), f + ".from");
            if (to) mt = parsed(parse_month_day(*to), file, pos_in(bt, "to"), f + ".to");
            if (name && mf && mt) o.working_days.blackouts.push_back({*name, *mf, *mt});
          }
        }
      }
    }

    std::set<std::string> level_ids;
    for_tables(root, "level", file, [&](const toml::table& t, const std::string& p) {
      check_keys(t, file, p, {"id", "name"});
      auto id = get_id(t, "id", file, p);
      auto name = get_string(t, "name", file, p, true);
      if (id && !level_ids.insert(*id).second) error(file, pos_in(t, "id"), p + ".id", "duplicate level id " + quoted(*id));
      if (id && name) c.levels.push_back({*id, *name});
    });
    if (c.levels.empty() && !root.get("level"))
      error(file, Pos{1, 1}, "level", "missing [[level]]: at least one leader level is required");

    std::set<std::string> unit_ids;
    for_tables(root, "unit", file, [&](const toml::table& t, const std::string& p) {
      check_keys(t, file, p, {"id", "name", "level", "parent"});
      auto id = get_id(t, "id", file, p);
      auto name = get_string(t, "name", file, p, true);
      auto level = get_id(t, "level", file, p);
      auto parent = get_id(t, "parent", file, p, false);
      if (id && !unit_ids.insert(*id).second) error(file, pos_in(t, "id"), p + ".id", "duplicate unit id " + quoted(*id));
      if (level) refs_.push_back({Reference::To::level, *level, file, pos_in(t, "level"), p + ".level"});
      if (parent) refs_.push_back({Reference::To::unit, *parent, file, pos_in(t, "parent"), p + ".parent"});
      if (id && name && level) {
        c.units.push_back({*id, *name, *level, parent.value_or("")});
        unit_pos_.push_back({file, pos_in(t, "parent"), p});
      }
    });
    if (!root.get("unit")) error(file, Pos{1, 1}, "unit", "missing [[unit]]: at least the top unit is required");

    std::set<std::string> hook_ids;
    for_tables(root, "hook", file, [&](const toml::table& t, const std::string& p) {
      check_keys(t, file, p,
                 {"id", "url", "secret", "events", "timeout_seconds", "max_attempts", "retry", "ca_file", "insecure"});
      Hook h;
      auto id = get_id(t, "id", file, p);
      auto url = get_string(t, "url", file, p, true);
      auto secret = get_string(t, "secret", file, p, true);
      if (id && !hook_ids.insert(*id).second) error(file, pos_in(t, "id"), p + ".id", "duplicate hook id " + quoted(*id));
      if (auto v = get_bool(t, "insecure", file, p)) h.insecure = *v;
      if (url) {
        if (auto problem = check_hook_url(*url, h.insecure)) error(file, pos_in(t, "url"), p + ".url", *problem);
        h.url = *url;
      }
      if (secret) {
        if (auto problem = check_hook_secret(*secret)) error(file, pos_in(t, "secret"), p + ".secret", *problem);
        h.secret = *secret;
      }
      const std::vector<std::string> known(std::begin(kEventTypes), std::end(kEventTypes));
      for_strings(t, "events", file, p, [&](const std::string& e, Pos ep, const std::string& f) {
        if (std::find(known.begin(), known.end(), e) == known.end()) {
          std::string msg = "unknown event type " + quoted(e);
          if (auto s = did_you_mean(e, known)) msg += " (did you mean " + quoted(*s) + "?)";
          else msg += " (expected one of: " + join(known, ", ") + ")";
          error(file, ep, f, msg);
        }
        h.events.push_back(e);
      });
      if (auto v = get_int(t, "timeout_seconds", file, p, 1, 300)) h.timeout = Seconds{*v};
      read_retry(t, file, p, h);
      if (auto v = get_int(t, "max_attempts", file, p, 1, 50)) h.max_attempts = static_cast<int>(*v);
      if (auto v = get_string(t, "ca_file", file, p, false)) h.ca_file = *v;
      if (id && url && secret) {
        h.id = *id;
        c.hooks.push_back(std::move(h));
      }
    });

    std::set<std::string> committee_ids;
    for_tables(root, "committee", file, [&](const toml::table& t, const std::string& p) {
      check_keys(t, file, p, {"id", "name"});
      auto id = get_id(t, "id", file, p);
      auto name = get_string(t, "name", file, p, true);
      if (id && !committee_ids.insert(*id).second)
        error(file, pos_in(t, "id"), p + ".id", "duplicate committee id " + quoted(*id));
      if (id && name) c.committees.push_back({*id, *name});
    });
  }

  // ---- people ----------------------------------------------------------------

  // acting = { unit = "barnehage", from = "2027-01-01", to = "2027-08-15" }
  void read_acting(const toml::node& n, const std::string& file, const std::string& f, Person& person,
                   std::map<std::string, Pos>& fields) {
    const toml::table* at = n.as_table();
    if (!at) {
      error(file, pos_of(n.source()), f,
            "expected { unit = \"ID\", from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\" } (an acting leader's unit and "
            "period), got " + type_name(n));
      return;
    }
    check_keys(*at, file, f, {"unit", "from", "to"});
    auto unit = get_id(*at, "unit", file, f);
    auto from = get_string(*at, "from", file, f, true);
    auto to = get_string(*at, "to", file, f, true);
    std::optional<LocalDays> d_from, d_to;
    if (from) d_from = parsed(parse_date(*from), file, pos_in(*at, "from"), f + ".from");
    if (to) d_to = parsed(parse_date(*to), file, pos_in(*at, "to"), f + ".to");
    for (const char* key : {"unit", "from", "to"})
      if (at->get(key)) fields.emplace(std::string("acting.") + key, pos_in(*at, key));
    if (unit && d_from && d_to) person.acting = Person::Acting{*unit, *d_from, *d_to};
  }

  struct PersonSource {
    std::string file;
    std::string path;  // "person[3]"
    Pos table;
    std::map<std::string, Pos> fields;
    // The TOML index of each committee seat read, where a bad one was skipped.
    std::vector<std::size_t> committee_at;
  };

  // committees = ["amu", { id = "ia-utvalg", from = "2027-01-01", to = "2028-12-31" }]
  void read_committees(const toml::table& t, const std::string& file, const std::string& p, Person& person,
                       PersonSource& where) {
    auto& fields = where.fields;
    const toml::node* n = find(t, "committees");
    if (!n) return;
    if (!n->is_array()) {
      error(file, pos_of(n->source()), p + ".committees",
            "expected an array of committee ids or { id, from, to } tables, got " + type_name(*n));
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      const std::string f = p + ".committees[" + std::to_string(i++) + "]";
      const std::string key = "committees[" + std::to_string(person.committees.size()) + "]";
      if (e.is_string()) {
        fields.emplace(key, pos_of(e.source()));
        person.committees.push_back({e.as_string()->get()});
        where.committee_at.push_back(i - 1);
        continue;
      }
      const toml::table* m = e.as_table();
      if (!m) {
        error(file, pos_of(e.source()), f,
              "expected a committee id or { id = \"ID\", from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\" } (from and to "
              "optional), got " + type_name(e));
        continue;
      }
      check_keys(*m, file, f, {"id", "from", "to"});
      auto id = get_id(*m, "id", file, f);
      Membership seat;
      bool ok = id.has_value();
      for (auto [name, date] : {std::pair{"from", &seat.from}, std::pair{"to", &seat.to}})
        if (auto v = get_string(*m, name, file, f, false)) {
          *date = parsed(parse_date(*v), file, pos_in(*m, name), f + "." + name);
          ok = ok && date->has_value();
        }
      if (!ok) continue;  // and its places are not recorded: `key` is the next good seat's
      seat.committee = *id;
      for (const char* name : {"from", "to"})
        if (m->get(name)) fields.emplace(key + "." + name, pos_in(*m, name));
      fields.emplace(key, pos_in(*m, "id"));
      person.committees.push_back(std::move(seat));
      where.committee_at.push_back(i - 1);
    }
  }

  // people.toml is read here (keys, types, dates, role names); what makes a
  // person acceptable is check_person's, as for the CSV import and the API,
  // and is checked in check_people once every unit, committee and person is
  // known.
  void read_people(const toml::table& root, const std::string& file, Config& c) {
    check_keys(root, file, "", {"person"});
    std::set<std::string> ids;
    for_tables(root, "person", file, [&](const toml::table& t, const std::string& p) {
      check_keys(t, file, p,
                 {"id", "name", "email", "unit", "roles", "union", "committees", "start_date", "leader_start_date",
                  "leader_end_date", "acting", "manager"});
      Person person;
      PersonSource where{file, p, pos_of(t.source()), {}, {}};
      for (const char* key : {"id", "name", "email", "unit", "roles", "union", "start_date", "leader_start_date",
                              "leader_end_date", "acting", "manager"})
        if (t.get(key)) where.fields.emplace(key, pos_in(t, key));
      auto id = get_id(t, "id", file, p);
      auto name = get_string(t, "name", file, p, true);
      if (id && !ids.insert(*id).second) error(file, pos_in(t, "id"), p + ".id", "duplicate person id " + quoted(*id));
      if (auto v = get_string(t, "email", file, p, false)) person.email = *v;
      if (auto v = get_id(t, "unit", file, p, false)) person.unit = *v;
      for_strings(t, "roles", file, p, [&](const std::string& r, Pos rp, const std::string& f) {
        if (auto role = role_from_name(r)) {
          where.fields.emplace("roles[" + std::to_string(person.roles.size()) + "]", rp);
          person.roles.push_back(*role);
        } else {
          const auto known = role_names();
          std::vector<std::string> names(known.begin(), known.end());
          std::string msg = "unknown role " + quoted(r);
          if (auto s = did_you_mean(r, names)) msg += " (did you mean " + quoted(*s) + "?)";
          else msg += " (expected one of: " + join(names, ", ") + ")";
          error(file, rp, f, msg);
        }
      });
      if (auto v = get_string(t, "union", file, p, false)) person.union_name = *v;
      read_committees(t, file, p, person, where);
      if (auto v = get_string(t, "start_date", file, p, false))
        person.start_date = parsed(parse_date(*v), file, pos_in(t, "start_date"), p + ".start_date");
      if (auto v = get_string(t, "leader_start_date", file, p, false))
        person.leader_start_date = parsed(parse_date(*v), file, pos_in(t, "leader_start_date"), p + ".leader_start_date");
      if (auto v = get_string(t, "leader_end_date", file, p, false))
        person.leader_end_date = parsed(parse_date(*v), file, pos_in(t, "leader_end_date"), p + ".leader_end_date");
      if (const toml::node* n = t.get("acting")) read_acting(*n, file, p + ".acting", person, where.fields);
      if (auto v = get_id(t, "manager", file, p, false)) person.manager = *v;
      if (id && name) {
        person.id = *id;
        person.name = *name;
        c.people.push_back(std::move(person));
        person_sources_.push_back(std::move(where));
      }
    });
  }

  // "committees[1].to" as in the file, where seat 1 may be the file's third.
  static std::string as_written(const PersonSource& where, const std::string& field) {
    constexpr std::string_view prefix = "committees[";
    if (field.rfind(prefix, 0) != 0) return field;
    const auto close = field.find(']');
    const std::size_t i = std::stoul(field.substr(prefix.size(), close - prefix.size()));
    if (i >= where.committee_at.size()) return field;
    return std::string(prefix) + std::to_string(where.committee_at[i]) + field.substr(close);
  }

  // Each person of people.toml by id: the line of their [[person]] table.
  std::shared_ptr<const std::map<std::string, SourcePosition, std::less<>>> person_positions(const Config& c) const {
    auto out = std::make_shared<std::map<std::string, SourcePosition, std::less<>>>();
    for (std::size_t i = 0; i < person_sources_.size() && i < c.people.size(); ++i)
      out->emplace(c.people[i].id, SourcePosition{person_sources_[i].file, person_sources_[i].table.line});
    return out;
  }

  // Every person of people.toml by check_person's rules, each problem at its
  // key (a missing unit or union at the roles that need it).
  void check_people(const Config& c) {
    for (auto& [index, problem] : arshjul::check_people(c)) {
      const PersonSource& where = person_sources_.at(index);
      auto at = where.fields.find(problem.field);
      if (at == where.fields.end()) at = where.fields.find("roles");
      error(where.file, at == where.fields.end() ? where.table : at->second,
            where.path + "." + as_written(where, problem.field), std::move(problem.message));
    }
  }

  // ---- wheels ----------------------------------------------------------------

  std::optional<Selector> parse_selector(const std::string& text, bool allow_participants, const std::string& file,
                                         Pos p, const std::string& field) {
    Selector s;
    s.text = text;
    if (text == "own-leader") {
      if (parsing_ && !parsing_->personal) {
        error(file, p, field,
              "\"own-leader\" is the leader of a personal series' person; this activity has no `personal`");
        return std::nullopt;
      }
      s.kind = Selector::Kind::own_leader;
      return s;
    }
    if (text == "participants") {
      if (!allow_participants) {
        error(file, p, field, "\"participants\" is only meaningful in reminders");
        return std::nullopt;
      }
      s.kind = Selector::Kind::participants;
      return s;
    }
    auto colon = text.find(':');
    if (colon != std::string::npos) {
      const std::string what = text.substr(0, colon), id = text.substr(colon + 1);
      if (what == "committee") {
        s.kind = Selector::Kind::committee;
        refs_.push_back({Reference::To::committee, id, file, p, field});
      } else if (what == "person") {
        s.kind = Selector::Kind::person;
        refs_.push_back({Reference::To::person, id, file, p, field});
      } else {
        error(file, p, field, "unknown selector " + quoted(text) + " (expected ROLE, ROLE@LEVEL, committee:ID or person:ID)");
        return std::nullopt;
      }
      s.ref = id;
      return s;
    }
    std::string role_text = text;
    auto at = text.find('@');
    if (at != std::string::npos) {
      role_text = text.substr(0, at);
      s.kind = Selector::Kind::role_at_level;
      s.ref = text.substr(at + 1);
      refs_.push_back({Reference::To::level, s.ref, file, p, field});
    }
    auto role = role_from_name(role_text);
    if (!role) {
      const auto known = role_names();
      std::vector<std::string> names(known.begin(), known.end());
      std::string msg = "unknown role " + quoted(role_text);
      if (auto sug = did_you_mean(role_text, names)) msg += " (did you mean " + quoted(*sug) + "?)";
      else msg += " (expected one of: " + join(names, ", ") + ", or committee:ID, person:ID, own-leader)";
      error(file, p, field, msg);
      return std::nullopt;
    }
    s.role = *role;
    return s;
  }

  static constexpr std::string_view kTreeSelectorHelp =
      "{ role = \"ROLE\", unit = \"UNIT\", below = true } (unit: the series' own unit when left out; below: "
      "the units under it too) or { role = \"ROLE\", unit = \"UNIT\", level = \"LEVEL\" } (the units at a level "
      "under it)";

  // A selector over the unit tree, written as a table.
  std::optional<Selector> parse_tree_selector(const toml::table& t, const std::string& file, Pos p,
                                              const std::string& field) {
    check_keys(t, file, field, {"role", "unit", "below", "level"});
    Selector s;
    s.kind = Selector::Kind::role_in_tree;
    auto role_text = get_string(t, "role", file, field, true);
    if (!role_text) return std::nullopt;
    s.text = "{ role = " + quoted(*role_text);
    auto role = role_from_name(*role_text);
    if (!role) {
      const auto known = role_names();
      std::vector<std::string> names(known.begin(), known.end());
      std::string msg = "unknown role " + quoted(*role_text);
      if (auto sug = did_you_mean(*role_text, names)) msg += " (did you mean " + quoted(*sug) + "?)";
      else msg += " (expected one of: " + join(names, ", ") + ")";
      error(file, pos_in(t, "role"), field + ".role", msg);
      return std::nullopt;
    }
    s.role = *role;
    if (auto u = get_id(t, "unit", file, field, false)) {
      s.unit = *u;
      s.text += ", unit = " + quoted(*u);
      refs_.push_back({Reference::To::unit, *u, file, pos_in(t, "unit"), field + ".unit"});
    }
    if (const toml::node* b = t.get("below")) {
      if (!b->is_boolean()) {
        error(file, pos_of(b->source()), field + ".below", "expected true or false, got " + type_name(*b));
        return std::nullopt;
      }
      s.below = b->as_boolean()->get();
      if (s.below) s.text += ", below = true";
    }
    if (auto l = get_id(t, "level", file, field, false)) {
      s.ref = *l;
      s.below = true;  // a level under a unit is below it by definition
      s.text += ", level = " + quoted(*l);
      refs_.push_back({Reference::To::level, *l, file, pos_in(t, "level"), field + ".level"});
    }
    s.text += " }";
    if (s.unit.empty() && parsing_ && parsing_->scope.kind == Scope::Kind::organisation) {
      error(file, p, field,
            "a selector over the unit tree needs a unit: give unit = \"UNIT\", or use it in an activity with "
            "scope = { level = ... } or { unit = ... }, whose series' unit it then means");
      return std::nullopt;
    }
    return s;
  }

  std::vector<Selector> selectors(const toml::table& t, std::string_view key, const std::string& file,
                                  const std::string& path, bool allow_participants) {
    std::vector<Selector> out;
    const toml::node* n = find(t, key);
    if (!n) return out;
    const std::string field = path + "." + std::string(key);
    if (!n->is_array()) {
      error(file, pos_of(n->source()), field,
            "expected an array of selectors (\"ROLE\", \"ROLE@LEVEL\", \"committee:ID\", \"person:ID\" or " +
                std::string(kTreeSelectorHelp) + "), got " + type_name(*n));
      return out;
    }
    std::size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      const std::string f = field + "[" + std::to_string(i++) + "]";
      std::optional<Selector> sel;
      if (e.is_string()) sel = parse_selector(e.as_string()->get(), allow_participants, file, pos_of(e.source()), f);
      else if (e.is_table()) sel = parse_tree_selector(*e.as_table(), file, pos_of(e.source()), f);
      else
        error(file, pos_of(e.source()), f,
              "expected a selector string or " + std::string(kTreeSelectorHelp) + ", got " + type_name(e));
      if (sel) out.push_back(std::move(*sel));
    }
    return out;
  }

  template <class E>
  std::optional<E> enum_value(const toml::table& t, std::string_view key, const std::string& file,
                              const std::string& path, const std::vector<std::pair<std::string, E>>& values) {
    auto v = get_string(t, key, file, path, false);
    if (!v) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& [n, e] : values) {
      if (n == *v) return e;
      names.push_back(n);
    }
    std::string msg = "expected one of " + join(names, ", ") + "; got " + quoted(*v);
    if (auto s = did_you_mean(*v, names)) msg += " (did you mean " + quoted(*s) + "?)";
    error(file, pos_in(t, key), path + "." + std::string(key), msg);
    return std::nullopt;
  }

  // ---- when an activity happens ----------------------------------------------

  // Rules, dates and yearly windows: the wheels without a round.
  void read_plain_when(const toml::table& t, const std::string& file, const std::string& p, const std::string& wheel_id,
                       Activity& a, bool& ok) {
    // "open-6w" here is a round date in a wheel that forgot its round.
    auto not_relative = [&](const std::string& text, Pos at, const std::string& field) {
      if (!looks_relative(text)) return true;
      error(file, at, field,
            quoted(text) + " is relative to a round, but wheel " + quoted(wheel_id) +
                " has no `round`; add round = { opens = \"MM-DD\", open_days = N, every = N, since = YYYY } to "
                "[wheel], or give a date (\"MM-DD\" or \"YYYY-MM-DD\")");
      return false;
    };
    const bool has_rule = t.get("rule"), has_dates = t.get("dates"), has_from = t.get("from") || t.get("to");
    if (a.kind == ActivityKind::window) {
      if (has_rule || has_dates || t.get("since"))
        error(file, pos_of(t.source()), p, "a window has `from` and `to` (MM-DD), not `rule`, `since` or `dates`");
      auto from = get_string(t, "from", file, p, true);
      auto to = get_string(t, "to", file, p, true);
      std::optional<MonthDay> mf, mt;
      if (from && not_relative(*from, pos_in(t, "from"), p + ".from"))
        mf = parsed(parse_month_day(*from), file, pos_in(t, "from"), p + ".from");
      if (to && not_relative(*to, pos_in(t, "to"), p + ".to"))
        mt = parsed(parse_month_day(*to), file, pos_in(t, "to"), p + ".to");
      if (mf && mt) {
        a.window_from = *mf;
        a.window_to = *mt;
      } else {
        ok = false;
      }
      return;
    }
    if (has_from)
      error(file, pos_in(t, t.get("from") ? "from" : "to"), p + ".from",
            "`from` and `to` belong to kind = \"window\"; a " + std::string(kind_name(a.kind)) +
                " has `rule` or `dates`");
    if (has_rule == has_dates) {
      error(file, pos_of(t.source()), p + (has_rule ? ".dates" : ".rule"),
            has_rule ? "give either `rule` or `dates`, not both" : "missing `rule` (an RRULE) or `dates`");
      ok = false;
    }
    LocalDays since = LocalDays{date::year{2024} / 1 / 1};
    if (auto s = get_string(t, "since", file, p, false)) {
      if (auto d = parsed(parse_date(*s), file, pos_in(t, "since"), p + ".since")) since = *d;
    }
    if (auto r = get_string(t, "rule", file, p, false)) {
      if (auto lr = parsed(parse_local_rule(*r, since), file, pos_in(t, "rule"), p + ".rule")) a.rule = *lr;
      else ok = false;
    }
    for_strings(t, "dates", file, p, [&](const std::string& d, Pos dp, const std::string& f) {
      if (!not_relative(d, dp, f)) return;
      if (d.size() == 5) {
        if (auto md = parsed(parse_month_day(d), file, dp, f)) a.yearly_dates.push_back(*md);
      } else if (auto day = parsed(parse_date(d), file, dp, f)) {
        a.dates.push_back(*day);
      }
    });
  }

  // A wheel with a round: every day is relative to the round, so the round's
  // cadence (yearly, every second year) governs all of its activities.
  void read_round_when(const toml::table& t, const std::string& file, const std::string& p, const Round& round,
                       Activity& a, bool& ok) {
    const bool window = a.kind == ActivityKind::window;
    auto relative = [&](const std::string& text, Pos at, const std::string& field) -> std::optional<RoundDay> {
      if (!looks_relative(text)) {
        error(file, at, field,
              std::string(kExpectedRoundDay) + ", got " + quoted(text) +
                  ": in a wheel with a round, the round's cadence governs every activity");
        return std::nullopt;
      }
      return parsed(parse_round_day(text), file, at, field);
    };
    for (std::string_view key : {"rule", "since"})
      if (t.get(key))
        error(file, pos_in(t, key), p + "." + std::string(key),
              "a wheel with a round has no `" + std::string(key) +
                  "`: the round's cadence governs every activity; expected " + (window ? "`from` and `to`" : "`dates`") +
                  " as \"open±N(d|w)\" or \"close±N(d|w)\"");
    if (window) {
      if (t.get("dates"))
        error(file, pos_in(t, "dates"), p + ".dates", "a window has `from` and `to`, not `dates`");
      auto from = get_string(t, "from", file, p, true);
      auto to = get_string(t, "to", file, p, true);
      if (from) a.round_from = relative(*from, pos_in(t, "from"), p + ".from");
      if (to) a.round_to = relative(*to, pos_in(t, "to"), p + ".to");
      if (!a.round_from || !a.round_to) {
        ok = false;
      } else if (days_after_opening(round, *a.round_to) < days_after_opening(round, *a.round_from)) {
        error(file, pos_in(t, "to"), p + ".to",
              "the window would end before it begins: " + quoted(*to) + " is before " + quoted(*from) +
                  " (the round is open " + std::to_string(round.open_days) + " days)");
        ok = false;
      }
      return;
    }
    if (t.get("from") || t.get("to"))
      error(file, pos_in(t, t.get("from") ? "from" : "to"), p + ".from",
            "`from` and `to` belong to kind = \"window\"; a " + std::string(kind_name(a.kind)) + " has `dates`");
    if (!t.get("dates")) {
      if (!t.get("rule"))
        error(file, pos_of(t.source()), p + ".dates",
              "missing `dates` relative to the round, e.g. dates = [\"open-6w\", \"close+12d\"]");
      ok = false;
    }
    for_strings(t, "dates", file, p, [&](const std::string& d, Pos dp, const std::string& f) {
      if (auto rd = relative(d, dp, f)) a.round_dates.push_back(*rd);
    });
  }

  // A personal series: placed from each person's own date, so it has none of
  // the shared series' rule, dates, window or scope.
  void read_personal(const toml::table& t, const std::string& file, const std::string& p, bool round_wheel,
                     Activity& a, bool& ok) {
    const std::string f = p + ".personal";
    const toml::node& n = *t.get("personal");
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { after = \"leader_start_date\", days = 14 } (after: start_date or leader_start_date; days or "
            "weeks), got " + type_name(n));
      ok = false;
      return;
    }
    const toml::table& pt = *n.as_table();
    check_keys(pt, file, f, {"after", "days", "weeks"});
    PersonalAnchor anchor;
    std::string after = "start date";
    if (!pt.get("after")) {
      if (!misspelt_in(pt, "after"))
        error(file, pos_of(pt.source()), f + ".after",
              "missing required key \"after\" (\"start_date\" or \"leader_start_date\")");
      ok = false;
    } else if (auto d = enum_value<PersonalAnchor::Date>(pt, "after", file, f,
                                                           {{"start_date", PersonalAnchor::Date::start_date},
                                                            {"leader_start_date", PersonalAnchor::Date::leader_start_date}})) {
      anchor.date = *d;
      after = *d == PersonalAnchor::Date::start_date ? "start_date" : "leader_start_date";
    } else {
      ok = false;
    }
    const auto days = get_int(pt, "days", file, f, 0, 3660);
    const auto weeks = get_int(pt, "weeks", file, f, 0, 520);
    if (pt.get("days") && pt.get("weeks"))
      error(file, pos_in(pt, "weeks"), f + ".weeks", "give `days` or `weeks`, not both");
    else if (!pt.get("days") && !pt.get("weeks") && !misspelt_in(pt, "days") && !misspelt_in(pt, "weeks"))
      error(file, pos_of(pt.source()), f + ".days",
            "missing `days` (or `weeks`): how long after the date it falls, 0 for the day itself");
    anchor.offset_days = static_cast<int>(days ? *days : weeks ? *weeks * 7 : 0);
    if (a.kind == ActivityKind::window) {
      error(file, pos_of(n.source()), f, "a personal series is a meeting or a deadline, not a window");
      ok = false;
    }
    if (round_wheel)
      error(file, pos_of(n.source()), f,
            "a wheel with a round cannot hold a personal series: the round's cadence governs every activity in it");
    for (std::string_view key : {"rule", "since", "dates", "from", "to", "scope"})
      if (t.get(key))
        error(file, pos_in(t, key), p + "." + std::string(key),
              "a personal series falls on each person's " + after + " plus the offset; remove `" + std::string(key) +
                  "`");
    a.personal = anchor;
  }

  // A meeting's time of day and length; deadlines and windows are all-day.
  void read_times(const toml::table& t, const std::string& file, const std::string& p, Activity& a, bool& ok) {
    if (a.kind != ActivityKind::meeting) {
      for (std::string_view key : {"start", "duration", "days"})
        if (t.get(key))
          error(file, pos_in(t, key), p + "." + std::string(key),
                a.kind == ActivityKind::window
                    ? "a window is all-day; remove " + std::string(key)
                    : "a deadline is all-day; remove " + std::string(key) + " or use kind = \"meeting\"");
      return;
    }
    if (auto s = get_string(t, "start", file, p, true)) {
      if (auto v = parsed(parse_clock_time(*s), file, pos_in(t, "start"), p + ".start")) a.start = *v;
    } else {
      ok = false;
    }
    if (auto d = get_string(t, "duration", file, p, true)) {
      if (auto v = parsed(parse_duration(*d), file, pos_in(t, "duration"), p + ".duration")) {
        if (*v > std::chrono::hours{24 * 7})
          error(file, pos_in(t, "duration"), p + ".duration", "a meeting may last at most 7 days, got " + *d);
        a.duration = *v;
      }
    } else {
      ok = false;
    }
    if (auto n = get_int(t, "days", file, p, 1, 7)) {
      a.days = static_cast<int>(*n);
      // Each day runs start to start + duration; a day that runs into the next is not a day.
      if (a.days > 1 && a.start + a.duration > std::chrono::hours{24})
        error(file, pos_in(t, "duration"), p + ".duration",
              "with days = " + std::to_string(a.days) +
                  " the duration is each day's length and must end the same day (start + duration at most 24:00)");
      if (a.days > 1 && a.personal)
        error(file, pos_in(t, "days"), p + ".days", "a personal series is one day; remove `days`");
    }
  }

  // ---- what an activity sets in motion -------------------------------------------

  void read_registration(const toml::node& n, const std::string& file, const std::string& f, Activity& a) {
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { capacity = 25, lead_days = 7, max_wait_days = 120, name = \"ansattdag\" }, got " +
                type_name(n));
      return;
    }
    const toml::table& rt = *n.as_table();
    check_keys(rt, file, f, {"after", "capacity", "lead_days", "max_wait_days", "name"});
    if (a.kind != ActivityKind::meeting)
      error(file, pos_of(n.source()), f,
            "registration is for meetings the new hires come to, not a " + std::string(kind_name(a.kind)));
    else if (a.personal)
      error(file, pos_of(n.source()), f,
            "a personal series is already each person's own; registration is for shared meetings such as the "
            "ansattdag");
    RegistrationRule r;
    if (auto v = enum_value<RegistrationRule::After>(
            rt, "after", file, f,
            {{"start_date", RegistrationRule::After::start_date},
             {"leader_start_date", RegistrationRule::After::leader_start_date}}))
      r.after = *v;
    if (auto v = get_int(rt, "capacity", file, f, 1, 10000)) r.capacity = static_cast<int>(*v);
    if (auto v = get_int(rt, "lead_days", file, f, 0, 365)) r.lead_days = static_cast<int>(*v);
    if (auto v = get_int(rt, "max_wait_days", file, f, 0, 730)) r.max_wait_days = static_cast<int>(*v);
    if (auto v = get_string(rt, "name", file, f, false)) {
      if (v->empty())
        error(file, pos_in(rt, "name"), f + ".name",
              "expected the name of one day in running text (e.g. \"ansattdag\"), got an empty one");
      r.name = *v;
    }
    if (r.max_wait_days < r.lead_days)
      error(file, pos_in(rt, "max_wait_days"), f + ".max_wait_days",
            "expected at least lead_days (" + std::to_string(r.lead_days) +
                "): no hire is placed before start_date + lead_days; got " + std::to_string(r.max_wait_days));
    a.registration = r;
  }

  void read_tasks(const toml::node& n, const std::string& file, const std::string& f, Activity& a) {
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { per = \"employee\" } or { per = \"unit\", levels = [\"LEVEL\"], reminders = [\"14d\", \"3d\"] }, "
            "got " + type_name(n));
      return;
    }
    const toml::table& tt = *n.as_table();
    check_keys(tt, file, f, {"per", "levels", "reminders", "documents", "minutes_days_after", "owner"});
    TaskRule rule;
    std::optional<TaskRule::Per> per;
    if (!tt.get("per")) {
      if (!misspelt_in(tt, "per"))
        error(file, pos_of(tt.source()), f + ".per",
              "missing required key \"per\" (\"employee\" or \"unit\"; for a meeting \"meeting\")");
    } else {
      per = enum_value<TaskRule::Per>(
          tt, "per", file, f,
          {{"employee", TaskRule::Per::employee}, {"unit", TaskRule::Per::unit}, {"meeting", TaskRule::Per::meeting}});
      if (per) rule.per = *per;
    }
    if (a.personal)
      error(file, pos_of(n.source()), f, "a personal series cannot create tasks");
    else if (a.kind == ActivityKind::meeting && per && per != TaskRule::Per::meeting)
      error(file, pos_in(tt, "per"), f + ".per",
            "a meeting's tasks are its owner's paperwork: per = \"meeting\" with documents = true and/or "
            "minutes_days_after = 7; follow-up per employee or unit is due at the end of a window or on a deadline "
            "(kind = \"window\" or \"deadline\")");
    else if (a.kind != ActivityKind::meeting && per == TaskRule::Per::meeting)
      error(file, pos_in(tt, "per"), f + ".per",
            "per = \"meeting\" is for meetings (documents and minutes); a " + std::string(kind_name(a.kind)) +
                " takes per = \"employee\" or \"unit\"");
    read_meeting_tasks(tt, file, f, per, rule);
    for_strings(tt, "levels", file, f, [&](const std::string& level, Pos lp, const std::string& lf) {
      rule.levels.push_back(level);
      refs_.push_back({Reference::To::level, level, file, lp, lf});
    });
    if (!rule.levels.empty()) {
      if (per == TaskRule::Per::employee || per == TaskRule::Per::meeting)
        error(file, pos_in(tt, "levels"), f + ".levels",
              per == TaskRule::Per::employee
                  ? "levels go with per = \"unit\"; per = \"employee\" makes a task for each employee in scope"
                  : "levels go with per = \"unit\"; per = \"meeting\" makes the meeting owner's paperwork");
      else if (a.scope.kind != Scope::Kind::organisation)
        error(file, pos_in(tt, "levels"), f + ".levels",
              "a unit-scoped activity makes one task per series unit; levels are for an organisation-wide activity");
    }
    for_strings(tt, "reminders", file, f, [&](const std::string& text, Pos rp, const std::string& rf) {
      if (auto d = parsed(parse_duration(text), file, rp, rf)) rule.reminders.push_back(*d);
    });
    a.tasks = rule;
  }

  // documents, minutes_days_after and owner: a meeting owner's paperwork.
  void read_meeting_tasks(const toml::table& tt, const std::string& file, const std::string& f,
                          std::optional<TaskRule::Per> per, TaskRule& rule) {
    const bool for_meeting = per == TaskRule::Per::meeting;
    for (std::string_view key : {"documents", "minutes_days_after", "owner"})
      if (tt.get(key) && per && !for_meeting)
        error(file, pos_in(tt, key), f + "." + std::string(key),
              std::string(key) + " goes with per = \"meeting\" (a meeting owner's documents and minutes)");
    if (!for_meeting) return;
    if (auto v = get_bool(tt, "documents", file, f)) rule.documents = *v;
    if (auto v = get_int(tt, "minutes_days_after", file, f, 1, 90)) rule.minutes_days_after = static_cast<int>(*v);
    if (!rule.documents && !rule.minutes_days_after && !tt.get("minutes_days_after"))
      error(file, pos_of(tt.source()), f,
            "per = \"meeting\" makes the owner's paperwork: say documents = true (out by the notice's "
            "documents_days_before) and/or minutes_days_after = 7 (the referat within 7 days)");
    if (auto owner = get_string(tt, "owner", file, f, false)) {
      const std::string field = f + ".owner";
      const Pos op = pos_in(tt, "owner");
      if (*owner == "leader") {
      } else if (owner->rfind("leader@", 0) == 0 && owner->size() > 7) {
        rule.owner_level = owner->substr(7);
        refs_.push_back({Reference::To::level, rule.owner_level, file, op, field});
      } else if (owner->rfind("person:", 0) == 0 && owner->size() > 7) {
        rule.owner_person = owner->substr(7);
        refs_.push_back({Reference::To::person, rule.owner_person, file, op, field});
      } else {
        error(file, op, field,
              "expected \"leader\" (the series unit's leader, the default), \"leader@LEVEL\" (the leader at that "
              "level above the series' unit) or \"person:ID\", got " + quoted(*owner));
      }
    }
  }

  // agenda_in = [{ months = [2], items = ["..."] }, { date = "2027-06-15", items = ["..."] }]
  void read_agenda_in(const toml::node& n, const std::string& file, const std::string& f, Activity& a) {
    static constexpr std::string_view kShape =
        "{ months = [2], items = [\"...\"] } or { date = \"YYYY-MM-DD\", items = [\"...\"] }";
    if (!n.is_array()) {
      error(file, pos_of(n.source()), f, "expected an array of " + std::string(kShape) + ", got " + type_name(n));
      return;
    }
    std::size_t i = 0;
    for (const toml::node& e : *n.as_array()) {
      const std::string ef = f + "[" + std::to_string(i++) + "]";
      if (!e.is_table()) {
        error(file, pos_of(e.source()), ef, "expected " + std::string(kShape) + ", got " + type_name(e));
        continue;
      }
      const toml::table& et = *e.as_table();
      check_keys(et, file, ef, {"months", "date", "items"});
      AgendaAddition add;
      add.line = pos_of(et.source()).line;
      const std::size_t errors_before = errors.size();
      const toml::node* months = et.get("months");
      const toml::node* day = et.get("date");
      if (months && day) {
        error(file, pos_in(et, "date"), ef, "give months or date, not both: one entry per set of meetings");
      } else if (!months && !day) {
        if (!misspelt_in(et, "months") && !misspelt_in(et, "date"))
          error(file, pos_of(et.source()), ef,
                "say which meetings: months = [2] (every meeting the rule puts in February) or date = \"YYYY-MM-DD\" "
                "(the meeting the rule puts on that day)");
      } else if (months) {
        if (!months->is_array() || months->as_array()->empty()) {
          error(file, pos_of(months->source()), ef + ".months",
                "expected an array of months from 1 to 12, such as [2], got " +
                    (months->is_array() ? std::string("an empty array") : type_name(*months)));
        } else {
          std::size_t k = 0;
          for (const toml::node& m : *months->as_array()) {
            const std::string mf = ef + ".months[" + std::to_string(k++) + "]";
            const auto v = m.value<long long>();
            if (!m.is_integer() || !v || *v < 1 || *v > 12) {
              error(file, pos_of(m.source()), mf,
                    "expected a month from 1 to 12, got " + (m.is_integer() ? std::to_string(*v) : type_name(m)));
            } else if (std::find(add.months.begin(), add.months.end(), *v) == add.months.end()) {
              add.months.push_back(static_cast<int>(*v));
            }
          }
        }
      } else if (auto text = get_string(et, "date", file, ef, true)) {
        if (auto d = parsed(parse_date(*text), file, pos_in(et, "date"), ef + ".date")) add.date = *d;
      }
      const toml::node* items = et.get("items");
      if (!items) {
        if (!misspelt_in(et, "items"))
          error(file, pos_of(et.source()), ef + ".items", "missing required key \"items\" (what these meetings add to the agenda)");
      } else if (items->is_array() && items->as_array()->empty()) {
        error(file, pos_of(items->source()), ef + ".items", "expected at least one agenda item");
      }
      for_strings(et, "items", file, ef, [&](const std::string& item, Pos ip, const std::string& itf) {
        // As HR's agenda through the API: one line each, so a feed's numbered list stays one.
        if (item.empty()) {
          error(file, ip, itf, "expected a non-empty agenda item");
        } else if (auto why = check_text(item)) {
          error(file, ip, itf, *why);
        } else if (item.size() > 500) {
          error(file, ip, itf, "expected an agenda item of at most 500 bytes, got " + std::to_string(item.size()));
        } else {
          add.items.push_back(item);
        }
      });
      if (errors.size() == errors_before) a.agenda_in.push_back(std::move(add));
    }
  }

  void read_activity(const toml::table& t, const std::string& file, const std::string& p, const std::string& wheel_id,
                     const Round* round, std::vector<Activity>& out) {
    check_keys(t, file, p,
               {"id", "title", "kind", "scope", "rule", "since", "dates", "from", "to", "personal", "start",
                "duration", "days", "on_holiday", "location", "description", "agenda", "agenda_in", "participants", "notice",
                "reminders", "registration", "tasks"});
    Activity a;
    a.wheel = wheel_id;
    a.defined_at = {file, pos_of(t.source()).line};
    auto id = get_id(t, "id", file, p);
    auto title = get_string(t, "title", file, p, true);
    bool ok = id && title;
    if (id) {
      if (auto prev = activity_ids_.find(*id); prev != activity_ids_.end())
        error(file, pos_in(t, "id"), p + ".id",
              "duplicate activity id " + quoted(*id) + " (ids are unique across all wheels; first defined at " +
                  prev->second + ")");
      else
        activity_ids_.emplace(*id, file + ":" + std::to_string(pos_in(t, "id").line));
    }
    if (auto k = enum_value<ActivityKind>(t, "kind", file, p,
                                          {{"meeting", ActivityKind::meeting},
                                           {"deadline", ActivityKind::deadline},
                                           {"window", ActivityKind::window}}))
      a.kind = *k;
    else if (t.get("kind"))
      ok = false;
    a.on_holiday = a.kind == ActivityKind::deadline ? HolidayPolicy::previous_working_day
                                                     : HolidayPolicy::next_working_day;
    if (a.kind == ActivityKind::window && t.get("on_holiday"))
      error(file, pos_in(t, "on_holiday"), p + ".on_holiday", "a window is never moved; remove on_holiday");
    else if (auto h = enum_value<HolidayPolicy>(t, "on_holiday", file, p,
                                                {{"skip", HolidayPolicy::skip},
                                                 {"next-working-day", HolidayPolicy::next_working_day},
                                                 {"previous-working-day", HolidayPolicy::previous_working_day}}))
      a.on_holiday = *h;

    // Scope
    if (const toml::node* s = t.get("scope")) {
      const std::string f = p + ".scope";
      if (s->is_string() && s->as_string()->get() == "organisation") {
        a.scope = {Scope::Kind::organisation, "", {}};
      } else if (s->is_table() && s->as_table()->size() == 1 && s->as_table()->get("units")) {
        // { units = ["helse", "skole"] }: a series in each, where a level would take too many.
        Scope scope{Scope::Kind::unit, "", {}};
        for_strings(*s->as_table(), "units", file, f, [&](const std::string& unit, Pos up, const std::string& uf) {
          if (std::find(scope.units.begin(), scope.units.end(), unit) != scope.units.end()) {
            error(file, up, uf, "unit " + quoted(unit) + " is named twice; expected each unit once");
            return;
          }
          scope.units.push_back(unit);
          refs_.push_back({Reference::To::unit, unit, file, up, uf});
        });
        if (scope.units.empty())
          error(file, pos_of(s->source()), f + ".units", "expected one or more unit ids (units = [\"helse\", \"skole\"])");
        else {
          scope.ref = scope.units.front();
          a.scope = std::move(scope);
        }
      } else if (s->is_table() && s->as_table()->size() == 1 &&
                 (s->as_table()->get("level") || s->as_table()->get("unit"))) {
        const toml::table& st = *s->as_table();
        const bool level = st.get("level") != nullptr;
        if (auto ref = get_id(st, level ? "level" : "unit", file, f)) {
          a.scope = {level ? Scope::Kind::level : Scope::Kind::unit, *ref, {}};
          if (!level) a.scope.units = {*ref};
          refs_.push_back({level ? Reference::To::level : Reference::To::unit, *ref, file, pos_of(s->source()),
                           f + (level ? ".level" : ".unit")});
        }
      } else {
        error(file, pos_of(s->source()), f,
              "expected \"organisation\", { level = \"LEVEL\" }, { unit = \"UNIT\" } or { units = [\"UNIT\", ...] }");
      }
    }

    // When: from each person's date, relative to the wheel's round, or (in
    // any other wheel) by a rule, dates or a yearly window.
    if (t.get("personal")) read_personal(t, file, p, round != nullptr, a, ok);
    else if (round) read_round_when(t, file, p, *round, a, ok);
    else read_plain_when(t, file, p, wheel_id, a, ok);
    read_times(t, file, p, a, ok);

    if (auto v = get_string(t, "location", file, p, false)) a.location = *v;
    if (auto v = get_string(t, "description", file, p, false)) a.description = *v;
    for_strings(t, "agenda", file, p, [&](const std::string& item, Pos, const std::string&) { a.agenda.push_back(item); });
    if (const toml::node* n = t.get("agenda_in")) read_agenda_in(*n, file, p + ".agenda_in", a);
    parsing_ = &a;
    a.participants = selectors(t, "participants", file, p, false);

    if (const toml::node* n = t.get("notice")) {
      const std::string f = p + ".notice";
      if (!n->is_table()) {
        error(file, pos_of(n->source()), f, "expected { to = [...], days_before = 14, documents_days_before = 7 }");
      } else {
        const toml::table& nt = *n->as_table();
        check_keys(nt, file, f, {"to", "days_before", "documents_days_before"});
        Notice notice;
        if (!nt.get("to")) error(file, pos_of(nt.source()), f + ".to", "missing required key \"to\" (who gets the notice)");
        notice.to = selectors(nt, "to", file, f, false);
        if (auto v = get_int(nt, "days_before", file, f, 1, 120)) notice.days_before = static_cast<int>(*v);
        if (auto v = get_int(nt, "documents_days_before", file, f, 0, 120)) notice.documents_days_before = static_cast<int>(*v);
        if (notice.documents_days_before > notice.days_before)
          error(file, pos_in(nt, "documents_days_before"), f + ".documents_days_before",
                "documents cannot be due before the notice goes out (days_before = " +
                    std::to_string(notice.days_before) + ")");
        a.notice = notice;
      }
    }
    if (const toml::node* n = t.get("reminders")) {
      const std::string f = p + ".reminders";
      if (!n->is_array()) {
        error(file, pos_of(n->source()), f, "expected an array of { before = \"2d\", to = \"participants\" }");
      } else {
        std::size_t i = 0;
        for (const toml::node& e : *n->as_array()) {
          const std::string rf = f + "[" + std::to_string(i++) + "]";
          if (!e.is_table()) {
            error(file, pos_of(e.source()), rf, "expected { before = \"2d\", to = \"participants\" }");
            continue;
          }
          const toml::table& rt = *e.as_table();
          check_keys(rt, file, rf, {"before", "to"});
          Reminder r;
          if (auto b = get_string(rt, "before", file, rf, true))
            if (auto v = parsed(parse_duration(*b), file, pos_in(rt, "before"), rf + ".before")) r.before = *v;
          if (const toml::node* to = rt.get("to"); to && to->is_string()) {
            if (auto sel = parse_selector(to->as_string()->get(), true, file, pos_of(to->source()), rf + ".to"))
              r.to.push_back(*sel);
          } else if (to) {
            r.to = selectors(rt, "to", file, rf, true);
          } else {
            r.to.push_back({Selector::Kind::participants, Role::employee, "", "participants", "", false});
          }
          a.reminders.push_back(std::move(r));
        }
      }
    }
    parsing_ = nullptr;
    if (const toml::node* n = t.get("registration")) read_registration(*n, file, p + ".registration", a);
    if (const toml::node* n = t.get("tasks")) read_tasks(*n, file, p + ".tasks", a);
    if (ok) {
      a.id = *id;
      a.title = *title;
      out.push_back(std::move(a));
    }
  }

  Round read_round(const toml::node& n, const std::string& file, const std::string& f) {
    Round r;
    if (!n.is_table()) {
      error(file, pos_of(n.source()), f,
            "expected { opens = \"MM-DD\", open_days = 21, every = 1, since = 2025 }, got " + type_name(n));
      return r;
    }
    const toml::table& rt = *n.as_table();
    check_keys(rt, file, f, {"opens", "open_days", "every", "since", "min_group"});
    if (auto o = get_string(rt, "opens", file, f, true))
      if (auto md = parsed(parse_month_day(*o), file, pos_in(rt, "opens"), f + ".opens")) r.opens = *md;
    if (auto v = get_int(rt, "open_days", file, f, 1, 92)) r.open_days = static_cast<int>(*v);
    if (auto v = get_int(rt, "every", file, f, 1, 10)) r.every = static_cast<int>(*v);
    if (!rt.get("since") && !misspelt_in(rt, "since"))
      error(file, pos_of(rt.source()), f + ".since", "missing required key \"since\" (the first year of the round, e.g. 2025)");
    if (auto v = get_int(rt, "since", file, f, 2000, 2200)) r.since = static_cast<int>(*v);
    if (auto v = get_int(rt, "min_group", file, f, 0, 1000)) r.min_group = static_cast<int>(*v);
    return r;
  }

  void read_wheel(const toml::table& root, const std::string& file, Config& c) {
    check_keys(root, file, "", {"wheel", "activity"});
    const toml::node* wn = root.get("wheel");
    if (!wn || !wn->is_table()) {
      error(file, wn ? pos_of(wn->source()) : Pos{1, 1}, "wheel",
            wn ? "expected a [wheel] table" : "missing the [wheel] table");
      return;
    }
    const toml::table& t = *wn->as_table();
    check_keys(t, file, "wheel", {"id", "name", "color", "description", "round"});
    Wheel w;
    auto id = get_id(t, "id", file, "wheel");
    auto name = get_string(t, "name", file, "wheel", true);
    if (auto col = get_string(t, "color", file, "wheel", true)) {
      const bool hex = col->size() == 7 && (*col)[0] == '#' &&
                       std::all_of(col->begin() + 1, col->end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
      if (!hex) error(file, pos_in(t, "color"), "wheel.color", "expected a colour as #rrggbb, got " + quoted(*col));
      w.color = *col;
    }
    if (auto d = get_string(t, "description", file, "wheel", false)) w.description = *d;
    if (id) {
      if (c.find_wheel(*id)) error(file, pos_in(t, "id"), "wheel.id", "duplicate wheel id " + quoted(*id));
      w.id = *id;
    }
    // Even a round with errors makes its activities relative, so they are not
    // also reported as missing their round.
    if (const toml::node* rn = t.get("round")) w.round = read_round(*rn, file, "wheel.round");
    for_tables(root, "activity", file, [&](const toml::table& at, const std::string& p) {
      read_activity(at, file, p, w.id, w.round ? &*w.round : nullptr, w.activities);
    });
    if (id && name) {
      w.name = *name;
      c.wheels.push_back(std::move(w));
    }
  }

  // ---- cross references ----------------------------------------------------------

  void check_references(const Config& c) {
    auto ids = [](const auto& items) {
      std::vector<std::string> out;
      for (const auto& i : items) out.push_back(i.id);
      return out;
    };
    const auto levels = ids(c.levels), units = ids(c.units), committees = ids(c.committees), people = ids(c.people);
    for (const auto& r : refs_) {
      const std::vector<std::string>* set = nullptr;
      const char* what = "";
      switch (r.to) {
        case Reference::To::level: set = &levels; what = "level"; break;
        case Reference::To::unit: set = &units; what = "unit"; break;
        case Reference::To::committee: set = &committees; what = "committee"; break;
        case Reference::To::person: set = &people; what = "person"; break;
      }
      if (std::find(set->begin(), set->end(), r.id) != set->end()) continue;
      std::string msg = "unknown " + std::string(what) + " " + quoted(r.id);
      if (auto s = did_you_mean(r.id, *set)) msg += " (did you mean " + quoted(*s) + "?)";
      else if (!set->empty() && set->size() <= 12) msg += " (known: " + join(*set, ", ") + ")";
      error(r.file, r.pos, r.field, msg);
    }
    // The unit tree: one root, and every child one or more levels below its parent.
    int roots = 0;
    for (std::size_t i = 0; i < c.units.size(); ++i) {
      const Unit& u = c.units[i];
      const auto& where = unit_pos_[i];
      if (u.parent.empty()) {
        ++roots;
        continue;
      }
      const Unit* parent = c.find_unit(u.parent);
      if (!parent) continue;  // reported above
      const int li = c.level_index(u.level), pi = c.level_index(parent->level);
      if (li >= 0 && pi >= 0 && li <= pi)
        error(where.file, where.pos, where.path + ".parent",
              "unit " + quoted(u.id) + " at level " + quoted(u.level) + " cannot sit under " + quoted(parent->id) +
                  " at level " + quoted(parent->level) + " (a parent's level must be higher)");
    }
    if (!c.units.empty() && roots != 1 && !unit_pos_.empty())
      error(unit_pos_.front().file, Pos{1, 1}, "unit",
            "expected exactly one top unit without `parent`, found " + std::to_string(roots));
  }

 private:
  struct UnitPos {
    std::string file;
    Pos pos;
    std::string path;
  };
  // Where a person of people.toml was written: check_person's fields
  // ("email", "roles[1]", "committees[0]") by position.
  std::vector<Reference> refs_;
  const Activity* parsing_ = nullptr;  // the activity whose selectors are being read (their context)
  std::vector<UnitPos> unit_pos_;
  std::vector<PersonSource> person_sources_;  // parallel to Config::people
  std::map<std::string, std::string> activity_ids_;
};

// toml++'s words for what a new user most often does wrong, in theirs: a
// string left open ends at the line break, which toml++ reports as an
// "unescaped control character".
std::string toml_syntax_message(std::string_view text, Pos at, std::string_view description) {
  std::string_view line = text;
  for (int n = 1; n < at.line && !line.empty(); ++n) {
    const auto nl = line.find('\n');
    line = nl == std::string_view::npos ? std::string_view() : line.substr(nl + 1);
  }
  line = line.substr(0, line.find('\n'));
  // toml++ counts columns in characters; "Møte" is five bytes.
  std::size_t byte = 0;
  for (int chars = 1; chars < at.column && byte < line.size(); ++chars) {
    ++byte;
    while (byte < line.size() && (static_cast<unsigned char>(line[byte]) & 0xC0) == 0x80) ++byte;
  }
  const bool at_line_end = byte >= line.size() || line[byte] == '\r';
  if (description.find("unescaped control characters") != std::string_view::npos && at_line_end)
    return "TOML syntax: a string is not closed: expected a closing '\"' before the end of line " +
           std::to_string(at.line) + " (a \"...\" string ends on its own line; use \"\"\"...\"\"\" for text over "
           "several lines)";
  return "TOML syntax: " + std::string(description);
}

std::optional<toml::table> parse_file(const SourceFile& f, Loader& loader) {
  try {
    return toml::parse(f.text, f.path);
  } catch (const toml::parse_error& e) {
    const Pos at = pos_of(e.source());
    loader.error(f.path, at, "", toml_syntax_message(f.text, at, e.description()));
    return std::nullopt;
  }
}

}  // namespace

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex_digit(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986's characters of a path, query and fragment, besides "%XX".
bool url_char(char c) {
  return alnum(c) || std::string_view("-._~!$&'()*+,;=:@/?#").find(c) != std::string_view::npos;
}

// A dotted quad of four decimal numbers 0-255 without leading zeros, the
// only spelling of an IPv4 address taken as one; "127.1" or "0x7f.0.0.1" are
// names here, so a resolver's liberal reading cannot make them loopback.
std::optional<std::array<int, 4>> ipv4(std::string_view host) {
  std::array<int, 4> out{};
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (host.empty() || host.front() != '.') return std::nullopt;
      host.remove_prefix(1);
    }
    std::size_t n = 0;
    while (n < host.size() && digit(host[n])) ++n;
    if (n == 0 || n > 3 || (n > 1 && host[0] == '0')) return std::nullopt;
    out[part] = std::stoi(std::string(host.substr(0, n)));
    if (out[part] > 255) return std::nullopt;
    host.remove_prefix(n);
  }
  if (!host.empty()) return std::nullopt;
  return out;
}

// The 16 bytes of an IPv6 address in RFC 4291's text form (with "::" and an
// IPv4 tail), or nothing.
std::optional<std::array<unsigned char, 16>> ipv6(std::string_view text) {
  std::vector<unsigned> head, tail;  // 16-bit groups before and after "::"
  bool gap = false;
  std::vector<unsigned>* groups = &head;
  if (text.substr(0, 2) == "::") {
    gap = true;
    groups = &tail;
    text.remove_prefix(2);
  }
  while (!text.empty()) {
    std::size_t n = 0;
    while (n < text.size() && hex_digit(text[n])) ++n;
    if (n < text.size() && text[n] == '.') {  // an IPv4 tail ends the address
      auto v4 = ipv4(text);
      if (!v4) return std::nullopt;
      groups->push_back(static_cast<unsigned>((*v4)[0] << 8 | (*v4)[1]));
      groups->push_back(static_cast<unsigned>((*v4)[2] << 8 | (*v4)[3]));
      text = {};
      break;
    }
    if (n == 0 || n > 4) return std::nullopt;
    groups->push_back(static_cast<unsigned>(std::stoul(std::string(text.substr(0, n)), nullptr, 16)));
    text.remove_prefix(n);
    if (text.empty()) break;
    if (text.substr(0, 2) == "::") {
      if (gap) return std::nullopt;
      gap = true;
      groups = &tail;
      text.remove_prefix(2);
    } else if (text.front() == ':' && text.size() > 1) {
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
  }
  const std::size_t count = head.size() + tail.size();
  if (gap ? count > 7 : count != 8) return std::nullopt;
  std::array<unsigned char, 16> out{};
  for (std::size_t i = 0; i < head.size(); ++i) {
    out[2 * i] = static_cast<unsigned char>(head[i] >> 8);
    out[2 * i + 1] = static_cast<unsigned char>(head[i] & 0xFF);
  }
  for (std::size_t i = 0; i < tail.size(); ++i) {
    const std::size_t at = 8 - tail.size() + i;
    out[2 * at] = static_cast<unsigned char>(tail[i] >> 8);
    out[2 * at + 1] = static_cast<unsigned char>(tail[i] & 0xFF);
  }
  return out;
}

}  // namespace

// Parsed here rather than with Boost.URL so workflows keeps its few
// dependencies; the grammar is small because the rules are strict: ASCII
// only, no userinfo, a host that is a name or an address literal.
std::optional<std::string> check_hook_url(std::string_view url, bool insecure) {
  const std::string shown = "\"" + printable(url) + "\"";
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7F)
      return "expected a URL without spaces, control characters or non-ASCII characters (percent-encode them), got " +
             std::string(c == ' ' ? "a space" : c < 0x80 ? "a control character" : "a non-ASCII byte") + " at character " +
             std::to_string(i + 1) + " of " + shown;
  }
  const bool https = url.rfind("https://", 0) == 0, http = url.rfind("http://", 0) == 0;
  if (!https && !http) return "expected an http:// or https:// URL, got " + shown;
  std::string_view rest = url.substr(https ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::string_view tail = rest.substr(authority.size());
  if (authority.find('@') != std::string_view::npos)
    return "expected a URL without user:password@ (the secret signs the calls), got " + shown;

  std::string_view host, port;
  bool has_port = false, loopback = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    host = authority.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    const auto address = close == std::string_view::npos ? std::nullopt : ipv6(host);
    if (!address) return "expected an IPv6 address between [ and ], got " + shown;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return "expected ':' and a port or the path after ']', got " + shown;
    has_port = !after.empty();
    port = has_port ? after.substr(1) : after;
    const auto& a = *address;
    const bool v4_mapped = std::all_of(a.begin(), a.begin() + 10, [](unsigned char b) { return b == 0; }) &&
                           a[10] == 0xFF && a[11] == 0xFF;
    loopback = (std::all_of(a.begin(), a.begin() + 15, [](unsigned char b) { return b == 0; }) && a[15] == 1) ||
               (v4_mapped && a[12] == 127);
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (host.empty()) return "expected a URL with a host, got " + shown;
    if (!std::all_of(host.begin(), host.end(), [](char c) { return alnum(c) || c == '-' || c == '.' || c == '_'; }))
      return "expected a host name of letters, digits, '-' and '.', or an IP address, got " + shown;
    std::string lower(host);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto v4 = ipv4(host);
    loopback = lower == "localhost" || (v4 && (*v4)[0] == 127);
  }
  if (has_port) {
    const bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), digit);
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
      return "expected a port from 1 to 65535 after ':', got " + shown;
  }
  for (std::size_t i = 0; i < tail.size(); ++i) {
    if (tail[i] == '%') {
      if (i + 2 >= tail.size() || !hex_digit(tail[i + 1]) || !hex_digit(tail[i + 2]))
        return "expected two hex digits after '%' in " + shown;
      i += 2;
    } else if (!url_char(tail[i])) {
      return std::string("expected '") + tail[i] + "' percent-encoded in the path or query of " + shown;
    }
  }
  // Only a host that IS loopback: "127.attacker.example" is a name anyone can point anywhere.
  if (http && !loopback && !insecure)
    return "plain http:// is only allowed to loopback addresses (127.0.0.0/8, [::1] or localhost); use https:// or "
           "set insecure = true";
  return std::nullopt;
}

std::optional<std::string> check_hook_secret(std::string_view secret) {
  const std::string expected = "expected \"whsec_\" followed by a base64 key (at least 16 bytes)";
  if (secret.rfind("whsec_", 0) != 0) return expected;
  const std::string_view b64 = secret.substr(6);
  if (b64.size() < 24 || b64.size() % 4 != 0) return expected;
  for (std::size_t i = 0; i < b64.size(); ++i) {
    const char ch = b64[i];
    const bool pad = ch == '=' && i >= b64.size() - 2;
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' || pad)) return expected;
  }
  return std::nullopt;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    // A prefix ("next-working" for "next-working-day") is a likely slip too.
    if (c.size() > word.size() && c.compare(0, word.size(), word) == 0 && word.size() >= 4) d = std::min<std::size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

LoadResult load_config(const ConfigSources& sources) {
  Loader loader;
  Config config;
  if (auto t = parse_file(sources.organisation, loader)) loader.read_organisation(*t, sources.organisation.path, config);
  if (sources.people)
    if (auto t = parse_file(*sources.people, loader)) loader.read_people(*t, sources.people->path, config);
  for (const auto& w : sources.wheels)
    if (auto t = parse_file(w, loader)) loader.read_wheel(*t, w.path, config);
  const std::string& url = config.organisation.political_calendar.url;
  if (sources.political_calendar && loader.political_url_at_) {
    // Two møteplaner would leave it to chance which one HR maintains.
    const auto& at = *loader.political_url_at_;
    loader.error(at.file, at.pos, at.field,
                 "the political calendar is given twice: remove " + sources.political_calendar->path +
                     " or this url (organisation.political_calendar), keep one");
  } else if (sources.political_calendar && config.organisation.zone) {
    auto meetings = read_political_calendar(sources.political_calendar->text, config.organisation.zone);
    if (meetings)
      for (auto& b : *meetings) config.organisation.working_days.blackouts.push_back(std::move(b));
    else
      loader.errors.push_back({sources.political_calendar->path, 1, 1, "", meetings.error()});
  } else if (!url.empty() && sources.fetched_political_calendar && sources.fetched_political_calendar->url == url &&
             config.organisation.zone) {
    // The daemon keeps only bodies that read; this fails only if the zone changed under them.
    auto meetings = read_political_calendar(sources.fetched_political_calendar->body, config.organisation.zone);
    if (meetings)
      for (auto& b : *meetings) config.organisation.working_days.blackouts.push_back(std::move(b));
    else
      config.organisation.political_calendar.stored_copy_problem = meetings.error();
  }
  loader.check_references(config);
  loader.check_people(config);
  config.person_defined_at = loader.person_positions(config);

  LoadResult result;
  result.errors = std::move(loader.errors);
  // Keep the order a reader meets them in: by file as given, then by line.
  std::vector<std::string> order{sources.organisation.path};
  if (sources.people) order.push_back(sources.people->path);
  for (const auto& w : sources.wheels) order.push_back(w.path);
  if (sources.political_calendar) order.push_back(sources.political_calendar->path);
  order.push_back(url);
  auto rank = [&](const std::string& f) { return std::find(order.begin(), order.end(), f) - order.begin(); };
  std::stable_sort(result.errors.begin(), result.errors.end(), [&](const ConfigError& a, const ConfigError& b) {
    const auto ra = rank(a.file), rb = rank(b.file);
    if (ra != rb) return ra < rb;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace arshjul
