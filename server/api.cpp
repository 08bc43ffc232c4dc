#include "server/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "scheduler/import.h"
#include "server/feeds.h"
#include "scheduler/json_views.h"
#include "scheduler/tokens.h"
#include "scheduler/webhooks.h"
#include "workflows/text.h"
#include "workflows/audience.h"
#include "workflows/events.h"
#include "workflows/people.h"

namespace arshjul {
namespace json = boost::json;
namespace {

// ---- answers -------------------------------------------------------------------------

ApiResponse json_response(unsigned status, const json::value& body) {
  ApiResponse r;
  r.status = status;
  r.body = json::serialize(body);
  r.body += '\n';
  return r;
}

// RFC 9457. `errors` lists every problem found, each with where it is.
ApiResponse problem(unsigned status, std::string_view title, std::string_view detail, json::array errors = {}) {
  json::object p{{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!errors.empty()) p["errors"] = std::move(errors);
  ApiResponse r = json_response(status, p);
  r.content_type = "application/problem+json";
  return r;
}

// "/" + a member name, escaped per RFC 6901.
std::string pointer_to(std::string_view member) {
  std::string out = "/";
  for (char c : member) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Problems in a JSON body, each at a JSON pointer (RFC 6901).
struct Problems {
  json::array items;
  void add(std::string pointer, std::string detail) {
    items.push_back(json::object{{"pointer", std::move(pointer)}, {"detail", std::move(detail)}});
  }
  bool empty() const { return items.empty(); }
  ApiResponse response() {
    const std::string detail = items.size() == 1 ? std::string(items[0].at("detail").as_string())
                                                 : std::to_string(items.size()) + " problems in the request body";
    return problem(422, "The request body is not valid", detail, std::move(items));
  }
};

ApiResponse bad_parameter(std::string_view name, std::string_view detail) {
  return problem(400, "Bad query parameter", std::string(name) + ": " + std::string(detail),
                 json::array{json::object{{"parameter", name}, {"detail", detail}}});
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// Reads members of one JSON object, noting every problem rather than stopping.
class Reader {
 public:
  Reader(const json::object& o, Problems& p, std::vector<std::string> allowed)
      : o_(o), p_(p), allowed_(std::move(allowed)) {
    for (const auto& kv : o_) {
      const std::string key(kv.key());
      if (std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end()) continue;
      std::string msg = "unknown member \"" + key + "\"";
      if (auto s = did_you_mean(key, allowed_)) msg += " (did you mean \"" + *s + "\"?)";
      else msg += " (expected one of: " + join(allowed_) + ")";
      p_.add(pointer_to(key), msg);
    }
  }

  // A string member; `required` ones must be present and not empty.
  std::optional<std::string> text(const std::string& key, bool required) {
    const json::value* v = o_.if_contains(key);
    if (!v || v->is_null()) {
      if (required) p_.add("/" + key, "required: expected a string");
      return std::nullopt;
    }
    if (!v->is_string()) {
      p_.add("/" + key, "expected a string, got " + kind_of(*v));
      return std::nullopt;
    }
    std::string s(v->as_string());
    if (required && s.empty()) {
      p_.add("/" + key, "expected a non-empty string");
      return std::nullopt;
    }
    return s;
  }

  std::vector<std::string> list(const std::string& key) {
    std::vector<std::string> out;
    const json::value* v = o_.if_contains(key);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      p_.add("/" + key, "expected an array of strings, got " + kind_of(*v));
      return out;
    }
    const auto& a = v->as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_string()) out.emplace_back(a[i].as_string());
      else p_.add("/" + key + "/" + std::to_string(i), "expected a string, got " + kind_of(a[i]));
    }
    return out;
  }

  std::optional<LocalDays> date(const std::string& key) {
    auto s = text(key, false);
    if (!s || s->empty()) return std::nullopt;
    auto d = parse_date(*s);
    if (!d) p_.add("/" + key, "expected a date YYYY-MM-DD, got \"" + *s + "\"");
    return d ? std::optional<LocalDays>(*d) : std::nullopt;
  }

  // "2027-03-02T10:00" in the organisation's local time, or an instant with an offset.
  std::optional<SysSeconds> time(const std::string& key, const date::time_zone* zone, bool required) {
    auto s = text(key, required);
    if (!s) return std::nullopt;
    if (s->size() == 16 && (*s)[10] == 'T') {
      auto d = parse_date(s->substr(0, 10));
      auto t = parse_clock_time(s->substr(11));
      if (d && t) return to_utc(LocalSeconds{*d} + *t, zone);
    } else if (auto i = parse_instant(*s)) {
      return *i;
    }
    p_.add("/" + key, "expected a local time such as 2027-03-02T10:00 or an instant such as 2027-03-02T10:00:00+01:00, got \"" +
                          *s + "\"");
    return std::nullopt;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }
  const json::object& o_;
  Problems& p_;
  std::vector<std::string> allowed_;
};

// A Content-Type taken apart: the media type and its charset, both lower
// case (RFC 9110 § 8.3.1: neither is case-sensitive); quotes around the
// charset dropped.
struct MediaType {
  std::string type;
  std::string charset;
};

MediaType media_type(std::string_view header) {
  const auto lower = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return ascii_lower(v);
  };
  MediaType m;
  const auto semi = header.find(';');
  m.type = lower(header.substr(0, semi));
  for (std::string_view rest = semi == std::string_view::npos ? "" : header.substr(semi + 1); !rest.empty();) {
    const auto next = rest.find(';');
    const std::string_view param = rest.substr(0, next);
    if (const auto eq = param.find('='); eq != std::string_view::npos && lower(param.substr(0, eq)) == "charset") {
      m.charset = lower(param.substr(eq + 1));
      if (m.charset.size() >= 2 && m.charset.front() == '"' && m.charset.back() == '"')
        m.charset = m.charset.substr(1, m.charset.size() - 2);
    }
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  return m;
}

// Parses a JSON object body; the error names the line and column.
// A PATCH takes a JSON merge patch (RFC 7396), whose media type says so.
std::optional<ApiResponse> parse_object(const ApiRequest& req, json::value& out, bool merge_patch = false) {
  const std::string type = req.content_type.empty() ? "" : media_type(req.content_type).type;
  if (merge_patch && type != "application/merge-patch+json" && type != "application/json") {
    ApiResponse r = problem(415, "Unsupported media type",
                            "expected Content-Type: application/merge-patch+json, got \"" + printable(req.content_type) + "\"");
    r.headers.emplace_back("Accept-Patch", "application/merge-patch+json");
    return r;
  }
  if (!merge_patch && !type.empty() && type != "application/json")
    return problem(415, "Unsupported media type", "expected Content-Type: application/json, got \"" + printable(req.content_type) + "\"");
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(req.body.data(), req.body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const std::size_t at = std::min(used, req.body.size());
    const auto line = 1 + std::count(req.body.begin(), req.body.begin() + static_cast<long>(at), '\n');
    const auto nl = req.body.rfind('\n', at == 0 ? 0 : at - 1);
    const std::size_t column = at - (nl == std::string::npos || at == 0 ? 0 : nl + 1) + 1;
    return problem(400, "Malformed JSON",
                   "the body is not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                       ": " + ec.message());
  }
  out = parser.release();
  if (!out.is_object()) return problem(422, "The request body is not valid", "expected a JSON object, got " + kind_of(out),
                                       json::array{json::object{{"pointer", ""}, {"detail", "expected an object"}}});
  return std::nullopt;
}

// ---- views -----------------------------------------------------------------------------

json::object person_view(const Config& c, const Person& p, std::optional<LocalDays> today) {
  json::object j = person_record_json(p);
  const Person* leader = leader_of(c, p, today);  // who leads them today (dated leadership)
  j["leader"] = leader ? json::value(leader->id) : json::value(nullptr);
  return j;
}

const char* task_status(const TaskState& t, SysSeconds now) {
  if (t.completed) return "done";
  return t.task.due <= now ? "overdue" : "open";
}

json::object task_view(const Config& c, const TaskState& t, SysSeconds now) {
  json::object j{{"id", t.id},
                 {"key", t.task.key},
                 {"activity", t.task.activity},
                 {"occurrence_uid", t.task.occurrence_uid},
                 {"unit", t.task.unit},
                 {"assignee", t.task.assignee},
                 {"subject", t.task.subject.empty() ? json::value(nullptr) : json::value(t.task.subject)},
                 {"kind", task_kind_name(t.task.kind)},
                 {"due", local_iso(t.task.due, c.organisation.zone)},
                 {"status", task_status(t, now)}};
  return j;
}

json::object occurrence_view(const Snapshot& s, const Occurrence& o) {
  auto it = s.stored.find(o.uid);
  const int sequence = it == s.stored.end() ? 0 : it->second.sequence;
  json::object j = occurrence_json(s.config, o, sequence, false);
  j.erase("description");
  if (!o.registered.empty()) j["registered"] = o.registered.size();
  if (o.activity->registration) j["capacity"] = o.activity->registration->capacity;
  return j;
}

json::object cancelled_view(const Snapshot& s, const StoredOccurrence& st) {
  const date::time_zone* zone = s.config.organisation.zone;
  // All-day: dates with an inclusive end, as the live view gives them.
  auto when = [&](SysSeconds t, bool end) {
    if (!st.all_day) return json::value(local_iso(t, zone));
    LocalDays d = date::floor<date::days>(to_local(t, zone));
    if (end && d > date::floor<date::days>(to_local(st.start, zone))) d -= date::days{1};
    return json::value(format_date(d));
  };
  json::object j{{"uid", st.uid},
          {"sequence", st.sequence},
          {"status", "cancelled"},
          {"title", st.title},
          {"wheel", {{"id", st.wheel}}},
          {"activity", st.activity},
          {"unit", st.unit.empty() ? json::value(nullptr) : json::value(json::object{{"id", st.unit}})},
          {"all_day", st.all_day},
          {"start", when(st.start, false)},
          {"end", when(st.end, true)},
          {"location", st.location}};
  for (const Override& o : s.overrides)
    if (o.kind == Override::Kind::cancel && o.uid == st.uid) j["reason"] = o.reason;
  return j;
}

// ---- the request ---------------------------------------------------------------------------

struct Query {
  std::map<std::string, std::string> params;
  std::string get(const std::string& k) const {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  }
  bool has(const std::string& k) const { return params.count(k) > 0; }
};

std::optional<ApiResponse> check_params(const Query& q, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : q.params) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return bad_parameter(k, "unknown parameter (expected " + (list.empty() ? std::string("none") : list) + ")");
  }
  return std::nullopt;
}

std::optional<bool> flag(const Query& q, const std::string& name, std::optional<ApiResponse>& error) {
  if (!q.has(name)) return false;
  const std::string v = q.get(name);
  if (v == "true" || v == "1" || v.empty()) return true;
  if (v == "false" || v == "0") return false;
  error = bad_parameter(name, "expected true or false, got \"" + v + "\"");
  return std::nullopt;
}

std::optional<int> number(const Query& q, const std::string& name, int fallback, int max,
                          std::optional<ApiResponse>& error) {
  if (!q.has(name)) return fallback;
  const std::string v = q.get(name);
  int n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 0 || n > max) {
    error = bad_parameter(name, "expected a whole number from 0 to " + std::to_string(max) + ", got \"" + v + "\"");
    return std::nullopt;
  }
  return n;
}

// ---- conditional requests (RFC 9110 § 13) -----------------------------------------------------

// A strong entity tag of a representation: 128 bits of the SHA-256 of its JSON, quoted.
std::string etag_of(const json::value& v) { return "\"" + token_hash(json::serialize(v)).substr(0, 32) + "\""; }

// The entity tags of an If-Match or If-None-Match header ("*" is one of them).
std::vector<std::string> entity_tags(std::string_view header) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
    if (i >= header.size()) break;
    std::size_t end = i;
    if (header.compare(i, 2, "W/") == 0) end += 2;
    if (end < header.size() && header[end] == '"') {
      const auto close = header.find('"', end + 1);
      end = close == std::string_view::npos ? header.size() : close + 1;
    } else {
      while (end < header.size() && header[end] != ',') ++end;
    }
    std::string tag(header.substr(i, end - i));
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.pop_back();
    out.push_back(std::move(tag));
    i = end;
  }
  return out;
}

// Whether an If-Match header lets a change go ahead: "*" when there is a
// current representation, or one of its tags strongly equal to `current`
// (nullptr: there is none). A weak tag never matches (§ 13.1.1).
bool if_match_holds(std::string_view header, const std::string* current) {
  const auto tags = entity_tags(header);
  for (const auto& tag : tags) {
    if (tag == "*") return tags.size() == 1 && current != nullptr;  // "*" stands alone (§ 13.1.1)
    if (current && tag == *current) return true;
  }
  return false;
}

