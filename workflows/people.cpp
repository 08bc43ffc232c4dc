#include "workflows/people.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "workflows/text.h"

namespace arshjul {
namespace {

// Safe to quote whatever the input held: a message is always valid UTF-8.
std::string quoted(std::string_view s) {
  return "\"" + printable(s) + "\"";
}

template <class Strings>
std::string join(const Strings& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// " (did you mean "x"?)", or the whole list when it is short enough to read.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates, bool list_if_none) {
  if (auto s = did_you_mean(word, candidates)) return " (did you mean " + quoted(*s) + "?)";
  if (list_if_none && !candidates.empty() && candidates.size() <= 20)
    return " (expected one of: " + join(candidates, ", ") + ")";
  return "";
}

// What check_person looks things up in. Built once per import, so checking a
// row costs hash lookups rather than scans of the roster.
class RosterLookups {
 public:
  explicit RosterLookups(const Config& config) : config_(config) {
    for (const auto& u : config.units) {
      units_.insert(u.id);
      unit_ids_.push_back(u.id);
    }
    for (const auto& c : config.committees) {
      committees_.insert(c.id);
      committee_ids_.push_back(c.id);
    }
  }

  // Makes has_person a hash lookup, for checking many people at once.
  void index_people(std::size_t expected_rows) {
    people_.emplace();
    people_->reserve(config_.people.size() + expected_rows);
    for (const auto& p : config_.people) people_->emplace(p.id, 0);
  }

  // Counts an import's row as a person (replacing a config person of the same
  // id); returns the line of an earlier row with this id, or 0. The id must
  // outlive the RosterLookups.
  int add_row(std::string_view id, int line) {
    auto [it, fresh] = people_->try_emplace(id, line);
    if (fresh) return 0;
    if (it->second == 0) it->second = line;
    return it->second == line ? 0 : it->second;
  }

  bool has_unit(std::string_view id) const { return units_.count(id) != 0; }
  bool has_committee(std::string_view id) const { return committees_.count(id) != 0; }
  bool has_person(std::string_view id) const {
    return people_ ? people_->count(id) != 0 : config_.find_person(id) != nullptr;
  }

  const std::vector<std::string>& unit_ids() const { return unit_ids_; }
  const std::vector<std::string>& committee_ids() const { return committee_ids_; }

  // A roster of tens of thousands makes each suggestion a long scan, so an
  // import with many distinct unknown managers stops suggesting after a few.
  std::string person_suggestion(std::string_view id) const {
    if (auto it = person_hints_.find(std::string(id)); it != person_hints_.end()) return it->second;
    if (person_hints_.size() >= 32) return "";
    if (person_ids_.empty()) {
      if (people_) for (const auto& entry : *people_) person_ids_.emplace_back(entry.first);
      else for (const auto& p : config_.people) person_ids_.push_back(p.id);
      std::sort(person_ids_.begin(), person_ids_.end());  // a stable choice among equally close ids
    }
    return person_hints_[std::string(id)] = suggestion(id, person_ids_, false);
  }

 private:
  const Config& config_;
  std::unordered_set<std::string_view> units_, committees_;
  std::vector<std::string> unit_ids_, committee_ids_;
  std::optional<std::unordered_map<std::string_view, int>> people_;  // id → first row's line, 0 for config people
  mutable std::vector<std::string> person_ids_;
  mutable std::unordered_map<std::string, std::string> person_hints_;
};

void check(const RosterLookups& roster, const Person& p, std::vector<PersonProblem>& out) {
  const auto problem = [&](std::string field, std::string message) {
    out.push_back({std::move(field), std::move(message)});
  };

  // Text that is not UTF-8 or holds control characters is refused in every
  // field before anything else is judged, so nothing stored can make the API,
  // a feed or a webhook payload invalid. Only a name may hold a line break
  // (RFC 4180 allows one in a quoted field, and an export may carry it).
  const auto text = [&](std::string field, std::string_view value, bool line_breaks = false) {
    auto why = check_text(value, line_breaks);
    if (why) problem(std::move(field), std::move(*why));
    return !why;
  };

  if (!valid_id(p.id))
    problem("id", "expected an id of lower-case letters a-z, digits and '-' (1 to 64, not starting or ending with '-'), got " +
                      quoted(p.id));
  if (p.name.empty()) problem("name", "expected the person's name, got an empty one");
  else text("name", p.name, true);
  if (!p.email.empty() && text("email", p.email)) {
    const auto at = p.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == p.email.size() || p.email.find('@', at + 1) != std::string::npos)
      problem("email", "expected an e-mail address with one '@' (name@example.no), got " + quoted(p.email));
  }
  text("union", p.union_name);