// Whether an If-None-Match header names `current` (weak comparison, § 13.1.2).
bool if_none_match_names(std::string_view header, const std::string& current) {
  const auto tags = entity_tags(header);
  for (auto tag : tags) {
    if (tag == "*") return tags.size() == 1;
    if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
    if (tag == current) return true;
  }
  return false;
}

ApiResponse precondition_failed(std::string_view what, const std::string* current) {
  ApiResponse r = problem(412, "Precondition Failed",
                          current ? std::string(what) + " has changed since it was read (its ETag is now " + *current +
                                        "): read it again and make the change to what it is now"
                                  : std::string(what) + " does not exist, so no ETag can match");
  if (current) r.headers.emplace_back("ETag", *current);
  return r;
}

// ---- incremental and paged reads -----------------------------------------------------------------

// `updated_since` in RFC 3339 ("2027-01-10T08:00:00+01:00", "...Z", with
// or without fractions of a second). An unescaped '+' in a query string
// arrives as a space; it is read as the '+' it was.
std::optional<SysSeconds> instant_parameter(const Query& q, const std::string& name, std::optional<ApiResponse>& error) {
  if (!q.has(name)) return std::nullopt;
  std::string v = q.get(name);
  if (v.size() > 20 && v[19] == '.' && std::isdigit(static_cast<unsigned char>(v[20]))) {
    std::size_t end = 20;  // fractions: the instant's second is what counts
    while (end < v.size() && std::isdigit(static_cast<unsigned char>(v[end]))) ++end;
    v.erase(19, end - 19);
  }
  if (v.size() == 25 && v[19] == ' ') v[19] = '+';
  for (std::size_t i : {std::size_t{10}, v.size() - 1})
    if (i < v.size() && (v[i] == 't' || v[i] == 'z')) v[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(v[i])));
  auto t = parse_instant(v);
  if (t) return *t;
  error = bad_parameter(name, "expected an RFC 3339 time such as 2027-01-10T08:00:00+01:00 or 2027-01-10T07:00:00Z "
                              "(the as_of of an earlier answer), got \"" + printable(q.get(name)) + "\"");
  return std::nullopt;
}

// An opaque cursor: the hex of the last key a page gave.
std::string make_cursor(std::string_view key) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

std::optional<std::string> read_cursor(const Query& q, std::optional<ApiResponse>& error) {
  if (!q.has("cursor")) return std::nullopt;
  const std::string v = q.get("cursor");
  auto nibble = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  std::string key;
  bool ok = !v.empty() && v.size() % 2 == 0 && v.size() <= 2048;
  for (std::size_t i = 0; ok && i < v.size(); i += 2) {
    const int hi = nibble(v[i]), lo = nibble(v[i + 1]);
    ok = hi >= 0 && lo >= 0;
    key += static_cast<char>(hi * 16 + lo);
  }
  if (ok) return key;
  error = bad_parameter("cursor", "expected the cursor of an earlier answer's next link, got \"" + printable(v) + "\"");
  return std::nullopt;
}

// A cursor that is a row id (tasks, the outbox): 0 when there is none.
long long row_cursor(const std::optional<std::string>& key, std::optional<ApiResponse>& error) {
  long long id = 0;
  if (!key) return 0;
  auto [ptr, ec] = std::from_chars(key->data(), key->data() + key->size(), id);
  if (ec != std::errc() || ptr != key->data() + key->size() || id <= 0)
    error = bad_parameter("cursor", "expected the cursor of an earlier answer's next link");
  return id;
}

// RFC 3986 percent-encoding of all but the unreserved characters, so a '+'
// in a value is not read back as a space.
std::string percent_encoded(std::string_view v) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

// The link to the page after this one: the path as decoded (`segments`,
// after /api/v1) and the same query with the new cursor.
json::value next_link(const std::vector<std::string>& segments, const Query& q, const std::optional<std::string>& last_key) {
  if (!last_key) return nullptr;
  std::string link = "/api/v1";
  for (const auto& s : segments) link += "/" + percent_encoded(s);
  char sep = '?';
  for (const auto& [k, v] : q.params) {
    if (k == "cursor" || k == "offset") continue;
    link += sep + percent_encoded(k) + "=" + percent_encoded(v);
    sep = '&';
  }
  link += std::string(1, sep) + "cursor=" + make_cursor(*last_key);
  return json::value(link);
}

// Cuts `rows` (key, row) to one page: those after the cursor `after`, in
// key order, past the first `skip` (the older ?offset), at most `limit`.
// Sorts only as far as the page reaches. Returns the last key when more
// follow: the next link's cursor.
template <class Row>
std::optional<std::string> cut_page(std::vector<std::pair<std::string, Row>>& rows, const std::optional<std::string>& after,
                                    std::size_t skip, std::size_t limit) {
  if (after) std::erase_if(rows, [&](const auto& r) { return r.first <= *after; });
  const std::size_t reach = std::min(rows.size(), skip + limit + 1);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<long>(reach), rows.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  const bool more = reach > skip + limit;
  rows.resize(std::min(reach, skip + limit));
  rows.erase(rows.begin(), rows.begin() + static_cast<long>(std::min(skip, rows.size())));
  if (!more || rows.empty()) return std::nullopt;
  return rows.back().first;
}

// How many changes dated ahead one person may have: a bound on what each
// GET of them reads and shows, far above what an HR system sends.
constexpr std::size_t kMaxDatedChanges = 100;

// How far an answer read from storage trusts that what was stamped before
// it is committed: the dispatcher stamps a batch's time and may wait on the
// database (a long rebuild) before its write lands.
constexpr Seconds kStorageReadMargin{30};

// The as_of of an answer: what to pass as updated_since next time. A list
// read from the snapshot is as of the snapshot's build: every change not in
// it is stamped then or later (it ran on the writer after that build; tasks
// are written only there too). The outbox, which the dispatcher writes as
// well, may miss a message the dispatcher stamped up to kStorageReadMargin
// before the read and had not committed: the earlier of the two. Stamps
// are whole seconds, so what changed in as_of's own second may come again.
std::string as_of(SysSeconds built_at) { return iso_utc(date::floor<Seconds>(built_at)); }
std::string as_of(SysSeconds built_at, SysSeconds read_at) {
  return iso_utc(std::min(date::floor<Seconds>(built_at), date::floor<Seconds>(read_at) - kStorageReadMargin));
}

// The roster's checks of a person, each at its JSON pointer ("roles[1]" → "/roles/1").
std::vector<std::pair<std::string, std::string>> person_problems(const Config& c, const Person& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& pr : check_person(c, p)) {
    // "acting.unit" → "/acting/unit", "committees[1].to" → "/committees/1/to"
    std::string pointer = "/";
    for (char ch : pr.field)
      if (ch == '.' || ch == '[') pointer += '/';
      else if (ch != ']') pointer += ch;
    out.emplace_back(std::move(pointer), pr.message);
  }
  return out;
}

class Api {
 public:
  Api(ApiHost& host, const ApiRequest& req) : host_(host), req_(req) {}

  ApiResponse run() {
    if (auto refused = parse_target()) return *refused;
    if (auto denied = authenticate()) return *denied;
    return route();
  }

  // Before a large body is read: is this token allowed to send it?
  std::optional<ApiResponse> refuse_before_body() {
    if (auto refused = parse_target()) return refused;
    if (auto denied = authenticate()) return denied;
    if (token_->role != "hr") return forbidden();
    return std::nullopt;
  }

 private:
  std::optional<ApiResponse> parse_target() {
    auto url = boost::urls::parse_origin_form(req_.target);
    if (!url) return problem(400, "Bad request", "the URL cannot be parsed");
    for (auto param : url->params()) query_.params[std::string(param.key)] = std::string(param.value);
    // Boost.URL splits and percent-decodes the path: "/api/v1/occurrences/a%40b" → …, "a@b".
    for (auto segment : url->segments()) segments_.push_back(std::string(segment));
    if (!segments_.empty() && segments_.back().empty()) segments_.pop_back();  // a trailing slash
    if (segments_.size() < 2 || segments_[0] != "api" || segments_[1] != "v1")
      return problem(404, "Not found", "no such resource: " + std::string(url->path()));
    segments_.erase(segments_.begin(), segments_.begin() + 2);
    return std::nullopt;
  }

  ApiResponse forbidden() const {
    return problem(403, "Forbidden", "this token has the role \"" + token_->role + "\", which may only read");
  }