  if (!p.unit.empty() && text("unit", p.unit) && !roster.has_unit(p.unit))
    problem("unit", "unknown unit " + quoted(p.unit) + suggestion(p.unit, roster.unit_ids(), true));
  std::vector<std::string> unit_bound, without_union;
  for (Role r : p.roles) {
    if (is_unit_bound(r)) unit_bound.push_back(quoted(role_name(r)));
    if ((r == Role::hovedtillitsvalgt || r == Role::plasstillitsvalgt) && p.union_name.empty())
      without_union.push_back(quoted(role_name(r)));
  }
  if (p.unit.empty() && !unit_bound.empty())
    problem("unit", "role " + join(unit_bound, ", ") + " needs the person's unit (the role is held in a unit), got none");
  if (!without_union.empty())
    problem("union", "role " + join(without_union, ", ") +
                         " needs the union the person represents (e.g. \"Fagforbundet\"), got none");

  for (std::size_t i = 0; i < p.committees.size(); ++i) {
    const Membership& seat = p.committees[i];
    const std::string field = "committees[" + std::to_string(i) + "]";
    if (text(field, seat.committee) && !roster.has_committee(seat.committee))
      problem(field,
              "unknown committee " + quoted(seat.committee) + suggestion(seat.committee, roster.committee_ids(), true));
    if (seat.from && seat.to && *seat.to < *seat.from)
      problem(field + ".to", "expected the last day on the committee on or after from (" + format_date(*seat.from) +
                                 "), got " + format_date(*seat.to));
  }

  if (p.leader_start_date && std::find(p.roles.begin(), p.roles.end(), Role::leader) == p.roles.end())
    problem("leader_start_date", "a leader_start_date needs the role \"leader\", got roles [" +
                                     join([&] {
                                       std::vector<std::string> names;
                                       for (Role r : p.roles) names.emplace_back(role_name(r));
                                       return names;
                                     }(), ", ") +
                                     "]");

  if (p.leader_end_date && std::find(p.roles.begin(), p.roles.end(), Role::leader) == p.roles.end())
    problem("leader_end_date", "a leader_end_date needs the role \"leader\" (acting leaders use acting.to)");
  if (p.leader_start_date && p.leader_end_date && *p.leader_end_date < *p.leader_start_date)
    problem("leader_end_date", "expected the last day as leader on or after leader_start_date (" +
                                   format_date(*p.leader_start_date) + "), got " + format_date(*p.leader_end_date));
  if (p.acting) {
    if (p.acting->unit.empty())
      problem("acting.unit", "expected the unit the person leads while acting, got none");
    else if (text("acting.unit", p.acting->unit) && !roster.has_unit(p.acting->unit))
      problem("acting.unit", "unknown unit " + quoted(p.acting->unit) + suggestion(p.acting->unit, roster.unit_ids(), true));
    if (p.acting->to < p.acting->from)
      problem("acting.to", "expected the last day of acting on or after acting.from (" + format_date(p.acting->from) +
                               "), got " + format_date(p.acting->to));
  }

  if (!p.manager.empty() && text("manager", p.manager)) {
    if (p.manager == p.id)
      problem("manager", "a person cannot be their own manager; expected another person, got the person themselves");
    else if (!roster.has_person(p.manager))
      problem("manager", "unknown person " + quoted(p.manager) + roster.person_suggestion(p.manager));
  }
}

// ---- CSV ---------------------------------------------------------------------

enum Column {
  c_id, c_name, c_email, c_unit, c_roles, c_union, c_committees, c_start_date, c_leader_start_date, c_manager,
  c_leader_end_date, c_acting_unit, c_acting_from, c_acting_to
};
constexpr std::size_t kColumns = std::size(kPeopleCsvColumns);
static_assert(kColumns == c_acting_to + 1, "Column must follow kPeopleCsvColumns");

struct CsvProblem {
  std::size_t field = 0;  // 0-based index of the field in its record
  std::string message;
};

struct Record {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
  std::vector<CsvProblem> problems;
};

// The field separator of an export, from its header line: ',' as RFC 4180
// has it, or ';' (Excel's default where the decimal mark is a comma, as in
// Norway) or a tab ("Unicode text") when the header holds that and no comma.
char detect_separator(std::string_view text) {
  const std::string_view header = text.substr(0, text.find_first_of("\r\n"));
  if (header.find(',') != std::string_view::npos) return ',';
  if (header.find(';') != std::string_view::npos) return ';';
  if (header.find('\t') != std::string_view::npos) return '\t';
  return ',';
}

// RFC 4180 records, one at a time, with `separator` between fields. Blank
// lines are skipped; a final line break is optional; CRLF, LF and lone CR all
// end a line.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
    sep_ = detect_separator(text_);
  }

  char separator() const { return sep_; }

  // Reads the next record that is not blank; false when the text is used up.
  bool next(Record& r) {
    while (pos_ < text_.size()) {
      read(r);
      const bool blank = r.problems.empty() && r.fields.size() == 1 && trim(r.fields[0]).empty() && !quoted_;
      if (!blank) return true;
    }
    return false;
  }

 private:
  static bool line_break(char c) { return c == '\n' || c == '\r'; }
  bool blank(char c) const { return c == ' ' || (c == '\t' && sep_ != '\t'); }
  std::string separator_name() const { return sep_ == '\t' ? "a tab" : std::string("'") + sep_ + "'"; }

  void skip_line_break() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  void read(Record& r) {
    r.line = line_;
    r.fields.clear();
    r.problems.clear();
    quoted_ = false;
    for (;;) {
      r.fields.emplace_back();
      std::string& f = r.fields.back();
      const std::size_t index = r.fields.size() - 1;
      // Spaces before an opening quote are tolerated: `a, "b, c"` is common by hand.
      std::size_t start = pos_;
      while (start < text_.size() && blank(text_[start])) ++start;
      if (start < text_.size() && text_[start] == '"') {
        quoted_ = true;
        pos_ = start + 1;
        if (!read_quoted(f)) {
          r.problems.push_back({index, "quoted field is never closed: expected a closing '\"' before the end of the file"});
          return;
        }
        std::size_t after = pos_;
        while (after < text_.size() && blank(text_[after])) ++after;
        if (after < text_.size() && text_[after] != sep_ && !line_break(text_[after])) {
          r.problems.push_back({index, "expected " + separator_name() + " or the end of the line after a closing quote, got '" +
                                           text_[after] + "'"});
          while (after < text_.size() && text_[after] != sep_ && !line_break(text_[after])) ++after;
        }
        pos_ = after;
      } else {
        std::size_t end = pos_;
        while (end < text_.size() && text_[end] != sep_ && !line_break(text_[end])) ++end;
        const std::string_view raw = text_.substr(pos_, end - pos_);
        if (raw.find('"') != std::string_view::npos)
          r.problems.push_back({index, "a '\"' inside an unquoted field; expected the whole field in quotes with the "
                                       "quote doubled (\"\"), got " + std::string(raw)});
        f.assign(trim(raw));
        pos_ = end;
      }
      if (pos_ >= text_.size()) return;
      if (text_[pos_] == sep_) {
        ++pos_;
        continue;
      }
      skip_line_break();
      return;
    }
  }

  // Reads up to and past the closing quote; false at the end of the text.
  bool read_quoted(std::string& f) {
    while (pos_ < text_.size()) {
      const std::size_t stop = text_.find_first_of("\"\r\n", pos_);
      if (stop == std::string_view::npos) break;
      f.append(text_.substr(pos_, stop - pos_));
      pos_ = stop;
      if (text_[pos_] == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          f += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        const std::string_view inner = trim(f);
        if (inner.size() != f.size()) f = std::string(inner);
        return true;
      }
      // One line break whatever the file uses, so a CRLF export reads like an LF one.
      f += '\n';
      skip_line_break();
    }
    pos_ = text_.size();
    return false;
  }

  std::string_view text_;
  char sep_ = ',';
  std::size_t pos_ = 0;
  int line_ = 1;
  bool quoted_ = false;  // the last record had a quoted field, so it is not blank
};