  std::optional<ApiResponse> authenticate() {
    if (req_.caller) {
      // A page's signed-in user: the page checked the session; no token is asked for.
      caller_ = *req_.caller;
      token_ = ApiToken{0, caller_.role, caller_.name, {}, std::nullopt};
      return std::nullopt;
    }
    const std::string_view h = req_.authorization;
    auto unauthorized = [](std::string_view detail) {
      ApiResponse r = problem(401, "Unauthorized", detail);
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"arshjul\"");
      return r;
    };
    if (h.empty()) return unauthorized("send an API token: Authorization: Bearer TOKEN (arshjul token create --role hr)");
    // The scheme is case-insensitive (RFC 9110 11.1): "bearer" is "Bearer".
    auto is_bearer = [](std::string_view s) {
      constexpr std::string_view kScheme = "bearer ";
      if (s.size() < kScheme.size()) return false;
      for (std::size_t i = 0; i < kScheme.size(); ++i)
        if (static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))) != kScheme[i]) return false;
      return true;
    };
    if (h.size() < 8 || !is_bearer(h)) return unauthorized("expected Authorization: Bearer TOKEN");
    token_ = host_.storage().api_token(token_hash(h.substr(7)));
    if (!token_) return unauthorized("the API token is not known or was revoked");
    caller_ = Caller{"api", token_actor(*token_), token_->role};
    return std::nullopt;
  }

  // Does the request's path have this shape ("*" matches one segment), and its method this one?
  bool is(std::string_view method, std::initializer_list<std::string_view> shape) {
    if (segments_.size() != shape.size()) return false;
    std::size_t i = 0;
    for (auto s : shape) {
      if (s != "*" && segments_[i] != s) return false;
      ++i;
    }
    allowed_.push_back(std::string(method));
    return req_.method == method || (method == "GET" && req_.method == "HEAD");
  }

  // Changes need the hr role; the check comes after routing so a wrong
  // method is a 405 and an unknown path a 404 whatever the token.
  template <class Handler>
  ApiResponse hr_only(Handler&& handler) {
    if (token_->role != "hr") return forbidden();
    return handler();
  }

  ApiResponse route() {
    snap_ = host_.snapshot();
    if (is("GET", {})) return index();
    if (is("GET", {"people"})) return list_people();
    if (is("POST", {"people", "import"})) return hr_only([&] { return import(); });
    if (!allowed_.empty()) return not_allowed();  // /people/import is not a person
    if (is("GET", {"people", "*"})) return get_person();
    if (is("PUT", {"people", "*"})) return hr_only([&] { return put_person(); });
    if (is("PATCH", {"people", "*"})) return hr_only([&] { return patch_person(); });
    if (is("DELETE", {"people", "*"})) return hr_only([&] { return delete_person(); });
    if (is("DELETE", {"people", "*", "scheduled", "*"})) return hr_only([&] { return withdraw_dated_change(); });
    if (is("GET", {"occurrences"})) return list_occurrences();
    if (is("POST", {"occurrences"})) return hr_only([&] { return add_extra(); });
    if (is("GET", {"occurrences", "*"})) return get_occurrence();
    if (is("POST", {"occurrences", "*", "move"})) return hr_only([&] { return move_or_cancel(Override::Kind::move); });
    if (is("POST", {"occurrences", "*", "cancel"})) return hr_only([&] { return move_or_cancel(Override::Kind::cancel); });
    if (is("PUT", {"occurrences", "*", "agenda"})) return hr_only([&] { return move_or_cancel(Override::Kind::agenda); });
    if (is("GET", {"registrations"})) return list_registrations();
    if (is("GET", {"tasks"})) return list_tasks();
    if (is("POST", {"tasks", "*", "complete"})) return hr_only([&] { return complete_task(); });
    if (is("GET", {"progress"})) return progress();
    if (is("GET", {"outbox"})) return list_outbox();
    if (is("POST", {"outbox", "retry"})) return hr_only([&] { return retry_dead(); });
    if (is("POST", {"outbox", "*", "retry"})) return hr_only([&] { return retry(); });
    if (is("GET", {"tokens"})) return list_tokens();
    if (is("DELETE", {"tokens", "*"})) return hr_only([&] { return revoke_token(); });
    if (is("GET", {"subscriptions"})) return list_subscriptions();
    if (is("POST", {"subscriptions"})) return hr_only([&] { return create_subscription(); });
    if (is("DELETE", {"subscriptions", "*"})) return hr_only([&] { return revoke_subscription(); });
    if (is("GET", {"audit"})) return list_audit();
    if (!allowed_.empty()) return not_allowed();
    return problem(404, "Not found", "no such resource: " + req_.target.substr(0, req_.target.find('?')));
  }

  ApiResponse not_allowed() {
    std::string allow;
    for (const auto& m : allowed_) allow += (allow.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
    ApiResponse r = problem(405, "Method Not Allowed", req_.method + " is not allowed here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }

  const Config& config() const { return snap_->config; }

  // Filters that name an activity, unit or person must name one that exists.
  std::optional<ApiResponse> check_refs(std::initializer_list<std::pair<const char*, char>> params) {
    for (auto [name, kind] : params) {
      if (!query_.has(name)) continue;
      const std::string v = query_.get(name);
      const bool known = kind == 'a' ? config().find_activity(v) != nullptr
                         : kind == 'u' ? config().find_unit(v) != nullptr
                                       : config().find_person(v) != nullptr;
      if (!known)
        return bad_parameter(name, std::string("unknown ") + (kind == 'a' ? "activity" : kind == 'u' ? "unit" : "person") +
                                       " \"" + v + "\"");
    }
    return std::nullopt;
  }
  SysSeconds now() const { return host_.clock().now(); }
  LocalDays today() const { return date::floor<date::days>(to_local(now(), config().organisation.zone)); }
  AuditEntry audit(std::string action, std::string target, const json::value& before, const json::value& after,
                   std::string reason = {}) const {
    return audit_entry(caller_, now(), std::move(action), std::move(target), json::serialize(before),
                       json::serialize(after), std::move(reason));
  }

  ApiResponse index() {
    return json_response(200, json::object{{"organisation", config().organisation.id},
                                           {"name", config().organisation.name},
                                           {"role", token_->role},
                                           {"documentation", "docs/api.yaml"}});
  }

  // ---- people ------------------------------------------------------------------------

  // ?unit, ?role, ?updated_since, paged by id (?limit, ?cursor; ?offset
  // still read). With updated_since, `removed` lists the ids removed since.
  ApiResponse list_people() {
    if (auto e = check_params(query_, {"unit", "role", "limit", "offset", "cursor", "updated_since"})) return *e;
    std::optional<ApiResponse> error;
    const auto limit = number(query_, "limit", 1000, 100000, error);
    const auto offset = number(query_, "offset", 0, 10000000, error);
    const auto after = read_cursor(query_, error);
    const auto since = instant_parameter(query_, "updated_since", error);
    if (error) return *error;
    if (after && *offset > 0) return bad_parameter("offset", "give cursor or offset, not both");
    const std::string unit = query_.get("unit"), role = query_.get("role");
    if (!unit.empty() && !config().find_unit(unit)) return bad_parameter("unit", "unknown unit \"" + unit + "\"");
    std::optional<Role> r;
    if (!role.empty() && !(r = role_from_name(role))) return bad_parameter("role", "unknown role \"" + role + "\"");
    // Who changed since: stored rows by their stamp; the files' people all
    // when the files brought another roster since.
    std::unordered_set<std::string> changed;
    json::array removed;
    const bool files_changed = since && config().people_read_at >= *since;
    if (since) {
      for (const StoredPerson& sp : host_.storage().people_updated_since(*since)) {
        if (!sp.removed) changed.insert(sp.person.id);
        else if (!config().find_person(sp.person.id)) removed.emplace_back(sp.person.id);
      }
    }
    auto selected = [&](const Person& p) {
      return (unit.empty() || p.unit == unit) && (!r || std::find(p.roles.begin(), p.roles.end(), *r) != p.roles.end());
    };
    std::vector<std::pair<std::string, const Person*>> matching;
    for (const Person& p : config().people) {
      if (!selected(p)) continue;
      if (since && !files_changed && !changed.count(p.id)) continue;
      matching.emplace_back(p.id, &p);
    }
    // Changed since and outside the filter now: who moved out of the unit
    // (or lost the role) is among them, so a filtered copy can drop them.
    json::array left;
    if (since && (!unit.empty() || r)) {
      std::vector<std::string> ids;
      for (const std::string& id : changed)
        if (const Person* p = config().find_person(id); p && !selected(*p)) ids.push_back(id);
      std::sort(ids.begin(), ids.end());
      for (auto& id : ids) left.emplace_back(std::move(id));
    }
    const std::size_t total = matching.size();
    const auto next = cut_page(matching, after, after ? 0 : static_cast<std::size_t>(*offset), static_cast<std::size_t>(*limit));
    json::array people;
    for (const auto& [id, p] : matching) people.push_back(person_view(config(), *p, today()));
    json::object answer{{"total", total},
                        {"people", std::move(people)},
                        {"next", next_link(segments_, query_, next)},
                        {"as_of", as_of(snap_->built_at)}};
    if (since) {
      answer["removed"] = std::move(removed);
      answer["full"] = files_changed;
      if (!unit.empty() || r) answer["outside_filter"] = std::move(left);
    }
    return json_response(200, answer);
  }

  // What a person's fields are as stored: the base a PATCH merges into.
  json::object stored_view(const Person& p) const {
    json::object j = person_view(config(), p, today());
    j.erase("leader");
    return j;
  }

  // A person as GET gives them, with their leader today and registrations;
  // its ETag is the version PUT, PATCH and DELETE may be made conditional
  // on, so a 304 never hides a change and a 412 names any change since.
  json::object person_representation(const Person& p) const {
    json::object j = person_view(config(), p, today());
    json::array regs;
    for (const auto& r : snap_->registrations)
      if (r.person == p.id)
        regs.push_back(json::object{{"activity", r.activity},
                                    {"status", r.occurrence_uid.empty() ? "waiting" : "registered"},
                                    {"occurrence_uid", r.occurrence_uid.empty() ? json::value(nullptr) : json::value(r.occurrence_uid)}});
    j["registrations"] = std::move(regs);
    // Changes dated ahead, each as the merge patch its day applies.
    json::array scheduled;
    for (const ScheduledChange& ch : host_.storage().scheduled_changes(p.id)) {
      const json::object was = stored_view(ch.before), becomes = stored_view(ch.after);
      json::object changes;
      for (const auto& kv : becomes)
        if (const json::value* w = was.if_contains(kv.key()); !w || *w != kv.value()) changes[kv.key()] = kv.value();
      scheduled.push_back(json::object{{"effective", format_date(ch.effective)},
                                       {"changes", std::move(changes)},
                                       {"created", iso_utc(ch.created)},
                                       {"by", ch.actor}});
    }
    j["scheduled"] = std::move(scheduled);
    return j;
  }
  std::string person_etag(const Person& p) const { return etag_of(person_representation(p)); }

  // An answer about a person, with the ETag of their representation.
  ApiResponse person_answer(unsigned status, const Person& p, const json::object& j) const {
    ApiResponse r = json_response(status, j);
    r.headers.emplace_back("ETag", person_etag(p));
    return r;
  }

  ApiResponse get_person() {
    const Person* p = config().find_person(segments_[1]);
    if (!p) return problem(404, "Not found", "no person \"" + segments_[1] + "\"");
    const json::object j = person_representation(*p);
    const std::string etag = etag_of(j);
    if (!req_.if_none_match.empty() && if_none_match_names(req_.if_none_match, etag)) return not_modified(etag);
    ApiResponse r = json_response(200, j);
    r.headers.emplace_back("ETag", etag);
    return r;
  }

  static ApiResponse no_content() {
    ApiResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  static ApiResponse not_modified(const std::string& etag) {
    ApiResponse r;
    r.status = 304;
    r.content_type.clear();
    r.headers.emplace_back("ETag", etag);
    return r;
  }
  // "acting": {"unit": "barnehage", "from": "2027-01-01", "to": "2027-08-15"} or null.
  static std::optional<Person::Acting> acting(const json::object& body, Problems& problems) {
    const json::value* v = body.if_contains("acting");
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_object()) {
      problems.add("/acting", "expected {\"unit\": ID, \"from\": YYYY-MM-DD, \"to\": YYYY-MM-DD} or null, got " + kind_of(*v));
      return std::nullopt;
    }
    Person::Acting a;
    bool ok = true;
    for (const auto& kv : v->as_object())
      if (kv.key() != "unit" && kv.key() != "from" && kv.key() != "to") {
        problems.add("/acting" + pointer_to(kv.key()), "unknown member (expected unit, from, to)");
        ok = false;
      }
    for (const char* key : {"unit", "from", "to"}) {
      const json::value* m = v->as_object().if_contains(key);
      if (!m || !m->is_string()) {
        problems.add(std::string("/acting/") + key, std::string("required: expected ") +
                                                         (key == std::string_view("unit") ? "a unit id" : "a date YYYY-MM-DD") +
                                                         (m ? ", got " + kind_of(*m) : std::string()));
        ok = false;
        continue;
      }
      const std::string text(m->as_string());
      if (key == std::string_view("unit")) {
        a.unit = text;
      } else if (auto d = parse_date(text)) {
        (key == std::string_view("from") ? a.from : a.to) = *d;
      } else {
        problems.add(std::string("/acting/") + key, d.error());
        ok = false;
      }
    }
    return ok ? std::optional(a) : std::nullopt;
  }

  // "committees": ["amu", {"id": "ia-utvalg", "from": "2027-01-01", "to": null}]
  static std::vector<Membership> committees(const json::object& body, Problems& problems) {
    std::vector<Membership> out;
    const json::value* v = body.if_contains("committees");
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      problems.add("/committees", "expected an array of committee ids or {\"id\", \"from\", \"to\"} objects, got " + kind_of(*v));
      return out;
    }
    const auto& items = v->as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string at = "/committees/" + std::to_string(i);
      if (items[i].is_string()) {
        out.push_back({std::string(items[i].as_string())});
        continue;
      }
      if (!items[i].is_object()) {
        problems.add(at, "expected a committee id or {\"id\": ID, \"from\": YYYY-MM-DD or null, \"to\": YYYY-MM-DD or "
                         "null}, got " + kind_of(items[i]));
        continue;
      }
      Membership seat;
      bool ok = true;
      for (const auto& kv : items[i].as_object())
        if (kv.key() != "id" && kv.key() != "from" && kv.key() != "to") {
          problems.add(at + pointer_to(kv.key()), "unknown member (expected id, from, to)");
          ok = false;
        }
      const json::value* id = items[i].as_object().if_contains("id");
      if (!id || !id->is_string()) {
        problems.add(at + "/id", "required: expected a committee id" + (id ? ", got " + kind_of(*id) : std::string()));
        ok = false;
      } else {
        seat.committee = std::string(id->as_string());
      }
      for (auto [key, date] : {std::pair{"from", &seat.from}, std::pair{"to", &seat.to}}) {
        const json::value* m = items[i].as_object().if_contains(key);
        if (!m || m->is_null()) continue;
        auto d = m->is_string() ? parse_date(std::string(m->as_string()))
                                : Expected<LocalDays>(Error{"expected a date YYYY-MM-DD or null, got " + kind_of(*m)});
        if (d) *date = *d;
        else {
          problems.add(at + "/" + key, d.error());
          ok = false;
        }
      }
      if (ok) out.push_back(std::move(seat));
    }
    return out;
  }

  // A person from a PUT body (or a PATCH merged over the person as stored);
  // every problem at its JSON pointer.
  Person read_person(const json::object& body, Problems& problems) const {
    Reader r(body, problems,
             {"id", "name", "email", "unit", "roles", "union", "committees", "start_date", "leader_start_date", "manager",
              "leader_end_date", "acting"});
    Person p;
    p.id = segments_[1];
    if (auto id = r.text("id", false); id && *id != p.id)
      problems.add("/id", "expected \"" + p.id + "\" as in the URL, or no id, got \"" + *id + "\"");
    p.name = r.text("name", true).value_or("");
    p.email = r.text("email", false).value_or("");
    p.unit = r.text("unit", false).value_or("");
    const auto roles = r.list("roles");
    for (std::size_t i = 0; i < roles.size(); ++i) {
      if (auto role = role_from_name(roles[i])) p.roles.push_back(*role);
      else {
        std::vector<std::string> names;
        for (auto n : role_names()) names.emplace_back(n);
        std::string msg = "unknown role \"" + roles[i] + "\"";
        if (auto s = did_you_mean(roles[i], names)) msg += " (did you mean \"" + *s + "\"?)";
        problems.add("/roles/" + std::to_string(i), msg);
      }
    }
    p.union_name = r.text("union", false).value_or("");
    p.committees = committees(body, problems);
    p.start_date = r.date("start_date");
    p.leader_start_date = r.date("leader_start_date");
    p.leader_end_date = r.date("leader_end_date");
    p.acting = acting(body, problems);
    p.manager = r.text("manager", false).value_or("");
    // The roster's checks too, except where the JSON itself was already wrong.
    std::set<std::string> reported;
    for (const auto& item : problems.items) {
      std::string ptr(item.at("pointer").as_string());
      reported.insert(ptr.substr(0, ptr.find('/', 1)));
    }
    for (auto& [pointer, message] : person_problems(config(), p))
      if (!reported.count(pointer.substr(0, pointer.find('/', 1)))) problems.add(pointer, message);
    return p;
  }

  // RFC 7396: members of `patch` replace those of `target`; null removes one;
  // an object is merged into an object.
  static json::value merge_patch(json::value target, const json::value& patch) {
    if (!patch.is_object()) return patch;
    if (!target.is_object()) target = json::object{};
    json::object& t = target.as_object();
    for (const auto& kv : patch.as_object()) {
      if (kv.value().is_null()) t.erase(kv.key());
      else t[kv.key()] = merge_patch(t.contains(kv.key()) ? t.at(kv.key()) : json::value(nullptr), kv.value());
    }
    return target;
  }

  // The body a PATCH makes of the person as they are in snap_; nullopt when there is none.
  std::optional<json::object> patched(const json::object& patch, const Person* base = nullptr) const {
    const Person* old = base ? base : config().find_person(segments_[1]);
    if (!old) return std::nullopt;
    json::value merged = merge_patch(stored_view(*old), patch);
    return merged.as_object();
  }

  // The person as they will be on `day`: as now, with the changes dated
  // before it applied in order. What a change dated `day` starts from.
  Person as_on(const Person& now, LocalDays day) const {
    Person p = now;
    for (const ScheduledChange& ch : host_.storage().scheduled_changes(now.id))
      if (ch.effective < day) p = apply_dated_change(p, ch.before, ch.after);
    return p;
  }

  ApiResponse put_person() { return store_person(false); }
  ApiResponse patch_person() { return store_person(true); }

  ApiResponse store_person(bool patch) {
    if (auto e = check_params(query_, {"effective"})) return *e;
    // A change dated ahead is kept and applied on its day (by the runner);
    // today or a day gone is now.
    std::optional<LocalDays> effective;
    if (query_.has("effective")) {
      const auto day = parse_date(query_.get("effective"));
      if (!day) return bad_parameter("effective", printable(day.error()));
      if (*day > today()) effective = *day;
    }
    json::value body;
    if (auto e = parse_object(req_, body, patch)) return *e;
    const std::string id = segments_[1];
    // Checked here for a quick answer, and again on the writer, where it
    // counts. A dated change starts from the person as they will be on its
    // day (`baseline`), so a move back after an earlier dated move is one.
    Person baseline;
    auto check = [&](Person& p) -> std::optional<ApiResponse> {
      const Person* old = config().find_person(id);
      const std::string current = old ? person_etag(*old) : std::string();
      if (!req_.if_match.empty() && !if_match_holds(req_.if_match, old ? &current : nullptr))
        return precondition_failed("person \"" + id + "\"", old ? &current : nullptr);
      // If-None-Match: * asks to create only (RFC 9110 § 13.1.2).
      if (old && !req_.if_none_match.empty() && if_none_match_names(req_.if_none_match, current)) {
        ApiResponse r = problem(412, "Precondition Failed", "person \"" + id + "\" exists; If-None-Match asked to create only");
        r.headers.emplace_back("ETag", current);
        return r;
      }
      if (effective && !old)
        return problem(404, "Not found", "no person \"" + id + "\" to change on " + format_date(*effective) +
                                             "; a PUT without effective creates one");
      if (effective) baseline = as_on(*old, *effective);
      std::optional<json::object> merged;
      if (patch && !(merged = patched(body.as_object(), effective ? &baseline : nullptr)))
        return problem(404, "Not found", "no person \"" + id + "\" to patch; PUT creates one");
      Problems problems;
      p = read_person(patch ? *merged : body.as_object(), problems);
      if (!problems.empty()) return problems.response();
      drop_repeats(p);  // only now, so each problem names the item as sent
      return std::nullopt;
    };
    Person p;
    if (auto refused = check(p)) return *refused;
    bool existed = false, scheduled = false;
    std::optional<ApiResponse> refused;
    auto after = host_.write_people("person " + id + " stored", {id}, [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
      // Again on the writer: a reload or another change may have come between.
      snap_ = current;
      if ((refused = check(p))) return false;
      const Person* old = config().find_person(id);
      existed = old != nullptr;
      if (effective) {
        // Kept as before and after, so the day applies only what this
        // request changed. A request that changes nothing on its day
        // leaves that day without a change: one made before is withdrawn.
        const std::string on = "effective " + format_date(*effective);
        const auto pending = storage.scheduled_changes(id);
        const auto same_day = std::find_if(pending.begin(), pending.end(),
                                           [&](const ScheduledChange& ch) { return ch.effective == *effective; });
        if (baseline == p) {
          if (same_day != pending.end() && storage.drop_scheduled_change(id, *effective))
            storage.append_audit(audit("person.unschedule", "person/" + id, person_view(config(), same_day->after, today()),
                                       nullptr, on));
          return false;
        }
        if (same_day == pending.end() && pending.size() >= kMaxDatedChanges) {
          refused = problem(409, "Conflict", "person \"" + id + "\" has " + std::to_string(pending.size()) +
                                                 " changes dated ahead, the most one person may have; withdraw one first");
          return false;
        }
        storage.schedule_change(ScheduledChange{id, *effective, baseline, p, now(), caller_.name});
        storage.append_audit(audit("person.schedule", "person/" + id, person_view(config(), baseline, today()),
                                   person_view(config(), p, today()), on));
        scheduled = true;
        return false;
      }
      if (old && *old == p) return false;  // nothing to store: the same version, the same ETag
      storage.store_people({p}, {}, now());
      if (old) {
        const auto moved = unit_move_messages(config(), *old, p, now());
        if (!moved.empty()) storage.enqueue(moved, now());
      }
      storage.append_audit(audit(patch ? "person.patch" : "person.store", "person/" + p.id,
                                 old ? json::value(person_view(config(), *old, today())) : json::value(nullptr),
                                 person_view(config(), p, today())));
      return true;
    });
    if (refused) return *refused;
    snap_ = after;
    const Person* stored = config().find_person(id);
    const Person& shown = stored ? *stored : p;
    // A dated change: the person as they are until its day, with what is
    // scheduled for them (the version If-Match names now).
    if (effective) return person_answer(scheduled ? 202 : 200, shown, person_representation(shown));
    return person_answer(existed ? 200 : 201, shown, person_view(config(), shown, today()));
  }

  ApiResponse delete_person() {
    const std::string id = segments_[1];
    std::optional<ApiResponse> refused;
    host_.write_people("person " + id + " removed", {id}, [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
      snap_ = current;
      const Person* old = config().find_person(id);
      if (!old) {
        // Removed already: a retry after a lost answer is what the first
        // DELETE asked for, not a failure. An id never stored is unknown.
        if (const auto stored = storage.stored_person(id); stored && stored->removed) return false;
        refused = problem(404, "Not found", "no person \"" + id + "\"");
        return false;
      }
      if (const std::string etag = person_etag(*old); !req_.if_match.empty() && !if_match_holds(req_.if_match, &etag)) {
        refused = precondition_failed("person \"" + id + "\"", &etag);
        return false;
      }
      storage.store_people({}, {id}, now());
      storage.append_audit(audit("person.remove", "person/" + id, person_view(config(), *old, today()), nullptr));
      return true;
    });
    if (refused) return *refused;
    return no_content();
  }

  // DELETE /people/{id}/scheduled/{day}: the change dated that day is not
  // made. Withdrawn already (or never made) is what was asked: 204.
  ApiResponse withdraw_dated_change() {
    if (auto e = check_params(query_, {})) return *e;
    const std::string id = segments_[1];
    const auto day = parse_date(segments_[3]);
    if (!day)
      return problem(404, "Not found", "expected the day of a dated change (YYYY-MM-DD) after /scheduled/, got \"" +
                                           printable(segments_[3]) + "\"");
    std::optional<ApiResponse> refused;
    host_.write("dated change of person " + id + " withdrawn", [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
      snap_ = current;
      const Person* p = config().find_person(id);
      if (!p) {
        refused = problem(404, "Not found", "no person \"" + id + "\"");
        return false;
      }
      const auto pending = storage.scheduled_changes(id);
      const auto it = std::find_if(pending.begin(), pending.end(), [&](const ScheduledChange& ch) { return ch.effective == *day; });
      if (it == pending.end()) return false;  // withdrawn already: what a retry asks for
      if (const std::string etag = person_etag(*p); !req_.if_match.empty() && !if_match_holds(req_.if_match, &etag)) {
        refused = precondition_failed("person \"" + id + "\"", &etag);
        return false;
      }
      storage.drop_scheduled_change(id, *day);
      storage.append_audit(audit("person.unschedule", "person/" + id, person_view(config(), it->after, today()), nullptr,
                                 "effective " + format_date(*day)));
      return false;
    });
    if (refused) return *refused;
    return no_content();
  }

  ApiResponse import() {
    if (auto e = check_params(query_, {"dry_run", "replace", "strict"})) return *e;
    std::optional<ApiResponse> error;
    const auto dry_run = flag(query_, "dry_run", error);
    const auto replace = flag(query_, "replace", error);
    const auto strict = flag(query_, "strict", error);
    if (error) return *error;
    const MediaType type = media_type(req_.content_type);
    if (type.type != "text/csv")
      return problem(415, "Unsupported media type", "expected Content-Type: text/csv, got \"" + printable(req_.content_type) + "\"");
    // An export in the Windows code page is read as what it says it is,
    // never stored as bytes that are not UTF-8.
    const auto csv = to_utf8(req_.body, type.charset);
    if (!csv) return problem(415, "Unsupported media type", printable(csv.error()));
    ImportResult result;
    if (*dry_run) {
      // Reads only: no need to wait for the writer.
      result = import_people(host_.storage(), config(), "request body", *csv, true, *replace, now(), *strict);
    } else {
      host_.write("people imported", [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
        result = import_people(storage, current->config, "request body", *csv, false, *replace, now(), *strict);
        if (!result.errors.empty()) return false;
        auto ids = [](const std::vector<std::string>& v) {
          json::array a;
          for (const auto& s : v) a.emplace_back(s);
          return a;
        };
        storage.append_audit(audit("people.import", "people", nullptr,
                                   json::object{{"added", ids(result.change.added)},
                                                {"changed", ids(result.change.changed)},
                                                {"removed", ids(result.change.removed)},
                                                {"replace", *replace}}));
        return true;
      });
    }
    if (!result.errors.empty()) {
      json::array errors;
      for (const auto& e : result.errors)
        errors.push_back(json::object{{"line", e.line}, {"column", e.column}, {"field", e.field}, {"detail", e.message}});
      // A capped list keeps a file of 200,000 bad rows from a body of 70 MB; the count stays true.
      const std::size_t n = result.error_count;
      const std::string detail = std::to_string(n) + " problem" + (n == 1 ? "" : "s") + " in the CSV" +
                                 (n > result.errors.size() ? "; the first " + std::to_string(result.errors.size()) +
                                                                 " are listed"
                                                           : "") +
                                 "; nothing was imported";
      ApiResponse r = problem(422, "The CSV is not valid", detail, std::move(errors));
      json::object body = json::parse(r.body).as_object();
      body["error_count"] = n;  // an RFC 9457 extension member
      r.body = json::serialize(body) + "\n";
      return r;
    }
    auto ids = [](const std::vector<std::string>& v) {
      json::array a;
      for (const auto& s : v) a.emplace_back(s);
      return a;
    };
    json::array warnings;
    for (const auto& w : result.warnings)
      warnings.push_back(json::object{{"line", w.line}, {"column", w.column}, {"field", w.field}, {"detail", w.message}});
    return json_response(200, json::object{{"dry_run", result.dry_run},
                                           {"added", ids(result.change.added)},
                                           {"changed", ids(result.change.changed)},
                                           {"removed", ids(result.change.removed)},
                                           {"unchanged", result.change.unchanged.size()},
                                           {"warnings", std::move(warnings)}});
  }

  // ---- occurrences ---------------------------------------------------------------------

  // Paged by start time (?limit, ?cursor); ?updated_since gives those stored
  // (made, moved, changed or cancelled) since.
  ApiResponse list_occurrences() {
    if (auto e = check_params(query_, {"from", "to", "wheel", "unit", "person", "activity", "include_cancelled", "limit",
                                       "cursor", "updated_since"}))
      return *e;
    LocalDays from = snap_->horizon_from, to = snap_->horizon_to;
    for (auto [name, day] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
      if (!query_.has(name)) continue;
      auto d = parse_date(query_.get(name));
      if (!d) return bad_parameter(name, "expected a date YYYY-MM-DD, got \"" + query_.get(name) + "\"");
      *day = *d;
    }
    if (to < from) return bad_parameter("to", "must not be before from");
    if (auto e = check_refs({{"activity", 'a'}})) return *e;
    std::optional<ApiResponse> error;
    const auto cancelled = flag(query_, "include_cancelled", error);
    const auto limit = number(query_, "limit", 10000, 100000, error);
    const auto after = read_cursor(query_, error);
    const auto since = instant_parameter(query_, "updated_since", error);
    if (error) return *error;
    const std::string wheel = query_.get("wheel"), unit = query_.get("unit"), person = query_.get("person"),
                      activity = query_.get("activity");
    if (!wheel.empty() && !config().find_wheel(wheel)) return bad_parameter("wheel", "unknown wheel \"" + wheel + "\"");
    if (!unit.empty() && !config().find_unit(unit)) return bad_parameter("unit", "unknown unit \"" + unit + "\"");
    if (!person.empty() && !config().find_person(person)) return bad_parameter("person", "unknown person \"" + person + "\"");
    const FeedFilter pf{FeedFilter::Kind::person, person};
    // The order a page follows: start, then UID; a cursor is the last one's key.
    auto key = [](SysSeconds start, const std::string& uid) {
      std::string k = std::to_string(start.time_since_epoch().count() + 100000000000LL);
      return k.append(1, ' ').append(uid);
    };
    auto stored_since = [&](const std::string& uid) {
      if (!since) return true;
      auto it = snap_->stored.find(uid);
      return it != snap_->stored.end() && it->second.updated >= *since;
    };
    std::vector<std::pair<std::string, json::object>> rows;
    std::size_t total = 0;
    auto add = [&](std::string k, auto&& view) {
      ++total;
      if (after && k <= *after) return;  // no view made for rows before the page
      rows.emplace_back(std::move(k), view());
    };
    for (const Occurrence& o : snap_->expansion.occurrences) {
      if (o.last_day < from || o.first_day > to) continue;
      if (!wheel.empty() && o.wheel->id != wheel) continue;
      if (!unit.empty() && (!o.unit || o.unit->id != unit)) continue;
      if (!activity.empty() && o.activity->id != activity) continue;
      if (!person.empty() && !feed_includes(config(), pf, o)) continue;
      if (!stored_since(o.uid)) continue;
      add(key(o.start, o.uid), [&] { return occurrence_view(*snap_, o); });
    }
    // With updated_since, what was cancelled since is news too.
    if (*cancelled || since) {
      for (const auto& [uid, st] : snap_->stored) {
        if (!st.cancelled || st.original_day < from || st.original_day > to) continue;
        if (!wheel.empty() && st.wheel != wheel) continue;
        if (!unit.empty() && st.unit != unit) continue;
        if (!activity.empty() && st.activity != activity) continue;
        if (!person.empty() && !feed_includes_stored(config(), pf, st.audience, st.wheel, st.unit)) continue;
        if (!stored_since(uid)) continue;
        const StoredOccurrence& cancelled_one = st;  // a structured binding cannot be captured before C++20's P1091 in Clang
        add(key(st.start, uid), [&] { return cancelled_view(*snap_, cancelled_one); });
      }
    }
    const auto next = cut_page(rows, after, 0, static_cast<std::size_t>(*limit));
    json::array out;
    for (auto& row : rows) out.push_back(std::move(row.second));
    return json_response(200, json::object{{"from", format_date(from)},
                                           {"to", format_date(to)},
                                           {"count", out.size()},
                                           {"total", total},
                                           {"occurrences", std::move(out)},
                                           {"next", next_link(segments_, query_, next)},
                                           {"as_of", as_of(snap_->built_at)}});
  }

  const Occurrence* live(const std::string& uid) const {
    for (const auto& o : snap_->expansion.occurrences)
      if (o.uid == uid) return &o;
    return nullptr;
  }

  // An occurrence as GET gives it: a live one with its participants, or a
  // cancelled one; none when there is no such UID. Its ETag is the version a
  // move, cancel or new agenda may be made conditional on.
  std::optional<json::object> occurrence_representation(const std::string& uid) const {
    if (const Occurrence* o = live(uid)) {
      json::object j = occurrence_view(*snap_, *o);
      json::array people;
      for (const Person* p : participants(config(), *o)) people.emplace_back(p->id);
      j["participants"] = std::move(people);
      return j;
    }
    if (auto it = snap_->stored.find(uid); it != snap_->stored.end()) return cancelled_view(*snap_, it->second);
    return std::nullopt;
  }
  std::string occurrence_etag(const std::string& uid) const {
    const auto j = occurrence_representation(uid);
    return j ? etag_of(*j) : std::string();
  }

  ApiResponse get_occurrence() {
    const std::string uid = segments_[1];
    const auto j = occurrence_representation(uid);
    if (!j)
      return problem(404, "Not found", "no occurrence \"" + uid + "\" in " + format_date(snap_->horizon_from) + " to " +
                                           format_date(snap_->horizon_to));
    const std::string etag = etag_of(*j);
    if (!req_.if_none_match.empty() && if_none_match_names(req_.if_none_match, etag)) return not_modified(etag);
    ApiResponse r = json_response(200, *j);
    r.headers.emplace_back("ETag", etag);
    return r;
  }

  // The new time of an occurrence from a body: start and end (or duration
  // kept) for meetings, first_day and last_day for all-day ones.
  bool read_time(Reader& r, Problems& problems, const Activity& a, Override& ov, std::optional<Seconds> keep,
                 const json::object& body) {
    const date::time_zone* zone = config().organisation.zone;
    const bool meeting = a.kind == ActivityKind::meeting;
    for (const char* member : {"start", "end", "first_day", "last_day"}) {
      const bool timed = member[0] == 's' || member[0] == 'e';
      if (body.contains(member) && timed != meeting)
        problems.add(std::string("/") + member, "not for a " + std::string(kind_name(a.kind)) + ": expected " +
                                                    (meeting ? "start and end" : "first_day and last_day"));
    }
    if (!problems.empty()) return false;
    const bool ok = read_time_of(r, problems, a, ov, keep, zone);
    if (!ok) return false;
    const SysSeconds from = to_utc(LocalSeconds{snap_->horizon_from}, zone);
    const SysSeconds to = to_utc(LocalSeconds{snap_->horizon_to + date::days{1}}, zone);
    const SysSeconds start = meeting ? ov.start : to_utc(LocalSeconds{ov.first_day}, zone);
    if (start < from || start >= to) {
      problems.add(meeting ? "/start" : "/first_day", "expected a time within " + format_date(snap_->horizon_from) +
                                                         " to " + format_date(snap_->horizon_to));
      return false;
    }
    if (start < now()) {
      problems.add(meeting ? "/start" : "/first_day", "expected a time that has not passed");
      return false;
    }
    return true;
  }

  bool read_time_of(Reader& r, Problems& problems, const Activity& a, Override& ov, std::optional<Seconds> keep,
                    const date::time_zone* zone) {
    if (a.kind == ActivityKind::meeting) {
      auto start = r.time("start", zone, true);
      auto end = r.time("end", zone, false);
      if (!start) return false;
      ov.start = *start;
      ov.end = end ? *end : *start + keep.value_or(a.duration);
      if (ov.end <= ov.start) {
        problems.add("/end", "must be after start");
        return false;
      }
      // A typo in a year or month must not make a meeting that fills every
      // calendar for months: at most a day, or the activity's own length.
      const Seconds longest = std::max<Seconds>(std::chrono::hours{24}, a.duration);
      if (ov.end - ov.start > longest) {
        const auto hours = std::chrono::duration_cast<std::chrono::hours>(longest);
        problems.add("/end", "a meeting of \"" + a.id + "\" may last at most " +
                                 (hours == longest ? std::to_string(hours.count()) + " hours" : format_duration(longest)) +
                                 ", got " + format_duration(ov.end - ov.start));
        return false;
      }
      return true;
    }
    auto first = r.date("first_day");
    auto last = r.date("last_day");
    if (!first) {
      problems.add("/first_day", "required for a " + std::string(kind_name(a.kind)) + ": expected a date YYYY-MM-DD");
      return false;
    }
    ov.first_day = *first;
    ov.last_day = last ? *last : *first;
    if (ov.last_day < ov.first_day) {
      problems.add("/last_day", "must not be before first_day");
      return false;
    }
    return true;
  }

  // What HR should know of a day it moved a meeting to: a public holiday, a
  // half day it runs past noon on, a blackout or a council meeting. The
  // move stands (HR may mean it); the answer says so.
  std::vector<std::string> placement_warnings(const Occurrence& o) const {
    const WorkingCalendar calendar(config().organisation.working_days);
    const date::time_zone* zone = config().organisation.zone;
    const bool timed = !o.all_day;
    std::vector<std::string> out;
    for (LocalDays day = o.first_day; day <= o.last_day; day += date::days{1}) {
      bool after_noon = false;
      if (timed) {
        const auto end_local = to_local(o.end, zone);
        after_noon = date::floor<date::days>(end_local) > day ||
                     end_local - LocalSeconds{day} > std::chrono::hours{12};
      }
      if (auto why = calendar.why_not_working(day, after_noon, true))
        out.push_back(format_date(day) + " is not a working day: " + why->describe());
    }
    return out;
  }

  // Checks a move or cancel against snap_ and fills `ov`; the answer if it is refused.
  // Only what is still ahead can be moved or cancelled.
  std::optional<ApiResponse> check_changeable(Override::Kind kind, const std::string& uid) {
    const Occurrence* o = live(uid);
    if (!o) {
      auto it = snap_->stored.find(uid);
      if (it != snap_->stored.end() && it->second.cancelled)
        return problem(409, "Conflict", "occurrence \"" + uid + "\" is cancelled");
      return problem(404, "Not found", "no occurrence \"" + uid + "\"");
    }
    if (o->end <= now())
      return problem(409, "Conflict", "occurrence \"" + uid + "\" is over; only what is still ahead can be " +
                                          (kind == Override::Kind::move     ? "moved"
                                           : kind == Override::Kind::agenda ? "given another agenda"
                                                                            : "cancelled"));
    return std::nullopt;
  }

  std::optional<ApiResponse> check_move_or_cancel(Override::Kind kind, const std::string& uid, const json::object& body,
                                                  Override& ov) {
    if (auto refused = check_changeable(kind, uid)) return refused;
    if (!req_.if_match.empty()) {
      const std::string etag = occurrence_etag(uid);
      if (!if_match_holds(req_.if_match, &etag)) return precondition_failed("occurrence \"" + uid + "\"", &etag);
    }
    const Occurrence* o = live(uid);
    Problems problems;
    ov = Override{};
    ov.kind = kind;
    ov.uid = uid;
    ov.created = now();
    if (kind == Override::Kind::move) {
      Reader r(body, problems, {"start", "end", "first_day", "last_day", "reason"});
      ov.reason = r.text("reason", true).value_or("");
      // A gathering moves as a block of days; without an end it keeps each day's length.
      const Seconds length = o->sessions.empty() ? o->end - o->start : o->sessions.front().end - o->sessions.front().start;
      read_time(r, problems, *o->activity, ov, length, body);
    } else if (kind == Override::Kind::agenda) {
      Reader r(body, problems, {"agenda", "documents", "reason"});
      ov.reason = r.text("reason", true).value_or("");
      read_agenda(r, problems, body, ov);
    } else {
      Reader r(body, problems, {"reason"});
      ov.reason = r.text("reason", true).value_or("");
    }
    if (!problems.empty()) return problems.response();
    return std::nullopt;
  }

  // {agenda: ["item", ...], documents: [{title, url}, ...]}: one line each, so
  // nothing can break the feed's text or the stored lines.
  static void read_agenda(Reader& r, Problems& problems, const json::object& body, Override& ov) {
    constexpr std::size_t kMaxItems = 60, kMaxText = 500;
    auto one_line = [&](const std::string& pointer, const std::string& s, const char* what) {
      if (s.empty()) problems.add(pointer, std::string("expected a non-empty ") + what);
      else if (s.find_first_of("\r\n\t") != std::string::npos) problems.add(pointer, std::string("expected ") + what + " on one line, without tabs");
      else if (s.size() > kMaxText) problems.add(pointer, std::string("expected ") + what + " of at most 500 bytes");
      else return true;
      return false;
    };
    if (!body.contains("agenda") || body.at("agenda").is_null())
      problems.add("/agenda", "required: expected an array of strings (the meeting's items, in order)");
    ov.agenda = r.list("agenda");
    if (ov.agenda.size() > kMaxItems) problems.add("/agenda", "expected at most 60 items");
    for (std::size_t i = 0; i < ov.agenda.size(); ++i) one_line("/agenda/" + std::to_string(i), ov.agenda[i], "agenda item");
    const json::value* docs = body.if_contains("documents");
    if (!docs || docs->is_null()) return;
    if (!docs->is_array()) {
      problems.add("/documents", "expected an array of {title, url}, got " + kind_of(*docs));
      return;
    }
    if (docs->as_array().size() > kMaxItems) problems.add("/documents", "expected at most 60 documents");
    for (std::size_t i = 0; i < docs->as_array().size(); ++i) {
      const std::string at = "/documents/" + std::to_string(i);
      const json::value& d = docs->as_array()[i];
      if (!d.is_object()) {
        problems.add(at, "expected an object {title, url}, got " + kind_of(d));
        continue;
      }
      auto member = [&](const char* key) -> std::optional<std::string> {
        const json::value* v = d.as_object().if_contains(key);
        if (v && v->is_string()) return std::string(v->as_string());
        problems.add(at + "/" + key, v ? "expected a string, got " + kind_of(*v) : std::string("required: expected a string"));
        return std::nullopt;
      };
      for (const auto& kv : d.as_object())
        if (kv.key() != "title" && kv.key() != "url")
          problems.add(at + pointer_to(kv.key()), "unknown member (expected title and url)");
      const auto title = member("title"), url = member("url");
      const bool ok_title = title && one_line(at + "/title", *title, "title");
      bool ok_url = url && one_line(at + "/url", *url, "URL");
      if (ok_url && url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
        problems.add(at + "/url", "expected an https:// or http:// link, got \"" + *url + "\"");
        ok_url = false;
      }
      if (ok_title && ok_url) ov.documents.push_back({*title, *url});
    }
  }

  // A cancel of what HR already cancelled: the answer the first one got,
  // with its reason, and nothing stored (a retry after a lost answer).
  std::optional<ApiResponse> cancelled_again(const std::string& uid) {
    const auto hr = std::find_if(snap_->cancelled_by_hr.begin(), snap_->cancelled_by_hr.end(),
                                 [&](const Occurrence& o) { return o.uid == uid; });
    const auto stored = snap_->stored.find(uid);
    if (hr == snap_->cancelled_by_hr.end() || stored == snap_->stored.end()) return std::nullopt;
    json::value body;
    if (auto e = parse_object(req_, body)) return *e;
    Problems problems;
    Reader r(body.as_object(), problems, {"reason"});
    r.text("reason", true);
    if (!problems.empty()) return problems.response();
    json::object j = cancelled_view(*snap_, stored->second);
    j["reason"] = hr->change_reason;
    return json_response(200, j);
  }

  ApiResponse move_or_cancel(Override::Kind kind) {
    const std::string uid = segments_[1];
    if (kind == Override::Kind::cancel)
      if (auto again = cancelled_again(uid)) return *again;
    if (auto refused = check_changeable(kind, uid)) return *refused;  // before the body is even read
    json::value body;
    if (auto e = parse_object(req_, body)) return *e;
    Override ov;
    if (auto refused = check_move_or_cancel(kind, uid, body.as_object(), ov)) return *refused;
    std::optional<ApiResponse> refused;
    auto after = host_.write(std::string(override_kind_name(kind)) + " " + uid,
                [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
                  // Checked again where it is stored: a reload or another change may have come between.
                  snap_ = current;
                  if ((refused = check_move_or_cancel(kind, uid, body.as_object(), ov))) return false;
                  const Occurrence* o = live(uid);
                  storage.add_override(ov, nullptr);
                  storage.append_audit(audit("occurrence." + std::string(override_kind_name(kind)), uid,
                                             o ? json::value(occurrence_view(*snap_, *o)) : json::value(nullptr),
                                             override_view(ov), ov.reason));
                  return true;
                });
    if (refused) return *refused;
    snap_ = after;
    if (const Occurrence* moved = live(uid)) {
      json::object j = occurrence_view(*snap_, *moved);
      if (kind == Override::Kind::move) {
        json::array warnings;
        for (const auto& w : placement_warnings(*moved)) warnings.emplace_back(w);
        if (!warnings.empty()) j["warnings"] = std::move(warnings);
      }
      ApiResponse r = json_response(200, j);
      r.headers.emplace_back("ETag", occurrence_etag(uid));
      return r;
    }
    if (auto it = snap_->stored.find(uid); it != snap_->stored.end()) {
      json::object j = cancelled_view(*snap_, it->second);
      j["reason"] = ov.reason;
      ApiResponse r = json_response(200, j);
      r.headers.emplace_back("ETag", occurrence_etag(uid));
      return r;
    }
    return json_response(200, json::object{{"uid", uid}, {"status", "cancelled"}, {"reason", ov.reason}});
  }

  // Checks an extra occurrence against snap_ and fills `ov` and its `day`; the answer if it is refused.
  std::optional<ApiResponse> check_extra(const json::object& body, Override& ov, LocalDays& day) {
    Problems problems;
    Reader r(body, problems, {"activity", "unit", "start", "end", "first_day", "last_day", "reason"});
    ov = Override{};
    ov.kind = Override::Kind::extra;
    ov.created = now();
    ov.activity = r.text("activity", true).value_or("");
    ov.unit = r.text("unit", false).value_or("");
    ov.reason = r.text("reason", true).value_or("");
    const Activity* activity = config().find_activity(ov.activity);
    if (!ov.activity.empty() && !activity) problems.add("/activity", "unknown activity \"" + ov.activity + "\"");
    if (activity) {
      if (activity->personal) problems.add("/activity", "\"" + ov.activity + "\" is a personal series; add people instead");
      const bool org = activity->scope.kind == Scope::Kind::organisation;
      if (org && !ov.unit.empty())
        problems.add("/unit", "\"" + ov.activity + "\" is held for the whole organisation: expected no unit");
      if (!org && !activity->personal) {
        bool ok = false;
        for (const Unit* u : series_units(config(), *activity))
          if (u && u->id == ov.unit) ok = true;
        if (!ok) problems.add("/unit", "expected a unit the series \"" + ov.activity + "\" is held in, got \"" + ov.unit + "\"");
      }
      read_time(r, problems, *activity, ov, std::nullopt, body);
    }
    if (!problems.empty()) return problems.response();
    day = activity->kind == ActivityKind::meeting ? date::floor<date::days>(to_local(ov.start, config().organisation.zone))
                                                  : ov.first_day;
    return std::nullopt;
  }

  ApiResponse add_extra() {
    json::value body;
    if (auto e = parse_object(req_, body)) return *e;
    Override ov;
    LocalDays day{};
    if (auto refused = check_extra(body.as_object(), ov, day)) return *refused;
    Override stored;
    std::optional<ApiResponse> refused;
    auto after = host_.write("extra " + ov.activity, [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
      // Checked again where it is stored, against the wheel the rebuild starts
      // from, so an override that is stored is one the rebuild places.
      snap_ = current;
      if ((refused = check_extra(body.as_object(), ov, day))) return false;
      const std::string org = config().organisation.id;
      stored = storage.add_override(ov, [&](long long id) { return extra_uid(org, id, ov.activity, ov.unit, day); });
      storage.append_audit(audit("occurrence.extra", stored.uid, nullptr, override_view(stored), stored.reason));
      return true;
    });
    if (refused) return *refused;
    snap_ = after;
    if (const Occurrence* o = live(stored.uid)) return json_response(201, occurrence_view(*snap_, *o));
    throw std::logic_error("an extra occurrence within the horizon is not in the rebuilt snapshot: " + stored.uid);
  }

  // ---- registrations, tasks, progress ---------------------------------------------------------

  // The days whole; the registrations paged by activity and person (?limit,
  // ?cursor), and with ?updated_since those made or moved since.
  ApiResponse list_registrations() {
    if (auto e = check_params(query_, {"activity", "occurrence", "person", "limit", "cursor", "updated_since"})) return *e;
    if (auto e = check_refs({{"activity", 'a'}, {"person", 'p'}})) return *e;
    std::optional<ApiResponse> error;
    const auto limit = number(query_, "limit", 10000, 100000, error);
    const auto after = read_cursor(query_, error);
    const auto since = instant_parameter(query_, "updated_since", error);
    if (error) return *error;
    std::set<std::pair<std::string, std::string>> changed;
    if (since)
      for (auto& r : host_.storage().registrations_updated_since(*since)) changed.emplace(std::move(r.activity), std::move(r.person));
    const std::string activity = query_.get("activity"), occurrence = query_.get("occurrence"), person = query_.get("person");
    std::unordered_map<std::string_view, const Occurrence*> live_days;
    json::array days;
    for (const Occurrence& o : snap_->expansion.occurrences) {
      if (!o.activity->registration) continue;
      if (!activity.empty() && o.activity->id != activity) continue;
      live_days.emplace(o.uid, &o);
      if (!occurrence.empty() && o.uid != occurrence) continue;
      json::array registered;
      for (const auto& id : o.registered) registered.emplace_back(id);
      const int capacity = o.activity->registration->capacity;
      days.push_back(json::object{{"uid", o.uid},
                                  {"activity", o.activity->id},
                                  {"title", occurrence_title(o)},
                                  {"start", local_iso(o.start, config().organisation.zone)},
                                  {"capacity", capacity},
                                  {"registered", o.registered.size()},
                                  {"free", std::max(0, capacity - static_cast<int>(o.registered.size()))},
                                  {"people", std::move(registered)}});
    }
    std::vector<std::pair<std::string, const Registration*>> matching;
    for (const auto& r : snap_->registrations) {
      if (!activity.empty() && r.activity != activity) continue;
      if (!occurrence.empty() && r.occurrence_uid != occurrence) continue;
      if (!person.empty() && r.person != person) continue;
      if (since && !changed.count({r.activity, r.person})) continue;
      matching.emplace_back(r.activity + '\n' + r.person, &r);
    }
    const std::size_t total = matching.size();
    const auto next = cut_page(matching, after, 0, static_cast<std::size_t>(*limit));
    json::array regs;
    for (const auto& [key, reg] : matching) {
      const Registration& r = *reg;
      json::object j{{"activity", r.activity}, {"person", r.person},
                     {"status", r.occurrence_uid.empty() ? "waiting" : "registered"},
                     {"occurrence_uid", r.occurrence_uid.empty() ? json::value(nullptr) : json::value(r.occurrence_uid)}};
      if (const Person* p = config().find_person(r.person)) j["start_date"] = date_or_null(p->start_date);
      if (auto it = live_days.find(r.occurrence_uid); it != live_days.end())
        j["start"] = local_iso(it->second->start, config().organisation.zone);
      regs.push_back(std::move(j));
    }
    json::object answer{{"days", std::move(days)},
                        {"total", total},
                        {"registrations", std::move(regs)},
                        {"next", next_link(segments_, query_, next)},
                        {"as_of", as_of(snap_->built_at)}};
    if (since) {
      // Gone since: a withdrawn hire, a day no longer in the plan. Not by
      // occurrence: a removed registration has none.
      json::array removed;
      for (const auto& [act, who] : host_.storage().registrations_removed_since(*since)) {
        if ((!activity.empty() && act != activity) || (!person.empty() && who != person)) continue;
        removed.push_back(json::object{{"activity", act}, {"person", who}});
      }
      answer["removed"] = std::move(removed);
    }
    return json_response(200, answer);
  }

  // Paged by id (?limit, ?cursor), from storage; ?updated_since gives
  // those made, changed, completed or cancelled since (cancelled ones too,
  // status "cancelled", so that a copy can drop them).
  ApiResponse list_tasks() {
    if (auto e = check_params(query_, {"activity", "unit", "assignee", "status", "occurrence", "kind", "limit", "cursor",
                                       "updated_since"}))
      return *e;
    std::optional<ApiResponse> error;
    const auto limit = number(query_, "limit", 1000, 100000, error);
    const auto after = read_cursor(query_, error);
    const auto since = instant_parameter(query_, "updated_since", error);
    if (error) return *error;
    if (auto e = check_refs({{"activity", 'a'}, {"unit", 'u'}, {"assignee", 'p'}})) return *e;
    TaskQuery q;
    q.status = query_.get("status");
    if (!q.status.empty() && q.status != "open" && q.status != "done" && q.status != "overdue" && q.status != "cancelled")
      return bad_parameter("status", "expected open, done, overdue or cancelled, got \"" + q.status + "\"");
    if (query_.has("kind") && !parse_task_kind(query_.get("kind")))
      return bad_parameter("kind", "expected follow_up, documents or minutes, got \"" + query_.get("kind") + "\"");
    const auto after_id = row_cursor(after, error);
    if (error) return *error;
    q.activity = query_.get("activity");
    q.unit = query_.get("unit");
    q.assignee = query_.get("assignee");
    q.occurrence_uid = query_.get("occurrence");
    q.kind = query_.get("kind");
    q.now = now();
    q.updated_since = since;
    q.after_id = after_id;
    q.limit = *limit + 1;  // one more than asked: is there a next page?
    const long long total = host_.storage().count_tasks(q);
    const std::vector<TaskState> page = host_.storage().tasks(q);
    json::array out;
    std::optional<std::string> last;
    for (const TaskState& t : page) {
      if (static_cast<int>(out.size()) >= *limit) break;
      json::object j = task_view(config(), t, q.now);
      if (t.cancelled) j["status"] = "cancelled";
      j["updated"] = iso_utc(t.updated);
      out.push_back(std::move(j));
      last = std::to_string(t.id);
    }
    const bool more = page.size() > out.size();
    return json_response(200, json::object{{"total", total},
                                           {"tasks", std::move(out)},
                                           {"next", next_link(segments_, query_, more ? last : std::nullopt)},
                                           {"as_of", as_of(snap_->built_at)}});
  }

  ApiResponse complete_task() {
    long long id = 0;
    const std::string& raw = segments_[1];
    auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (ec != std::errc() || ptr != raw.data() + raw.size()) return problem(404, "Not found", "no task \"" + raw + "\"");
    if (!req_.body.empty()) {
      json::value body;
      if (auto e = parse_object(req_, body)) return *e;
      Problems problems;
      Reader r(body.as_object(), problems, {});
      if (!problems.empty()) return problems.response();
    }
    bool found = false;
    const std::string by = caller_.name;
    host_.write("task " + raw + " completed", [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
      found = storage.complete_task(id, by, now());
      if (found) storage.append_audit(audit("task.complete", "task/" + raw, nullptr, json::object{{"status", "done"}}));
      return false;  // the tick plans (or stops planning) its reminders
    });
    if (!found) return problem(404, "Not found", "no task " + raw);
    for (const TaskState& s : host_.storage().tasks())
      if (s.id == id) return json_response(200, task_view(config(), s, now()));
    return problem(404, "Not found", "no task " + raw);
  }

  ApiResponse progress() {
    if (auto e = check_params(query_, {"activity", "occurrence"})) return *e;
    const std::string activity = query_.get("activity");
    if (activity.empty()) return bad_parameter("activity", "required: the id of an activity with tasks");
    const Activity* a = config().find_activity(activity);
    if (!a || !a->tasks) return bad_parameter("activity", "expected an activity with tasks, got \"" + activity + "\"");
    struct Count {
      int total = 0, done = 0, open = 0, overdue = 0;
    };
    std::map<std::string, Count> by_unit;
    const SysSeconds t = now();
    for (const TaskState& s : host_.storage().tasks()) {
      if (s.task.activity != activity) continue;
      if (query_.has("occurrence") && s.task.occurrence_uid != query_.get("occurrence")) continue;
      Count& c = by_unit[s.task.unit];
      ++c.total;
      const std::string_view st = task_status(s, t);
      if (st == "done") ++c.done;
      else if (st == "overdue") ++c.overdue;
      else ++c.open;
    }
    json::array units;
    Count all;
    for (const auto& [unit, c] : by_unit) {
      const Unit* u = config().find_unit(unit);
      units.push_back(json::object{{"unit", unit}, {"name", u ? u->name : unit}, {"total", c.total}, {"done", c.done},
                                   {"open", c.open}, {"overdue", c.overdue}});
      all.total += c.total, all.done += c.done, all.open += c.open, all.overdue += c.overdue;
    }
    return json_response(200, json::object{{"activity", activity},
                                           {"total", all.total},
                                           {"done", all.done},
                                           {"open", all.open},
                                           {"overdue", all.overdue},
                                           {"units", std::move(units)}});
  }

  // ---- the outbox ------------------------------------------------------------------------------

  // Newest first, paged (?limit, ?cursor), filtered by ?status, ?hook,
  // ?event, ?recipient, ?occurrence and ?updated_since.
  ApiResponse list_outbox() {
    if (auto e = check_params(query_, {"status", "limit", "cursor", "updated_since", "hook", "event", "recipient", "occurrence"}))
      return *e;
    OutboxQuery q;
    q.status = query_.get("status");
    if (!q.status.empty() && q.status != "pending" && q.status != "sent" && q.status != "dead" && q.status != "dropped")
      return bad_parameter("status", "expected pending, sent, dead or dropped, got \"" + q.status + "\"");
    std::optional<ApiResponse> error;
    const auto limit = number(query_, "limit", 100, 10000, error);
    const auto before = read_cursor(query_, error);
    q.updated_since = instant_parameter(query_, "updated_since", error);
    if (error) return *error;
    q.before_id = row_cursor(before, error);
    if (error) return *error;
    q.hook = query_.get("hook");
    q.event_type = query_.get("event");
    q.recipient = query_.get("recipient");
    q.occurrence_uid = query_.get("occurrence");
    q.limit = *limit + 1;
    const SysSeconds read_at = now();
    const long long total = host_.storage().count_outbox(q);
    const std::vector<OutboxMessage> page = host_.storage().outbox(q);
    json::array out;
    std::optional<std::string> last;
    for (const OutboxMessage& m : page) {
      if (static_cast<int>(out.size()) >= *limit) break;
      out.push_back(json::object{{"id", m.id},
                                 {"webhook_id", m.webhook_id},
                                 {"hook", m.hook},
                                 {"event_type", m.event_type},
                                 {"occurrence_uid", m.occurrence_uid},
                                 {"recipient", m.recipient},
                                 {"status", m.status},
                                 {"attempts", m.attempts},
                                 {"due", iso_utc(m.due)},
                                 {"updated", iso_utc(m.updated)},
                                 {"last_error", m.last_error}});
      last = std::to_string(m.id);
    }
    const bool more = page.size() > out.size();
    return json_response(200, json::object{{"total", total},
                                           {"messages", std::move(out)},
                                           {"next", next_link(segments_, query_, more ? last : std::nullopt)},
                                           {"as_of", as_of(snap_->built_at, read_at)}});
  }

  ApiResponse retry() {
    long long id = 0;
    const std::string& raw = segments_[1];
    auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (ec != std::errc() || ptr != raw.data() + raw.size()) return problem(404, "Not found", "no message \"" + raw + "\"");
    auto m = host_.storage().outbox_message(id);
    if (!m) return problem(404, "Not found", "no message " + raw);
    if (m->status != "dead" && m->status != "dropped")
      return problem(409, "Conflict", "message " + raw + " is " + m->status + "; only dead or dropped messages are retried");
    switch (retry_message(host_, id, caller_)) {
      case RetryOutcome::retried: return json_response(200, json::object{{"id", id}, {"status", "pending"}});
      case RetryOutcome::not_found: return problem(404, "Not found", "no message " + raw);
      case RetryOutcome::not_dead: break;
    }
    return problem(409, "Conflict", "message " + raw + " is no longer dead or dropped");
  }

  // What HR's override says, for the audit trail.
  json::object override_view(const Override& ov) const {
    const date::time_zone* zone = config().organisation.zone;
    json::object j{{"kind", override_kind_name(ov.kind)}, {"uid", ov.uid}};
    if (!ov.activity.empty()) j["activity"] = ov.activity;
    if (!ov.unit.empty()) j["unit"] = ov.unit;
    if (ov.kind == Override::Kind::agenda) {
      json::array agenda, docs;
      for (const auto& item : ov.agenda) agenda.emplace_back(item);
      for (const auto& d : ov.documents) docs.push_back(json::object{{"title", d.title}, {"url", d.url}});
      j["agenda"] = std::move(agenda);
      j["documents"] = std::move(docs);
    } else if (ov.kind != Override::Kind::cancel) {
      if (ov.start != SysSeconds{}) {
        j["start"] = local_iso(ov.start, zone);
        j["end"] = local_iso(ov.end, zone);
      } else {
        j["first_day"] = format_date(ov.first_day);
        j["last_day"] = format_date(ov.last_day);
      }
    }
    return j;
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  json::object subscription_view(const Subscription& sub) const {
    const std::string kind = sub.filter.substr(0, sub.filter.find(':'));
    const auto colon = sub.filter.find(':');
    json::object j{{"id", sub.id},
                   {"filter", sub.filter},
                   {"kind", kind},
                   {"ref", colon == std::string::npos ? json::value(nullptr) : json::value(sub.filter.substr(colon + 1))},
                   {"created", iso_utc(sub.created)},
                   {"created_by", sub.created_by},
                   {"revoked", sub.revoked ? json::value(iso_utc(*sub.revoked)) : json::value(nullptr)}};
    if (auto f = parse_feed_filter(config(), sub.filter)) j["name"] = feed_name(config(), *f);
    return j;
  }

  // ?kind=person|role|unit|wheel|all, ?ref=ID, ?created_by=NAME, ?include_revoked=true.
  ApiResponse list_subscriptions() {
    if (auto e = check_params(query_, {"kind", "ref", "created_by", "include_revoked"})) return *e;
    std::optional<ApiResponse> error;
    const auto revoked = flag(query_, "include_revoked", error);
    if (error) return *error;
    const std::string kind = query_.get("kind"), ref = query_.get("ref"), by = query_.get("created_by");
    static const std::set<std::string> kinds{"all", "person", "role", "unit", "wheel"};
    if (!kind.empty() && !kinds.count(kind))
      return bad_parameter("kind", "expected one of all, person, role, unit, wheel, got \"" + kind + "\"");
    json::array out;
    for (const Subscription& sub : host_.storage().subscriptions(*revoked)) {
      const auto colon = sub.filter.find(':');
      const std::string k = sub.filter.substr(0, colon);
      const std::string r = colon == std::string::npos ? std::string() : sub.filter.substr(colon + 1);
      if (!kind.empty() && k != kind) continue;
      if (!ref.empty() && r != ref) continue;
      if (!by.empty() && sub.created_by != by) continue;
      out.push_back(subscription_view(sub));
    }
    return json_response(200, json::object{{"subscriptions", std::move(out)}});
  }

  // {filter: "unit:skole" | "person:ID" | "role:NAME" | "wheel:ID" | "all", reason?}
  ApiResponse create_subscription() {
    json::value body;
    if (auto e = parse_object(req_, body)) return *e;
    std::optional<ApiResponse> refused;
    auto check = [&](FeedFilter& filter, std::string& reason) -> bool {
      Problems problems;
      Reader r(body.as_object(), problems, {"filter", "reason"});
      const auto text = r.text("filter", true);
      reason = r.text("reason", false).value_or("");
      if (text) {
        auto f = parse_feed_filter(config(), *text);
        if (f) filter = *f;
        else problems.add("/filter", f.error());
      }
      if (problems.empty()) return true;
      refused = problems.response();
      return false;
    };
    FeedFilter filter;
    std::string reason;
    if (!check(filter, reason)) return *refused;
    std::string base = host_.storage().setting("public_url");
    if (base.empty()) base = "http://127.0.0.1:8080";
    const std::string token = new_token();
    SubscriptionLinks links;
    Subscription sub;
    host_.write("subscription " + filter.to_string() + " created",
                [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
                  snap_ = current;  // checked again where it is stored: a reload may have come between
                  if (!check(filter, reason)) return false;
                  links = subscription_links(base, token, filter);
                  json::object after{{"filter", filter.to_string()}, {"name", feed_name(config(), filter)}};
                  sub = storage.create_subscription(
                      token_hash(token), filter.to_string(), "", now(),
                      audit("subscription.create", "", nullptr, after, reason), [&](long long id) {
                        return subscription_messages(config(), id, filter, links, caller_.name, now());
                      });
                  return false;  // no rebuild: the writer refreshes the feeds' index before it answers
                });
    if (refused) return *refused;
    json::object j = subscription_view(sub);
    j["token"] = token;  // shown once: only its hash is kept
    j["feed_url"] = links.feed_url;
    j["webcal_url"] = links.webcal_url;
    if (!links.page_url.empty()) j["page_url"] = links.page_url;
    // Rendered here, on the worker, from the snapshot the feed will first answer from.
    if (auto notice = large_feed_notice(render_feed(*host_.snapshot(), filter, now())))
      j["warnings"] = json::array{json::value(*notice)};
    ApiResponse r = json_response(201, j);
    r.headers.emplace_back("Location", "/api/v1/subscriptions/" + std::to_string(sub.id));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  // DELETE /subscriptions/ID?reason=...
  ApiResponse revoke_subscription() {
    if (auto e = check_params(query_, {"reason"})) return *e;
    long long id = 0;
    const std::string& raw = segments_[1];
    auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (ec != std::errc() || ptr != raw.data() + raw.size()) return problem(404, "Not found", "no subscription \"" + raw + "\"");
    Storage::Revocation outcome = Storage::Revocation::not_found;
    host_.write("subscription " + raw + " revoked", [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
      const auto before = storage.subscription(id);
      json::value was = before ? json::value(json::object{{"filter", before->filter}}) : json::value(nullptr);
      outcome = storage.revoke_subscription(
          id, now(), audit("subscription.revoke", "", was, json::object{{"revoked", true}}, query_.get("reason")));
      return false;
    });
    switch (outcome) {
      case Storage::Revocation::not_found: return problem(404, "Not found", "no subscription " + raw);
      case Storage::Revocation::already_revoked: return problem(409, "Conflict", "subscription " + raw + " is already revoked");
      case Storage::Revocation::revoked: break;
    }
    const auto sub = host_.storage().subscription(id);
    if (!sub) return problem(404, "Not found", "no subscription " + raw);
    return json_response(200, subscription_view(*sub));
  }

  // ---- the audit trail -------------------------------------------------------------------------

  // ?actor, ?action, ?target (a prefix), ?from, ?to (YYYY-MM-DD, local days, both included), ?limit, ?cursor.
  ApiResponse list_audit() {
    if (token_->role != "hr") return problem(403, "Forbidden", "only a token with the role \"hr\" may read the audit trail");
    if (auto e = check_params(query_, {"actor", "action", "target", "from", "to", "limit", "cursor"})) return *e;
    AuditQuery q;
    q.actor = query_.get("actor");
    q.action = query_.get("action");
    q.target = query_.get("target");
    const date::time_zone* zone = config().organisation.zone;
    for (const char* name : {"from", "to"}) {
      if (!query_.has(name)) continue;
      auto d = parse_date(query_.get(name));
      if (!d) return bad_parameter(name, "expected a date YYYY-MM-DD, got \"" + query_.get(name) + "\"");
      if (name[0] == 'f') q.from = to_utc(LocalSeconds{*d}, zone);
      else q.to = to_utc(LocalSeconds{*d + date::days{1}}, zone);
    }
    if (q.from && q.to && *q.to <= *q.from) return bad_parameter("to", "must not be before from");
    std::optional<ApiResponse> error;
    const auto limit = number(query_, "limit", 100, 1000, error);
    if (error) return *error;
    if (*limit == 0) return bad_parameter("limit", "expected a whole number from 1 to 1000, got \"0\"");
    q.limit = *limit;
    if (query_.has("cursor")) {
      const std::string v = query_.get("cursor");
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q.before_id);
      if (ec != std::errc() || ptr != v.data() + v.size() || q.before_id <= 0)
        return bad_parameter("cursor", "expected the next_cursor of an earlier answer, got \"" + v + "\"");
    }
    json::array out;
    const auto rows = host_.storage().audit(q);
    for (const AuditEntry& e : rows) {
      auto parse = [](const std::string& text) {
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        return ec ? json::value(text) : v;
      };
      out.push_back(json::object{{"id", e.id},
                                 {"at", iso_utc(e.at)},
                                 {"actor", e.actor},
                                 {"door", e.door},
                                 {"action", e.action},
                                 {"target", e.target},
                                 {"before", parse(e.before)},
                                 {"after", parse(e.after)},
                                 {"reason", e.reason}});
    }
    const bool more = static_cast<int>(rows.size()) == q.limit;
    return json_response(200, json::object{{"entries", std::move(out)},
                                           {"next_cursor", more ? json::value(rows.back().id) : json::value(nullptr)}});
  }

  // ---- API tokens ------------------------------------------------------------------------------

  static json::object token_view(const ApiToken& t) {
    return json::object{{"id", t.id},
                        {"role", t.role},
                        {"name", t.name},
                        {"created", iso_utc(t.created)},
                        {"revoked", t.revoked ? json::value(iso_utc(*t.revoked)) : json::value(nullptr)}};
  }

  ApiResponse list_tokens() {
    // Which tokens exist and who holds them is HR's business, not a reader's.
    if (token_->role != "hr") return problem(403, "Forbidden", "only a token with the role \"hr\" may list the API tokens");
    if (auto e = check_params(query_, {})) return *e;
    json::array out;
    for (const ApiToken& t : host_.storage().api_tokens()) out.push_back(token_view(t));
    return json_response(200, json::object{{"tokens", std::move(out)}});
  }

  // A token may revoke itself: this request was let in before, the next is refused.
  ApiResponse revoke_token() {
    long long id = 0;
    const std::string& raw = segments_[1];
    auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (ec != std::errc() || ptr != raw.data() + raw.size()) return problem(404, "Not found", "no API token \"" + raw + "\"");
    TokenRevocation outcome = TokenRevocation::not_found;
    host_.write("API token " + raw + " revoked", [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
      outcome = storage.revoke_api_token(id, now());
      if (outcome == TokenRevocation::revoked)
        storage.append_audit(audit("token.revoke", "token/" + raw, nullptr, json::object{{"revoked", true}}));
      return false;  // nothing in the wheel depends on tokens
    });
    switch (outcome) {
      case TokenRevocation::not_found: return problem(404, "Not found", "no API token " + raw);
      case TokenRevocation::already_revoked:
        return problem(409, "Conflict", "API token " + raw + " is already revoked");
      case TokenRevocation::revoked: break;
    }
    for (const ApiToken& t : host_.storage().api_tokens())
      if (t.id == id) return json_response(200, token_view(t));
    return problem(404, "Not found", "no API token " + raw);
  }

  // {hook?, from?, to?}: dead letters by hook and due period back to pending.
  ApiResponse retry_dead() {
    json::value body;
    if (auto e = parse_object(req_, body)) return *e;
    Problems problems;
    Reader r(body.as_object(), problems, {"hook", "from", "to"});
    const std::string hook = r.text("hook", false).value_or("");
    const auto from = r.date("from");
    const auto to = r.date("to");
    if (!hook.empty()) {
      std::vector<std::string> ids;
      for (const Hook& h : config().hooks) ids.push_back(h.id);
      if (std::find(ids.begin(), ids.end(), hook) == ids.end()) {
        std::string msg = "no configured hook \"" + hook + "\"";
        if (auto s = did_you_mean(hook, ids)) msg += " (did you mean \"" + *s + "\"?)";
        else msg += ids.empty() ? " (no hooks are configured)" : " (expected one of the [[hook]] ids in arshjul.toml)";
        problems.add("/hook", msg);
      }
    }
    if (from && to && *to < *from)
      problems.add("/to", "expected a day on or after from (" + format_date(*from) + "), got " + format_date(*to));
    if (!problems.empty()) return problems.response();
    const int n = retry_dead_letters(host_, hook, from, to, caller_);
    return json_response(200, json::object{{"retried", n}});
  }

  ApiHost& host_;
  const ApiRequest& req_;
  Query query_;
  std::vector<std::string> segments_;
  std::optional<ApiToken> token_;
  Caller caller_;
  std::shared_ptr<const Snapshot> snap_;
  std::vector<std::string> allowed_;  // methods of the routes whose path matched
};

}  // namespace

bool api_allows_large_body(std::string_view target) {
  return target.rfind("/api/v1/people/import", 0) == 0;
}

ApiResponse handle_api(ApiHost& host, const ApiRequest& request) {
  try {
    return Api(host, request).run();
  } catch (const std::exception& e) {
    // The cause goes to the operator's log; the client gets an id to quote.
    const std::string incident = log_incident(host, request.method + " " + request.target.substr(0, request.target.find('?')), e.what());
    return problem(500, "Internal error", "the request could not be completed; the daemon's log has the cause under incident " + incident);
  }
}

std::optional<ApiResponse> api_refuse_before_body(ApiHost& host, const ApiRequest& head) {
  try {
    return Api(host, head).refuse_before_body();
  } catch (const std::exception& e) {
    const std::string incident = log_incident(host, head.method + " " + head.target.substr(0, head.target.find('?')), e.what());
    return problem(500, "Internal error", "the request could not be completed; the daemon's log has the cause under incident " + incident);
  }
}

RetryOutcome retry_message(ApiHost& host, long long id, const Caller& who) {
  RetryOutcome outcome = RetryOutcome::not_found;
  host.write("outbox message " + std::to_string(id) + " retried", [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
    const auto m = storage.outbox_message(id);
    if (!m) return false;
    const SysSeconds now = host.clock().now();
    outcome = storage.retry(id, now) ? RetryOutcome::retried : RetryOutcome::not_dead;
    if (outcome == RetryOutcome::retried)
      storage.append_audit(audit_entry(who, now, "outbox.retry", "outbox/" + std::to_string(id),
                                       json::serialize(json::object{{"status", m->status}}),
                                       json::serialize(json::object{{"status", "pending"}})));
    return false;
  });
  return outcome;
}