// Lists are separated by ';', or by ',' inside a quoted field or in a file
// whose fields are separated by ';' (ids hold neither).
std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto semi = s.find_first_of(";,");
    const auto item = trim(s.substr(0, semi));
    if (!item.empty()) out.emplace_back(item);  // "a;b;" is a list of two
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  return out;
}

class CsvImport {
 public:
  CsvImport(std::string_view path, const Config& config, bool strict) : path_(path), config_(config), strict_(strict) {}

  PeopleCsv run(std::string_view text) {
    CsvReader reader(text);
    // Room for every row up front: no Person is moved while reading.
    const auto breaks = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    people_.reserve(breaks + 1);
    lines_.reserve(breaks + 1);
    bad_seats_.reserve(breaks + 1);
    Record r;
    if (!reader.next(r)) {
      error(1, 1, "", "expected a header row naming the columns (id, name, unit, ...), got an empty file");
      return finish();
    }
    const bool usable = read_header(r);
    while (reader.next(r)) read_row(r, usable);
    if (usable) check_rows();
    return finish();
  }

 private:
  // Keeps the first kMaxReportedCsvErrors by place in the file and counts the
  // rest, so 200,000 bad rows cost no more memory than 100. Messages may
  // quote the file, so they are made printable: a report is always UTF-8.
  void error(int line, std::size_t column, std::string field, std::string message) {
    ++result_.error_count;
    Found found{{}, line, static_cast<int>(column), order_++};
    if (found_.size() == kMaxReportedCsvErrors) {
      if (!earlier(found, found_.front())) return;
      std::pop_heap(found_.begin(), found_.end(), earlier);
      found_.pop_back();
    }
    found.error = {std::string(path_), line, static_cast<int>(column), printable(field), printable(message)};
    found_.push_back(std::move(found));
    std::push_heap(found_.begin(), found_.end(), earlier);
  }

  // A field of check_person ("roles[1]") lives in the column of its name; a
  // union missing with no union column is shown at the roles that need it.
  std::size_t column_of(std::string_view field) const {
    std::string name(field.substr(0, field.find('[')));
    std::replace(name.begin(), name.end(), '.', '_');  // "acting.unit" is the column acting_unit
    for (std::size_t c = 0; c < kColumns; ++c)
      if (kPeopleCsvColumns[c] == name && at_[c] >= 0) return static_cast<std::size_t>(at_[c]) + 1;
    return at_[c_roles] >= 0 ? static_cast<std::size_t>(at_[c_roles]) + 1 : 1;
  }

  std::string header_name(std::size_t index) const { return index < header_.size() ? header_[index] : ""; }

  bool report_syntax(const Record& r) {
    for (const auto& p : r.problems) error(r.line, p.field + 1, header_name(p.field), p.message);
    return r.problems.empty();
  }