int retry_dead_letters(Storage& storage, const date::time_zone* zone, const std::string& hook,
                       std::optional<LocalDays> from, std::optional<LocalDays> to, SysSeconds now) {
  const SysSeconds begin = from ? to_utc(LocalSeconds{*from}, zone) : SysSeconds{};
  const SysSeconds end = to ? to_utc(LocalSeconds{*to + date::days{1}}, zone) : SysSeconds{Seconds{1LL << 50}};
  const int n = storage.retry_dead(hook, begin, end, now);
  if (!hook.empty()) clear_hook_gone(storage, hook);
  return n;
}

int retry_dead_letters(ApiHost& host, const std::string& hook, std::optional<LocalDays> from,
                       std::optional<LocalDays> to, const Caller& who) {
  int n = 0;
  std::string why = "dead letters retried";
  if (!hook.empty()) why += " for hook " + hook;
  if (from) why += " from " + format_date(*from);
  if (to) why += " to " + format_date(*to);
  host.write(why, [&](Storage& storage, const std::shared_ptr<const Snapshot>& current) {
    const SysSeconds now = host.clock().now();
    n = retry_dead_letters(storage, current->config.organisation.zone, hook, from, to, now);
    json::object what{{"hook", hook.empty() ? json::value(nullptr) : json::value(hook)},
                      {"from", from ? json::value(format_date(*from)) : json::value(nullptr)},
                      {"to", to ? json::value(format_date(*to)) : json::value(nullptr)},
                      {"retried", n}};
    storage.append_audit(audit_entry(who, now, "outbox.retry_dead", hook.empty() ? "outbox" : "hook/" + hook, "null",
                                     json::serialize(what)));
    return false;
  });
  host.log(why + ": " + std::to_string(n) + " back to pending");
  return n;
}

std::string token_actor(const ApiToken& token) {
  return token.name.empty() ? "token " + std::to_string(token.id) : token.name;
}

AuditEntry audit_entry(const Caller& who, SysSeconds now, std::string action, std::string target, std::string before,
                       std::string after, std::string reason) {
  AuditEntry e;
  e.at = now;
  e.actor = who.name;
  e.door = who.door;
  e.action = std::move(action);
  e.target = std::move(target);
  e.before = std::move(before);
  e.after = std::move(after);
  e.reason = std::move(reason);
  return e;
}

std::string log_incident(ApiHost& host, std::string_view where, std::string_view cause) {
  const std::string id = new_token().substr(0, 10);
  host.log("internal error (incident " + id + ") in " + std::string(where) + ": " + std::string(cause));
  return id;
}

}  // namespace arshjul