  // Returns whether rows can be read by these columns: every required one is there.
  bool read_header(const Record& r) {
    at_.fill(-1);
    header_ = r.fields;
    // A broken header names no columns to speak of; its rows are still read for their syntax.
    if (!r.problems.empty()) {
      for (const auto& p : r.problems) error(r.line, p.field + 1, "", p.message);
      return false;
    }
    const std::vector<std::string> known(std::begin(kPeopleCsvColumns), std::end(kPeopleCsvColumns));
    std::vector<std::string> misspelt;
    const auto in_header = [&](std::string_view name) {
      return std::find(r.fields.begin(), r.fields.end(), name) != r.fields.end();
    };
    for (std::size_t i = 0; i < r.fields.size(); ++i) {
      const std::string& name = r.fields[i];
      const auto it = std::find(known.begin(), known.end(), name);
      if (it == known.end()) {
        // A near miss of a column the header lacks is a typo that would lose
        // that column's data; anything else is the HR export's own field.
        const auto near = did_you_mean(name, known);
        if (strict_ || (near && !in_header(*near))) {
          if (near) misspelt.push_back(*near);
          error(r.line, i + 1, name, "unknown column " + quoted(name) + suggestion(name, known, true));
        } else if (result_.warnings.size() < kMaxReportedCsvErrors) {
          result_.warnings.push_back({std::string(path_), r.line, static_cast<int>(i + 1), printable(name),
                                      "column " + quoted(name) + " is not one arshjul reads; its values are ignored (" +
                                          "strict=true refuses such a file)"});
        } else {
          ++unlisted_columns_;  // a header of a million columns must not make an answer of a million warnings
        }
        continue;
      }
      int& at = at_[static_cast<std::size_t>(it - known.begin())];
      if (at >= 0) {
        error(r.line, i + 1, name, "column " + quoted(name) + " appears twice; expected it once, first in column " +
                                       std::to_string(at + 1));
        continue;
      }
      at = static_cast<int>(i);
    }
    bool usable = true;
    for (Column c : {c_id, c_name, c_unit}) {
      if (at_[c] >= 0) continue;
      usable = false;
      const std::string name(kPeopleCsvColumns[c]);
      // A misspelt header ("unti") is already reported with the suggestion.
      if (std::find(misspelt.begin(), misspelt.end(), name) == misspelt.end())
        error(r.line, 1, name, "missing required column " + quoted(name) + " (the header needs id, name and unit)");
    }
    return usable;
  }

  void read_row(Record& r, bool usable) {
    if (!report_syntax(r)) return;
    if (r.fields.size() != header_.size()) {
      const std::size_t n = r.fields.size();
      if (n < header_.size())
        error(r.line, n + 1, header_name(n),
              "expected " + std::to_string(header_.size()) + " fields as in the header, got " + std::to_string(n));
      else
        error(r.line, header_.size() + 1, "",
              "expected " + std::to_string(header_.size()) + " fields as in the header, got " + std::to_string(n));
      return;
    }
    if (!usable) return;

    Person p;
    const auto take = [&](Column c) -> std::string {
      return at_[c] >= 0 ? std::move(r.fields[static_cast<std::size_t>(at_[c])]) : std::string();
    };
    const auto field_error = [&](Column c, std::string field, std::string message) {
      error(r.line, static_cast<std::size_t>(at_[c]) + 1, std::move(field), std::move(message));
    };

    p.id = take(c_id);
    p.name = take(c_name);
    p.email = take(c_email);
    p.unit = take(c_unit);
    p.union_name = take(c_union);
    p.manager = take(c_manager);
    const auto seats = split_list(take(c_committees));
    bool seat_errors = false;
    for (std::size_t i = 0; i < seats.size(); ++i) {
      if (auto seat = parse_membership(seats[i])) p.committees.push_back(std::move(seat).value());
      else {
        field_error(c_committees, "committees[" + std::to_string(i) + "]", seat.error());
        seat_errors = true;
      }
    }
    const auto roles = split_list(take(c_roles));
    for (std::size_t i = 0; i < roles.size(); ++i) {
      if (auto role = role_from_name(roles[i])) {
        p.roles.push_back(*role);
        continue;
      }
      static const std::vector<std::string> names = [] {
        const auto v = role_names();
        return std::vector<std::string>(v.begin(), v.end());
      }();
      field_error(c_roles, "roles[" + std::to_string(i) + "]", "unknown role " + quoted(roles[i]) + suggestion(roles[i], names, true));
    }
    std::optional<LocalDays> acting_from, acting_to;
    for (auto [c, date] : {std::pair{c_start_date, &p.start_date}, std::pair{c_leader_start_date, &p.leader_start_date},
                           std::pair{c_leader_end_date, &p.leader_end_date}, std::pair{c_acting_from, &acting_from},
                           std::pair{c_acting_to, &acting_to}}) {
      const std::string text = take(c);
      if (text.empty()) continue;
      auto d = parse_date(text);
      if (d) *date = *d;
      else field_error(c, std::string(kPeopleCsvColumns[c]), d.error());
    }
    // An acting period is three columns that go together: all or none.
    std::string acting_unit = take(c_acting_unit);
    if (!acting_unit.empty() && acting_from && acting_to) {
      p.acting = Person::Acting{std::move(acting_unit), *acting_from, *acting_to};
    } else if (!acting_unit.empty() || acting_from || acting_to) {
      for (Column c : {c_acting_unit, c_acting_from, c_acting_to})
        if (at_[c] < 0 || (c == c_acting_unit ? acting_unit.empty() : !(c == c_acting_from ? acting_from : acting_to))) {
          const std::string name(kPeopleCsvColumns[c]);
          error(r.line, at_[c] >= 0 ? static_cast<std::size_t>(at_[c]) + 1 : 1, name,
                "an acting leader needs acting_unit, acting_from and acting_to together; " + name + " is empty");
        }
    }

    people_.push_back(std::move(p));
    lines_.push_back(r.line);
    bad_seats_.push_back(seat_errors);
  }

  // Once every row is read, so a manager may be a later row.
  void check_rows() {
    RosterLookups roster(config_);
    roster.index_people(people_.size());
    for (std::size_t i = 0; i < people_.size(); ++i) {
      const auto& id = people_[i].id;
      if (id.empty()) continue;
      if (int first = roster.add_row(id, lines_[i]))
        error(lines_[i], static_cast<std::size_t>(at_[c_id]) + 1, "id",
              "duplicate id " + quoted(id) + "; expected each person once, first on line " + std::to_string(first));
    }
    std::vector<PersonProblem> problems;
    for (std::size_t i = 0; i < people_.size(); ++i) {
      problems.clear();
      check(roster, people_[i], problems);
      for (auto& pr : problems) {
        // A seat that did not read is left out, so the indices after it would be off.
        if (bad_seats_[i] && pr.field.rfind("committees[", 0) == 0) continue;
        const std::size_t column = column_of(pr.field);
        error(lines_[i], column, std::move(pr.field), std::move(pr.message));
      }
    }
  }

  PeopleCsv finish() {
    if (unlisted_columns_ > 0)
      result_.warnings.push_back({std::string(path_), 1, 0, "",
                                  std::to_string(unlisted_columns_) + " more columns arshjul does not read are ignored"});
    if (result_.error_count == 0) {
      // Only now: errors name each role and seat where the file has it.
      for (Person& p : people_) drop_repeats(p);
      result_.people = std::move(people_);
    } else {
      std::sort_heap(found_.begin(), found_.end(), earlier);
      result_.errors.reserve(found_.size());
      for (auto& f : found_) result_.errors.push_back(std::move(f.error));
    }
    return std::move(result_);
  }

  // An error as found; the heap's top is the latest by line, column and order found.
  struct Found {
    ConfigError error;
    int line = 0, column = 0;
    std::size_t order = 0;
  };
  static bool earlier(const Found& a, const Found& b) {
    return std::tie(a.line, a.column, a.order) < std::tie(b.line, b.column, b.order);
  }

  std::string_view path_;
  const Config& config_;
  bool strict_ = false;  // every unknown column an error
  std::size_t unlisted_columns_ = 0;  // ignored columns past the first kMaxReportedCsvErrors
  std::vector<Found> found_;  // a max-heap by `earlier`, at most kMaxReportedCsvErrors
  std::size_t order_ = 0;
  std::vector<std::string> header_;
  std::array<int, kColumns> at_{};  // field index of each Column in a record, -1 when absent
  std::vector<Person> people_;  // the rows read, in file order
  std::vector<int> lines_;      // where each of people_ starts
  std::vector<bool> bad_seats_;  // a committee seat of that row did not read
  PeopleCsv result_;
};

std::vector<Role> sorted(std::vector<Role> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> sorted(const std::vector<Membership>& seats) {
  std::vector<std::string> v;
  for (const auto& m : seats) v.push_back(membership_text(m));
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

std::vector<PersonProblem> check_person(const Config& config, const Person& person) {
  std::vector<PersonProblem> out;
  check(RosterLookups(config), person, out);
  return out;
}

std::vector<RosterProblem> check_people(const Config& config) {
  const RosterLookups roster(config);
  std::vector<RosterProblem> out;
  std::vector<PersonProblem> problems;
  for (std::size_t i = 0; i < config.people.size(); ++i) {
    problems.clear();
    check(roster, config.people[i], problems);
    for (auto& p : problems) out.push_back({i, std::move(p)});
  }
  return out;
}

PeopleCsv parse_people_csv(std::string_view path, std::string_view text, const Config& config, bool strict) {
  return CsvImport(path, config, strict).run(text);
}

// Roles and committees are sets: an export that lists them in another order
// has not changed the person.
void drop_repeats(Person& p) {
  // Linear: a cell of a million items must not cost a million squared.
  std::vector<bool> seen_role(role_names().size(), false);
  std::erase_if(p.roles, [&](Role r) {
    const auto i = static_cast<std::size_t>(r);
    const bool repeat = seen_role[i];
    seen_role[i] = true;
    return repeat;
  });
  std::unordered_set<std::string> seen_seat;
  std::erase_if(p.committees, [&](const Membership& m) { return !seen_seat.insert(membership_text(m)).second; });
}

bool same_person(const Person& a, const Person& b) {
  return a.id == b.id && a.name == b.name && a.email == b.email && a.unit == b.unit &&
         a.union_name == b.union_name && a.start_date == b.start_date && a.leader_start_date == b.leader_start_date &&
         a.leader_end_date == b.leader_end_date && a.acting == b.acting &&
         a.manager == b.manager && sorted(a.roles) == sorted(b.roles) && sorted(a.committees) == sorted(b.committees);
}

RosterChange diff_roster(const Roster& before, const std::vector<Person>& after) {
  std::unordered_map<std::string_view, const Person*> old;
  old.reserve(before.size());
  for (const auto& p : before) old.try_emplace(p.id, &p);
  std::unordered_set<std::string_view> seen;
  seen.reserve(after.size());
  RosterChange out;
  for (const auto& p : after) {
    if (!seen.insert(p.id).second) continue;
    const auto it = old.find(p.id);
    if (it == old.end()) out.added.push_back(p.id);
    else if (same_person(*it->second, p)) out.unchanged.push_back(p.id);
    else out.changed.push_back(p.id);
  }
  for (const auto& [id, p] : old)
    if (!seen.count(id)) out.removed.emplace_back(id);
  for (auto* list : {&out.added, &out.changed, &out.unchanged, &out.removed}) std::sort(list->begin(), list->end());
  return out;
}

Person apply_dated_change(const Person& current, const Person& before, const Person& after) {
  Person out = current;
  auto take = [](auto& field, const auto& was, const auto& becomes) {
    if (was != becomes) field = becomes;
  };
  take(out.name, before.name, after.name);
  take(out.email, before.email, after.email);
  take(out.unit, before.unit, after.unit);
  take(out.roles, before.roles, after.roles);
  take(out.union_name, before.union_name, after.union_name);
  take(out.committees, before.committees, after.committees);
  take(out.start_date, before.start_date, after.start_date);
  take(out.leader_start_date, before.leader_start_date, after.leader_start_date);
  take(out.leader_end_date, before.leader_end_date, after.leader_end_date);
  take(out.acting, before.acting, after.acting);
  take(out.manager, before.manager, after.manager);
  return out;
}

}  // namespace arshjul
