#include "svg/wheel_svg.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "calendars/holidays.h"
#include "workflows/events.h"
#include "workflows/vocabulary.h"

namespace arshjul {

// XML text and attribute values. Control characters XML 1.0 forbids are
// dropped rather than escaped: there is no escape for them.
std::string xml_escape(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        r += c;
    }
  }
  return r;
}

namespace {

constexpr double kPi = 3.14159265358979323846;

// ---- the page, in millimetres (the viewBox is the A3 sheet) --------------

constexpr double kPageW = 420, kPageH = 297;
constexpr double kCx = 146, kCy = 148.5;
constexpr double kInner = 30;            // the hole in the middle, for the year
constexpr double kOuter = 124;           // outer edge of the outermost ring
constexpr double kMonthLabelR = kOuter + 7.2;
constexpr double kLegendX = 296, kLegendW = 112;

// Inside a ring, from its outer edge inwards: the strip with its name, the
// lanes for windows, the lanes for meetings and deadlines, a little padding.
constexpr double kLabelStrip = 4.6;
constexpr double kWindowPitch = 3.6;
constexpr double kPointPitch = 5.2;
constexpr double kRingPad = 1.4;
constexpr double kWindowThickness = 2.6;
constexpr double kPointGap = 0.6;        // between neighbouring marks in a lane
constexpr double kMaxStretch = 1.8;      // lanes spread at most this much; a lone ring leaves a larger hole
// A static picture's key numbers: beside a meeting's or deadline's mark
// (clockwise, inside its lane), on a window's band where it begins.
constexpr double kKeySize = 2.2;
constexpr double kKeyGap = 0.35;

constexpr const char* kInk = "#1a202c";
constexpr const char* kMuted = "#4a5568";
constexpr const char* kHolidayFill = "#4a5568";
constexpr double kHolidayOpacity = 0.32;
constexpr const char* kBlackoutFill = "#a0aec0";
constexpr double kBlackoutOpacity = 0.30;

// ---- text -----------------------------------------------------------------

// Fixed two decimals without locale, trailing zeros trimmed: stable bytes.
std::string num(double v) {
  char buf[48];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  std::string s(buf, res.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> r;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    n = std::min(n, s.size() - i);
    r.emplace_back(s.substr(i, n));
    i += n;
  }
  return r;
}

// Advance widths in em of DejaVu Sans (Verdana has nearly the same), the
// font the picture asks for. Curved labels are laid out glyph by glyph
// (librsvg and some print paths ignore textPath), so they need widths.
double glyph_em(std::string_view g) {
  if (g.size() == 1) {
    const char c = g[0];
    if (c == ' ') return 0.318;
    if (c == 'i' || c == 'j' || c == 'l' || c == 'I' || c == 'J') return 0.28;
    if (c == '.' || c == ',' || c == ':' || c == ';' || c == '\'' || c == '!') return 0.33;
    if (c == 'f') return 0.35;
    if (c == 't' || c == '(' || c == ')') return 0.39;
    if (c == '-') return 0.36;
    if (c == 'r') return 0.41;
    if (c == 'm') return 0.97;
    if (c == 'w') return 0.82;
    if (c == 'M') return 0.86;
    if (c == 'W') return 0.99;
    if (c == 's' || c == 'z' || c == 'c') return 0.53;
    if (c >= 'A' && c <= 'Z') return 0.70;
    if (c >= '0' && c <= '9') return 0.636;
    return 0.61;
  }
  if (g == "æ") return 0.98;
  if (g == "Æ") return 0.98;
  if (g == "Ø" || g == "Å") return 0.75;
  if (g == "–") return 0.5;
  if (g == "«" || g == "»") return 0.56;
  return 0.61;
}

// Bold widens narrow letters relatively more than wide ones.
double glyph_width(std::string_view g, double font_size, bool bold) {
  const double em = glyph_em(g);
  return (bold ? em * 1.08 + 0.04 : em) * font_size;
}

double text_width(std::string_view s, double font_size, bool bold) {
  double w = 0;
  for (const auto& g : code_points(s)) w += glyph_width(g, font_size, bold);
  return w;
}

// Greedy line breaking at spaces; a word longer than the line stands alone.
std::vector<std::string> wrap(std::string_view text, double width, double font_size, bool bold = false) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    const std::string word(text.substr(i, j - i));
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(candidate, font_size, bold) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    i = j + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string clock_no(Seconds since_midnight) {  // "09.00", as Norwegian writes times
  const auto m = since_midnight.count() / 60;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d.%02d", static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf;
}

std::string iso_date(LocalDays d) { return format_date(d); }

// ---- colours ---------------------------------------------------------------

// "#rrggbb", or a neutral grey when the config gives none.
std::string colour_of(const Wheel& w) {
  const std::string& c = w.color;
  const bool ok = c.size() == 7 && c[0] == '#' &&
                  std::all_of(c.begin() + 1, c.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
  return ok ? c : std::string("#718096");
}

// The wheel's colour darkened for text on its own light tint.
std::string darker(const std::string& hex) {
  std::string r = "#";
  for (int i = 0; i < 3; ++i) {
    const int v = std::stoi(hex.substr(static_cast<std::size_t>(1 + 2 * i), 2), nullptr, 16);
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", static_cast<int>(v * 0.62));
    r += buf;
  }
  return r;
}

// ---- geometry --------------------------------------------------------------

struct Point {
  double x, y;
};

// Degrees clockwise from 12 o'clock.
Point polar(double r, double deg) {
  const double a = deg * kPi / 180.0;
  return {kCx + r * std::sin(a), kCy - r * std::cos(a)};
}

std::string xy(Point p) { return num(p.x) + " " + num(p.y); }

// A band between two radii and two angles (a1 < a2).
std::string sector_path(double r_in, double r_out, double a1, double a2) {
  const int large = a2 - a1 > 180 ? 1 : 0;
  return "M" + xy(polar(r_out, a1)) + "A" + num(r_out) + " " + num(r_out) + " 0 " + std::to_string(large) + " 1 " +
         xy(polar(r_out, a2)) + "L" + xy(polar(r_in, a2)) + "A" + num(r_in) + " " + num(r_in) + " 0 " +
         std::to_string(large) + " 0 " + xy(polar(r_in, a1)) + "Z";
}

class Year {
 public:
  explicit Year(int year)
      : first_(date::year{year} / 1 / 1), last_(date::year{year} / 12 / 31),
        days_(static_cast<double>((last_ - first_).count() + 1)) {}
  LocalDays first() const { return first_; }
  LocalDays last() const { return last_; }
  bool contains(LocalDays d) const { return first_ <= d && d <= last_; }
  // The angle where a day begins; `at_end` gives where it ends.
  double angle(LocalDays d, bool at_end = false) const {
    return 360.0 * (static_cast<double>((d - first_).count()) + (at_end ? 1.0 : 0.0)) / days_;
  }
  double mid_angle(LocalDays d) const { return (angle(d) + angle(d, true)) / 2; }

 private:
  LocalDays first_, last_;
  double days_;
};

// Letters set one by one along a circle, upright on the top half and turned
// to read left to right on the bottom half. Hidden from screen readers: the
// same words are in a <title> nearby, whole.
void arc_text(std::string& out, std::string_view text, double r, double centre_deg, double font_size, bool bold,
              const std::string& fill, bool anchor_start = false) {
  const auto glyphs = code_points(text);
  const double span_deg = text_width(text, font_size, bold) / r * 180.0 / kPi;
  double mid = centre_deg;
  if (anchor_start) mid = centre_deg + span_deg / 2;
  const double norm = std::fmod(std::fmod(mid, 360.0) + 360.0, 360.0);
  const bool flip = norm > 90 && norm < 270;
  const double dir = flip ? -1 : 1;
  const double start = mid - dir * span_deg / 2;
  const double baseline_r = flip ? r + 0.35 * font_size : r - 0.35 * font_size;
  out += "<g aria-hidden=\"true\" font-size=\"" + num(font_size) + "\" fill=\"" + fill + "\" text-anchor=\"middle\"" +
         (bold ? " font-weight=\"bold\"" : "") + ">";
  double advanced = 0;
  for (const auto& g : glyphs) {
    const double w = glyph_width(g, font_size, bold);
    const double a = start + dir * (advanced + w / 2) / r * 180.0 / kPi;
    advanced += w;
    if (g == " ") continue;
    const Point p = polar(baseline_r, a);
    out += "<text transform=\"translate(" + xy(p) + ") rotate(" + num(flip ? a + 180 : a) + ")\">" + xml_escape(g) +
           "</text>";
  }
  out += "</g>\n";
}

// ---- marks -----------------------------------------------------------------

enum class Shape { circle, diamond, arc };

// One mark on a ring: an occurrence, or the occurrences of one activity on
// one day in several units or for several people.
struct Mark {
  const Wheel* wheel = nullptr;
  const Activity* activity = nullptr;
  std::vector<const Occurrence*> occurrences;
  Shape shape = Shape::circle;
  LocalDays first, last;  // clipped to the year for drawing
  int session = -1;       // a multi-day gathering's day (0-based) this mark stands for; -1: the whole occurrence
  int lane = 0;
  double half = 0;        // half its width along the ring, in mm
  std::string key;        // a static picture's number for the activity ("" when not labelled)
  double after = 0;       // how far it reaches clockwise from its day, its key number included, in mm
};

Shape shape_of(ActivityKind k) {
  switch (k) {
    case ActivityKind::meeting: return Shape::circle;
    case ActivityKind::deadline: return Shape::diamond;
    case ActivityKind::window: return Shape::arc;
  }
  return Shape::circle;
}

// How far an upright key number reaches along the ring at `deg`: its width
// at 12 and 6 o'clock, its height at 3 and 9, a mix between.
double key_along(std::string_view key, double deg) {
  const double a = deg * kPi / 180.0;
  return text_width(key, kKeySize, true) * std::abs(std::cos(a)) + kKeySize * 0.75 * std::abs(std::sin(a));
}

double point_half(const Mark& m) {
  const bool group = m.occurrences.size() > 1;
  if (m.shape == Shape::diamond) return group ? 2.5 : 2.0;
  return group ? 2.1 : 1.6;
}

std::string count_text(const Mark& m) {
  const auto n = m.occurrences.size();
  const bool units = std::all_of(m.occurrences.begin(), m.occurrences.end(),
                                 [](const Occurrence* o) { return o->unit && !o->person; });
  const bool people = std::all_of(m.occurrences.begin(), m.occurrences.end(),
                                  [](const Occurrence* o) { return o->person != nullptr; });
  return std::to_string(n) + " " + (units ? std::string(label::units) : people ? "personer" : "ganger");
}

std::string when_text(const Occurrence& o, const date::time_zone* zone, int session = -1) {
  if (o.activity->kind == ActivityKind::window)
    return o.first_day == o.last_day ? norwegian_date(o.first_day)
                                     : norwegian_date(o.first_day) + " – " + norwegian_date(o.last_day);
  if (o.all_day) return norwegian_date(o.first_day);
  const bool day = session >= 0 && static_cast<std::size_t>(session) < o.sessions.size();
  const LocalSeconds s = to_local(day ? o.sessions[session].start : o.start, zone),
                     e = to_local(day ? o.sessions[session].end : o.end, zone);
  const LocalDays sd = date::floor<date::days>(s), ed = date::floor<date::days>(e);
  if (sd == ed) return norwegian_date(sd) + " kl. " + clock_no(s - sd) + "–" + clock_no(e - ed);
  return norwegian_date(sd) + " kl. " + clock_no(s - sd) + " – " + norwegian_date(ed) + " kl. " + clock_no(e - ed);
}

std::string mark_title(const Mark& m, const date::time_zone* zone) {
  const Occurrence& o = *m.occurrences.front();
  std::string t = m.occurrences.size() > 1 ? m.activity->title : occurrence_title(o);
  t += ", " + when_text(o, zone, m.session) + " (" + std::string(kind_word(m.activity->kind));
  if (m.session >= 0) t += ", " + gathering_day(m.session + 1, o.sessions.size());
  if (m.occurrences.size() > 1) t += ", " + count_text(m);
  return t + ")";
}

std::string mark_desc(const Mark& m) {
  const Activity& a = *m.activity;
  std::vector<std::string> parts;
  if (m.occurrences.size() > 1) {
    std::string who;
    for (const Occurrence* o : m.occurrences) {
      if (!who.empty()) who += ", ";
      who += o->person ? o->person->name : o->unit ? o->unit->name : occurrence_title(*o);
    }
    parts.push_back((m.occurrences.front()->person ? "Gjelder: " : "Enheter: ") + who + ".");
  }
  // A mark of one meeting shows its own agenda; of several (a unit each, on
  // one day), the config's for that day: HR may have given one of them its own.
  const auto& items =
      m.occurrences.size() == 1 ? agenda_of(*m.occurrences.front()) : config_agenda_of(*m.occurrences.front());
  if (!items.empty()) {
    std::string agenda = std::string(label::agenda) + ": ";
    for (std::size_t i = 0; i < items.size(); ++i) agenda += (i ? "; " : "") + items[i];
    parts.push_back(agenda + ".");
  } else if (!a.description.empty()) {
    parts.push_back(a.description);
  }
  if (!a.location.empty()) parts.push_back(std::string(label::place) + ": " + a.location + ".");
  const Occurrence& o = *m.occurrences.front();
  if (o.moved) parts.push_back(moved_text(o.moved->from, o.moved->reason, o.moved->passed) + ".");
  if (!o.change_reason.empty()) parts.push_back(std::string(label::changed_by_hr) + ": " + o.change_reason + ".");
  parts.push_back(std::string(label::wheel) + ": " + m.wheel->name + ".");
  std::string d;
  for (const auto& p : parts) d += (d.empty() ? "" : " ") + p;
  return d;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string r;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      r += c;
    } else {
      r += '%';
      r += hex[u >> 4];
      r += hex[u & 15];
    }
  }
  return r;
}

// ---- rings -----------------------------------------------------------------

struct Ring {
  const Wheel* wheel = nullptr;
  std::string colour;
  std::vector<Mark> marks;
  std::vector<std::pair<const Activity*, std::string>> keys{};  // a static picture's numbers, in config order
  int window_lanes = 0, point_lanes = 0;
  double r_out = 0, r_in = 0;
  double window_pitch = kWindowPitch, point_pitch = kPointPitch;

  double content_top() const { return r_out - kLabelStrip; }
  double window_r(int lane) const { return content_top() - (lane + 0.5) * window_pitch; }
  double point_r(int lane) const {
    return content_top() - window_lanes * window_pitch - (lane + 0.5) * point_pitch;
  }
  double weight() const {
    return kLabelStrip + window_lanes * kWindowPitch + std::max(point_lanes, 1) * kPointPitch + kRingPad;
  }
};

// Windows take the first lane whose last window ends at least two days before.
void lay_out_windows(Ring& ring) {
  std::vector<LocalDays> lane_end;
  for (Mark& m : ring.marks) {
    if (m.shape != Shape::arc) continue;
    std::size_t lane = 0;
    while (lane < lane_end.size() && !(lane_end[lane] + date::days{2} < m.first)) ++lane;
    if (lane == lane_end.size()) lane_end.push_back(m.last);
    else lane_end[lane] = m.last;
    m.lane = static_cast<int>(lane);
  }
  ring.window_lanes = static_cast<int>(lane_end.size());
}

// Meetings and deadlines take the first lane where they keep clear of their
// neighbours, measured along the lane's circle (the year wraps around).
void lay_out_points(Ring& ring, const Year& year) {
  // A mark reaches `half` back and `after` ahead (its key number is on the clockwise side).
  struct LaneState {
    double first_deg = 0, first_half = 0, last_deg = 0, last_after = 0;
    bool used = false;
  };
  std::vector<LaneState> lanes;
  auto lane_r = [&](std::size_t lane) { return std::max(ring.point_r(static_cast<int>(lane)), 8.0); };
  auto deg_to_mm = [](double deg, double r) { return deg * kPi / 180.0 * r; };
  for (Mark& m : ring.marks) {
    if (m.shape == Shape::arc) continue;
    const double deg = year.mid_angle(m.first);
    std::size_t lane = 0;
    for (; lane < lanes.size(); ++lane) {
      const LaneState& s = lanes[lane];
      const double r = lane_r(lane);
      const bool clear_before = deg_to_mm(deg - s.last_deg, r) >= s.last_after + m.half + kPointGap;
      const bool clear_wrap = deg_to_mm(s.first_deg + 360 - deg, r) >= s.first_half + m.after + kPointGap;
      if (clear_before && clear_wrap) break;
    }
    if (lane == lanes.size()) lanes.push_back({deg, m.half, deg, m.after, true});
    lanes[lane].last_deg = deg;
    lanes[lane].last_after = m.after;
    m.lane = static_cast<int>(lane);
  }
  ring.point_lanes = static_cast<int>(lanes.size());
}

// Ring widths follow how many lanes each needs, so a busy wheel gets room
// and a quiet one stays narrow. Lanes depend on radii and radii on lanes:
// two rounds settle it well enough. Returns the inner edge of the rings.
double lay_out_rings(std::vector<Ring>& rings, const Year& year) {
  if (rings.empty()) return kInner;
  const double share = (kOuter - kInner) / static_cast<double>(rings.size());
  for (std::size_t i = 0; i < rings.size(); ++i) {
    rings[i].r_out = kOuter - share * static_cast<double>(i);
    rings[i].r_in = rings[i].r_out - share;
    lay_out_windows(rings[i]);
  }
  for (int round = 0; round < 2; ++round) {
    for (Ring& ring : rings) {
      // Until the first round has counted lanes, spread points over the ring.
      if (round == 0) {
        ring.window_pitch = kWindowPitch;
        ring.point_pitch = kPointPitch;
      }
      lay_out_points(ring, year);
    }
    double total = 0;
    for (const Ring& ring : rings) total += ring.weight();
    const double scale = std::min((kOuter - kInner) / total, kMaxStretch);
    double r = kOuter;
    for (Ring& ring : rings) {
      const double width = ring.weight() * scale;
      ring.r_out = r;
      ring.r_in = r - width;
      r -= width;
      // The label strip keeps its size; the lanes share what is left.
      const double lanes_need = ring.window_lanes * kWindowPitch + std::max(ring.point_lanes, 1) * kPointPitch;
      const double k = (width - kLabelStrip - kRingPad) / lanes_need;
      ring.window_pitch = kWindowPitch * std::min(k, 1.25);
      ring.point_pitch = (width - kLabelStrip - kRingPad - ring.window_lanes * ring.window_pitch) /
                         std::max(ring.point_lanes, 1);
    }
  }
  return rings.back().r_in;
}

// ---- the picture -------------------------------------------------------------

class Renderer {
 public:
  Renderer(const Config& config, const Expansion& expansion, int year, const WheelSvgOptions& options)
      : config_(config), expansion_(expansion), year_(year), year_number_(year), options_(options) {
    for (char c : options.id_prefix)
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') prefix_ += c;
    if (prefix_.empty() || !std::isalpha(static_cast<unsigned char>(prefix_[0]))) prefix_ = "w" + prefix_;
  }

  std::string render() {
    collect();
    inner_ = lay_out_rings(rings_, year_);
    open();
    background();
    rings();
    bands();
    months();
    ring_labels();
    today();
    marks();
    centre();
    legend();
    out_ += "</svg>\n";
    return std::move(out_);
  }

 private:
  std::string id(std::string_view suffix) const { return prefix_ + "-" + std::string(suffix); }

  bool selected(const Wheel& w) const {
    return options_.wheels.empty() ||
           std::find(options_.wheels.begin(), options_.wheels.end(), w.id) != options_.wheels.end();
  }

  void collect() {
    std::map<const Wheel*, std::size_t> ring_of;
    for (const Wheel& w : config_.wheels) {
      if (!selected(w)) continue;
      ring_of[&w] = rings_.size();
      rings_.push_back({&w, colour_of(w), {}});
    }
    // A unit series puts the same meeting on the same day in every unit (MBM
    // in five virksomheter): one dot each would pile up on one spot and
    // hide each other, so they become one mark that names its count and
    // units. Keyed by activity and days, in the expansion's order.
    std::map<std::string, std::pair<std::size_t, std::size_t>> group;
    for (const Occurrence& o : expansion_.occurrences) {
      auto r = ring_of.find(o.wheel);
      if (r == ring_of.end()) continue;
      const bool window = o.activity->kind == ActivityKind::window;
      // A multi-day gathering is a mark a day, as the calendars show it.
      const int days = o.sessions.empty() ? 1 : static_cast<int>(o.sessions.size());
      bool counted = false;
      for (int k = 0; k < days; ++k) {
        const int session = o.sessions.empty() ? -1 : k;
        const LocalDays day =
            session < 0 ? o.first_day : date::floor<date::days>(to_local(o.sessions[k].start, config_.organisation.zone));
        if (window ? (o.last_day < year_.first() || o.first_day > year_.last()) : !year_.contains(day)) continue;
        if (!counted) ++occurrence_count_;
        counted = true;
        const std::string key = o.wheel->id + "\n" + o.activity->id + "\n" + format_date(session < 0 ? o.first_day : day) +
                                "\n" + format_date(session < 0 ? o.last_day : day) + "\n" + std::to_string(session);
        Ring& ring = rings_[r->second];
        if (auto g = group.find(key); g != group.end()) {
          ring.marks[g->second.second].occurrences.push_back(&o);
          continue;
        }
        Mark m;
        m.wheel = o.wheel;
        m.activity = o.activity;
        m.occurrences.push_back(&o);
        m.shape = shape_of(o.activity->kind);
        m.session = session;
        m.first = std::max(session < 0 ? o.first_day : day, year_.first());
        m.last = window ? std::min(o.last_day, year_.last()) : m.first;
        group.emplace(key, std::pair{r->second, ring.marks.size()});
        ring.marks.push_back(std::move(m));
      }
    }
    // Paper has no hover: number the activities drawn, wheel by wheel in
    // the config's order, so each mark can say which activity it is.
    if (!options_.interactive) {
      int next = 0;
      for (Ring& ring : rings_)
        for (const Activity& a : ring.wheel->activities) {
          const bool drawn = std::any_of(ring.marks.begin(), ring.marks.end(),
                                         [&](const Mark& m) { return m.activity == &a; });
          if (drawn) ring.keys.push_back({&a, std::to_string(++next)});
        }
      for (Ring& ring : rings_)
        for (Mark& m : ring.marks)
          for (const auto& [activity, key] : ring.keys)
            if (activity == m.activity) m.key = key;
    }
    for (Ring& ring : rings_) {
      for (Mark& m : ring.marks) {
        m.half = point_half(m);
        m.after = m.half + (m.key.empty() ? 0 : kKeyGap + key_along(m.key, year_.mid_angle(m.first)));
      }
      // By day, longer windows first so they take the outer lanes, then by
      // title: the same input always yields the same lanes.
      std::stable_sort(ring.marks.begin(), ring.marks.end(), [](const Mark& a, const Mark& b) {
        if (a.first != b.first) return a.first < b.first;
        if (a.last != b.last) return a.last > b.last;
        return a.activity->title < b.activity->title;
      });
      mark_count_ += ring.marks.size();
    }
  }

  std::string wheel_names() const {
    std::string s;
    for (std::size_t i = 0; i < rings_.size(); ++i) {
      if (i) s += i + 1 == rings_.size() ? " og " : ", ";
      s += rings_[i].wheel->name;
    }
    return s;
  }

  void open() {
    const bool print = options_.size == WheelSvgOptions::Size::a3_print;
    if (print) out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"";
    if (print) out_ += " width=\"" + num(kPageW) + "mm\" height=\"" + num(kPageH) + "mm\"";
    out_ += " viewBox=\"0 0 " + num(kPageW) + " " + num(kPageH) + "\"";
    // role="img" makes the picture one image to assistive technology, which
    // suits paper; on the page the marks must stay reachable one by one.
    out_ += options_.interactive ? " role=\"graphics-document group\"" : " role=\"img\"";
    out_ += " aria-labelledby=\"" + id("title") + "\" aria-describedby=\"" + id("desc") + "\"";
    out_ += " class=\"arshjul-wheel\" lang=\"nb\" font-family=\"'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif\">\n";
    out_ += "<title id=\"" + id("title") + "\">" + xml_escape(config_.organisation.name) + " – årshjul " +
            std::to_string(year_number_) + "</title>\n";
    std::string desc = "Året " + std::to_string(year_number_) +
                       " som en sirkel med januar øverst og månedene med klokka. ";
    if (rings_.empty()) desc += "Ingen hjul er valgt. ";
    else if (rings_.size() == 1) desc += "Én ring: " + wheel_names() + ". ";
    else desc += std::to_string(rings_.size()) + " ringer, fra ytterst til innerst: " + wheel_names() + ". ";
    desc += std::to_string(mark_count_) + " markeringer for " +
            std::to_string(occurrence_count_) +
            " hendelser: møter som sirkler, frister som ruter og perioder som buer. Helligdager og ferieperioder er "
            "skyggelagt.";
    out_ += "<desc id=\"" + id("desc") + "\">" + xml_escape(desc) + "</desc>\n";
    // Inline in HTML a <style> applies to the whole page: scope it to the picture.
    if (options_.interactive) {
      out_ +=
          "<style>.arshjul-wheel .mark{cursor:pointer}.arshjul-wheel .mark:focus{outline:none}"
          ".arshjul-wheel .mark:hover .shape,.arshjul-wheel .mark:focus .shape{stroke:#1a202c;stroke-width:0.8}"
          "</style>\n";
    }
  }

  void background() {
    out_ += "<rect width=\"" + num(kPageW) + "\" height=\"" + num(kPageH) + "\" fill=\"#ffffff\"/>\n";
  }

  void rings() {
    out_ += "<g class=\"rings\">\n";
    for (const Ring& ring : rings_) {
      const double mid = (ring.r_out + ring.r_in) / 2, width = ring.r_out - ring.r_in;
      out_ += "<circle class=\"ring\" cx=\"" + num(kCx) + "\" cy=\"" + num(kCy) + "\" r=\"" + num(mid) +
              "\" fill=\"none\" stroke=\"" + ring.colour + "\" stroke-opacity=\"0.09\" stroke-width=\"" +
              num(width) + "\"><title>" + xml_escape(ring.wheel->name) +
              (ring.wheel->description.empty() ? "" : ": " + xml_escape(ring.wheel->description)) + "</title></circle>\n";
    }
    out_ += "</g>\n";
  }

  void band(double a1, double a2, const char* fill, double opacity, const std::string& title, const char* cls) {
    out_ += "<path class=\"" + std::string(cls) + "\" d=\"" + sector_path(inner_, kOuter, a1, a2) + "\" fill=\"" +
            fill + "\" fill-opacity=\"" + num(opacity) + "\"><title>" + xml_escape(title) + "</title></path>\n";
  }

  // Blackouts first (wide and light), holidays over them (thin and darker),
  // so a holiday inside the Christmas blackout still shows.
  void bands() {
    const WorkingDayRules& rules = config_.organisation.working_days;
    out_ += "<g class=\"blackouts\">\n";
    for (const Blackout& b : rules.blackouts) {
      // A blackout across New Year shows as two bands: its start and its end.
      for (LocalDays d = year_.first(); d <= year_.last();) {
        if (!b.contains(d)) {
          d += date::days{1};
          continue;
        }
        LocalDays end = d;
        while (end + date::days{1} <= year_.last() && b.contains(end + date::days{1})) end += date::days{1};
        const std::string when = d == end ? norwegian_date(d) : norwegian_date(d) + " – " + norwegian_date(end);
        band(year_.angle(d), year_.angle(end, true), kBlackoutFill, kBlackoutOpacity,
             b.name + ": " + when + " (" +
                 std::string(non_working_word(b.political ? NonWorkingReason::Kind::political_meeting
                                                          : NonWorkingReason::Kind::blackout)) +
                 ")",
             "blackout");
        d = end + date::days{1};
      }
    }
    out_ += "</g>\n<g class=\"holidays\">\n";
    if (rules.public_holidays)
      for (const Holiday& h : norwegian_public_holidays(year_number_))
        band(year_.angle(h.day), year_.angle(h.day, true), kHolidayFill, kHolidayOpacity,
             std::string(h.name) + ": " + norwegian_date(h.day) + " (" +
                 std::string(non_working_word(NonWorkingReason::Kind::public_holiday)) + ")",
             "holiday");
    out_ += "</g>\n";
  }

  void months() {
    out_ += "<g class=\"months\">\n";
    // Mondays as short ticks outside the rings: people plan in weeks.
    std::string ticks;
    for (LocalDays d = year_.first(); d <= year_.last(); d += date::days{1}) {
      if (date::weekday{d} != date::Monday) continue;
      const double a = year_.angle(d);
      ticks += "M" + xy(polar(kOuter + 0.4, a)) + "L" + xy(polar(kOuter + 1.8, a));
    }
    out_ += "<path d=\"" + ticks + "\" stroke=\"#a0aec0\" stroke-width=\"0.25\" fill=\"none\"/>\n";
    std::string lines;
    for (unsigned m = 1; m <= 12; ++m) {
      const LocalDays d{date::year{year_number_} / date::month{m} / 1};
      const double a = year_.angle(d);
      lines += "M" + xy(polar(inner_, a)) + "L" + xy(polar(kOuter + 4, a));
    }
    out_ += "<path d=\"" + lines + "\" stroke=\"" + std::string(kMuted) +
            "\" stroke-width=\"0.35\" stroke-opacity=\"0.7\" fill=\"none\"/>\n";
    for (unsigned m = 1; m <= 12; ++m) {
      const LocalDays first{date::year{year_number_} / date::month{m} / 1};
      const LocalDays last{date::year{year_number_} / date::month{m} / date::last};
      const double a = (year_.angle(first) + year_.angle(last, true)) / 2;
      arc_text(out_, std::string(norwegian_month(m)), kMonthLabelR, a, 4.4, true, kInk);
    }
    out_ += "</g>\n";
  }

  // The name twice, at the top and at the bottom, in a strip no mark uses.
  void ring_labels() {
    out_ += "<g class=\"ring-labels\">\n";
    for (const Ring& ring : rings_) {
      const std::string ink = darker(ring.colour);
      out_ += "<circle cx=\"" + num(kCx) + "\" cy=\"" + num(kCy) + "\" r=\"" + num(ring.r_out) +
              "\" fill=\"none\" stroke=\"" + ring.colour + "\" stroke-width=\"0.5\"/>\n";
      const double r = ring.r_out - kLabelStrip / 2;
      arc_text(out_, ring.wheel->name, r, 1.5, 3.0, true, ink, true);
      arc_text(out_, ring.wheel->name, r, 180, 3.0, true, ink);
    }
    out_ += "</g>\n";
  }

  void mark(const Ring& ring, const Mark& m, std::size_t index) {
    const Occurrence& o = *m.occurrences.front();
    const bool group = m.occurrences.size() > 1;
    const bool link = !options_.link_base.empty();
    std::string attrs = " class=\"mark mark-" + std::string(kind_name(m.activity->kind)) + "\"";
    if (options_.interactive) {
      std::string uids;
      for (const Occurrence* x : m.occurrences) uids += (uids.empty() ? "" : " ") + x->uid;
      attrs += " id=\"" + id("m" + std::to_string(index)) + "\"";
      if (!link) attrs += " tabindex=\"0\"";
      attrs += " data-uid=\"" + xml_escape(uids) + "\" data-wheel=\"" + xml_escape(m.wheel->id) + "\" data-kind=\"" +
               std::string(kind_name(m.activity->kind)) + "\" data-date=\"" + iso_date(m.session < 0 ? o.first_day : m.first) + "\"";
      if (m.session >= 0) attrs += " data-day=\"" + std::to_string(m.session + 1) + "\"";
      if (m.shape == Shape::arc) attrs += " data-last=\"" + iso_date(o.last_day) + "\"";
      if (group) attrs += " data-count=\"" + std::to_string(m.occurrences.size()) + "\"";
    }
    if (link) attrs += " href=\"" + xml_escape(options_.link_base + percent_encode(o.uid)) + "\"";
    out_ += link ? "<a" : "<g";
    out_ += attrs + "><title>" + xml_escape(mark_title(m, config_.organisation.zone)) + "</title><desc>" +
            xml_escape(mark_desc(m)) + "</desc>";
    const std::string& c = ring.colour;
    if (m.shape == Shape::arc) {
      const double r = ring.window_r(m.lane);
      const double th = std::min(kWindowThickness, ring.window_pitch * 0.8);
      out_ += "<path class=\"shape\" d=\"" +
              sector_path(r - th / 2, r + th / 2, year_.angle(m.first), year_.angle(m.last, true)) + "\" fill=\"" +
              c + "\" fill-opacity=\"0.6\" stroke=\"" + c + "\" stroke-width=\"0.3\"/>";
    } else {
      const Point p = polar(ring.point_r(m.lane), year_.mid_angle(m.first));
      if (m.shape == Shape::circle) {
        out_ += "<circle class=\"shape\" cx=\"" + num(p.x) + "\" cy=\"" + num(p.y) + "\" r=\"" + num(m.half) +
                "\" fill=\"" + c + "\" stroke=\"#ffffff\" stroke-width=\"0.35\"/>";
      } else {
        const double h = m.half;
        out_ += "<path class=\"shape\" d=\"M" + num(p.x) + " " + num(p.y - h) + "L" + num(p.x + h) + " " +
                num(p.y) + "L" + num(p.x) + " " + num(p.y + h) + "L" + num(p.x - h) + " " + num(p.y) +
                "Z\" fill=\"" + c + "\" stroke=\"" + kInk + "\" stroke-width=\"0.35\"/>";
      }
      if (group) {
        const std::string n = std::to_string(m.occurrences.size());
        const double fs = n.size() > 1 ? 2.0 : 2.4;
        out_ += "<text aria-hidden=\"true\" x=\"" + num(p.x) + "\" y=\"" + num(p.y + fs * 0.36) +
                "\" font-size=\"" + num(fs) + "\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#ffffff\">" +
                n + "</text>";
      }
    }
    key_label(ring, m);
    out_ += link ? "</a>\n" : "</g>\n";
  }

  // The activity's number beside a point, in the room lay_out_points kept
  // for it clockwise of the mark; on a window's band just after it begins.
  // Upright whatever the angle: a reader turns the paper for nothing.
  void key_label(const Ring& ring, const Mark& m) {
    if (m.key.empty()) return;
    const double w = text_width(m.key, kKeySize, true);
    const std::string ink = darker(ring.colour);
    auto number = [&](Point p) {
      out_ += "<text class=\"key\" aria-hidden=\"true\" x=\"" + num(p.x) + "\" y=\"" + num(p.y + kKeySize * 0.36) +
              "\" font-size=\"" + num(kKeySize) + "\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"" + ink +
              "\">" + xml_escape(m.key) + "</text>";
    };
    if (m.shape == Shape::arc) {
      const double r = ring.window_r(m.lane);
      const double h = std::min(kWindowThickness, ring.window_pitch * 0.8);
      const double pw = w + 0.9;
      const Point p = polar(r, year_.angle(m.first) + (pw / 2 + 0.3) / r * 180.0 / kPi);
      out_ += "<rect aria-hidden=\"true\" x=\"" + num(p.x - pw / 2) + "\" y=\"" + num(p.y - h / 2) + "\" width=\"" +
              num(pw) + "\" height=\"" + num(h) + "\" rx=\"" + num(h / 2) + "\" fill=\"#ffffff\" stroke=\"" +
              ring.colour + "\" stroke-width=\"0.25\"/>";
      number(p);
      return;
    }
    const double r = ring.point_r(m.lane), deg = year_.mid_angle(m.first);
    number(polar(r, deg + (m.half + kKeyGap + key_along(m.key, deg) / 2) / r * 180.0 / kPi));
  }

  void marks() {
    out_ += "<g class=\"marks\">\n";
    std::size_t index = 0;
    // Wheel by wheel, each through its year: the order Tab takes. Windows
    // and points have lanes of their own, so painting order does not matter.
    for (const Ring& ring : rings_)
      for (const Mark& m : ring.marks) mark(ring, m, index++);
    out_ += "</g>\n";
  }

  void today() {
    if (!options_.today || !year_.contains(*options_.today)) return;
    const double a = year_.mid_angle(*options_.today);
    const Point from = polar(inner_ - 1, a), to = polar(kOuter + 3, a);
    const Point tip = polar(kOuter + 0.6, a), l = polar(kOuter + 4.2, a - 1.3), r = polar(kOuter + 4.2, a + 1.3);
    out_ += "<g id=\"" + id("today") + "\" class=\"today\"><title>" + std::string(label::today) + ": " + xml_escape(norwegian_date(*options_.today)) +
            "</title><path d=\"M" + xy(from) + "L" + xy(to) + "\" stroke=\"" + kInk +
            "\" stroke-width=\"0.8\" stroke-linecap=\"round\"/><path d=\"M" + xy(tip) + "L" + xy(l) + "L" + xy(r) +
            "Z\" fill=\"" + kInk + "\"/></g>\n";
  }

  void text(double x, double y, double size, const std::string& s, const char* fill = kInk, bool bold = false,
            const char* anchor = nullptr) {
    out_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\"" +
            (bold ? " font-weight=\"bold\"" : "") + (anchor ? " text-anchor=\"" + std::string(anchor) + "\"" : "") +
            " fill=\"" + fill + "\">" + xml_escape(s) + "</text>\n";
  }

  void centre() {
    out_ += "<g class=\"centre\">\n";
    const double k = std::clamp(inner_ / kInner, 1.0, 1.8);  // a larger hole gets larger type
    text(kCx, kCy - 8.5 * k, 3.6 * k, std::string(label::wheel), kMuted, false, "middle");
    text(kCx, kCy + 5 * k, 13 * k, std::to_string(year_number_), kInk, true, "middle");
    double y = kCy + 12 * k;
    for (const auto& line : wrap(config_.organisation.name, 2 * inner_ - 12, 3.4 * k)) {
      text(kCx, y, 3.4 * k, line, kMuted, false, "middle");
      y += 4.2 * k;
    }
    out_ += "</g>\n";
  }

  // Returns the y below the wrapped paragraph.
  double paragraph(double x, double y, double width, double size, const std::string& s, const char* fill,
                   bool bold = false, std::size_t max_lines = 99, double leading = 1.3) {
    auto lines = wrap(s, width, size, bold);
    if (lines.size() > max_lines) {
      lines.resize(max_lines);
      lines.back() += " …";
    }
    for (const auto& line : lines) {
      text(x, y, size, line, fill, bold);
      y += size * leading;
    }
    return y;
  }

  // How the legend's key is set: type size (mm), lines (× size), lines per title.
  struct KeyStyle {
    double size;
    bool descriptions;  // the wheels' descriptions too
    double leading;
    std::size_t lines;
  };

  // The legend in the first style that fits above the footer: a key of many
  // activities (Røros draws 41 in 2027) first drops the wheels'
  // descriptions, then sets closer and smaller (6.5 pt at least), at last
  // a title a line. A key too long even then runs into the footer.
  void legend() {
    const std::size_t start = out_.size();
    static constexpr KeyStyle styles[] = {
        {2.7, true, 1.3, 2}, {2.7, false, 1.3, 2}, {2.5, false, 1.2, 2}, {2.3, false, 1.15, 2}, {2.3, false, 1.15, 1}};
    // Without a key (the page's wheel) there is nothing to make room for.
    if (std::all_of(rings_.begin(), rings_.end(), [](const Ring& r) { return r.keys.empty(); })) {
      legend_at(styles[0]);
      return;
    }
    for (const KeyStyle& style : styles) {
      out_.resize(start);
      if (legend_at(style) <= kPageH - 14) return;
    }
  }

  // Returns the y below the last line.
  double legend_at(const KeyStyle& key) {
    const bool descriptions = key.descriptions;
    const double x = kLegendX, w = kLegendW;
    out_ += "<g class=\"legend\">\n";
    double y = 24;
    y = paragraph(x, y, w, 7.5, config_.organisation.name, kInk, true);
    y = paragraph(x, y + 0.5, w, 5, wheel_heading(year_number_), kMuted);

    y += 6;
    text(x, y, 3.6, rings_.size() > 1 ? "Hjulene, fra ytterst til innerst" : "Hjulet", kInk, true);
    y += 6;
    for (const Ring& ring : rings_) {
      out_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 3.6) + "\" width=\"9\" height=\"5\" rx=\"1\" fill=\"" +
              ring.colour + "\" fill-opacity=\"0.25\" stroke=\"" + ring.colour + "\" stroke-width=\"0.6\"/>\n";
      text(x + 12, y, 3.5, ring.wheel->name, darker(ring.colour).c_str(), true);
      const std::string count =
          std::to_string(ring.marks.size()) + (ring.marks.size() == 1 ? " markering" : " markeringer");
      text(x + w, y, 2.8, count, kMuted, false, "end");
      y += 4.4;
      if (descriptions && !ring.wheel->description.empty())
        y = paragraph(x + 12, y, w - 12, 2.6, ring.wheel->description, kMuted, false, 3);
      // The key: the number each of this wheel's marks has beside it.
      if (!ring.keys.empty()) {
        out_ += "<g class=\"legend-key\">\n";
        y += descriptions ? 0.6 : 0;
        for (const auto& [activity, number] : ring.keys) {
          text(x + 16, y, key.size, number, darker(ring.colour).c_str(), true, "end");
          y = paragraph(x + 17.5, y, w - 17.5, key.size, activity->title, kInk, false, key.lines, key.leading);
        }
        out_ += "</g>\n";
      }
      y += 2.6;
    }

    y += 3;
    text(x, y, 3.6, "Tegn", kInk, true);
    y += 6.5;
    const std::string grey = "#4a5568";
    auto sample = [&](Shape shape, bool group, const std::string& label) {
      const double sx = x + 4.5;
      const double sy = y - 1.2;
      if (shape == Shape::circle) {
        out_ += "<circle cx=\"" + num(sx) + "\" cy=\"" + num(sy) + "\" r=\"" + num(group ? 2.1 : 1.6) +
                "\" fill=\"" + grey + "\"/>\n";
        if (group)
          out_ += "<text x=\"" + num(sx) + "\" y=\"" + num(sy + 0.86) +
                  "\" font-size=\"2.4\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#ffffff\">5</text>\n";
      } else if (shape == Shape::diamond) {
        out_ += "<path d=\"M" + num(sx) + " " + num(sy - 2) + "L" + num(sx + 2) + " " + num(sy) + "L" + num(sx) +
                " " + num(sy + 2) + "L" + num(sx - 2) + " " + num(sy) + "Z\" fill=\"" + grey + "\" stroke=\"" +
                kInk + "\" stroke-width=\"0.35\"/>\n";
      } else {
        out_ += "<path d=\"M" + num(x) + " " + num(sy + 0.3) + "Q" + num(x + 4.5) + " " + num(sy - 2.3) + " " +
                num(x + 9) + " " + num(sy + 0.3) + "\" stroke=\"" + grey +
                "\" stroke-opacity=\"0.7\" stroke-width=\"2.6\" fill=\"none\"/>\n";
      }
      y = paragraph(x + 12, y, w - 12, 3.1, label, kInk);
      y += 2.2;
    };
    sample(Shape::circle, false, capitalized(kind_word(ActivityKind::meeting)) + " (med klokkeslett)");
    sample(Shape::diamond, false, capitalized(kind_word(ActivityKind::deadline)));
    sample(Shape::arc, false, capitalized(kind_word(ActivityKind::window)) + ": bua går fra første til siste dag");
    sample(Shape::circle, true,
           "Samme møte eller frist i flere enheter samme dag: ett merke, tallet er antall enheter");
    if (!options_.interactive) {
      out_ += "<circle cx=\"" + num(x + 3) + "\" cy=\"" + num(y - 1.2) + "\" r=\"1.6\" fill=\"" + grey + "\"/>\n";
      text(x + 5, y - 1.2 + kKeySize * 0.36, kKeySize, "7", kInk, true);
      y = paragraph(x + 12, y, w - 12, 3.1, "Tallet ved siden av et merke: aktiviteten, i listen under hjulet", kInk);
      y += 2.2;
    }

    y += 3;
    text(x, y, 3.6, "Bakgrunn", kInk, true);
    y += 6.5;
    auto swatch = [&](double width, const char* fill, double opacity, const std::string& label) {
      out_ += "<rect x=\"" + num(x + 4.5 - width / 2) + "\" y=\"" + num(y - 4.2) + "\" width=\"" + num(width) +
              "\" height=\"6\" fill=\"" + fill + "\" fill-opacity=\"" + num(opacity) + "\"/>\n";
      y = paragraph(x + 12, y, w - 12, 3.1, label, kInk);
      y += 2.2;
    };
    const WorkingDayRules& rules = config_.organisation.working_days;
    if (rules.public_holidays)
      swatch(1.2, kHolidayFill, kHolidayOpacity, capitalized(non_working_word(NonWorkingReason::Kind::public_holiday)));
    if (!rules.blackouts.empty()) {
      std::string names;
      // Each name once (a council meets many times), and only periods this year touches.
      std::set<std::string> seen;
      for (const Blackout& b : rules.blackouts) {
        if (b.first && (*b.first > year_.last() || b.last.value_or(*b.first) < year_.first())) continue;
        if (seen.insert(b.name).second) names += (names.empty() ? "" : ", ") + b.name;
      }
      swatch(8, kBlackoutFill, kBlackoutOpacity,
             capitalized(non_working_word(NonWorkingReason::Kind::blackout)) + ": " + names);
    }
    if (options_.today && year_.contains(*options_.today)) {
      out_ += "<path d=\"M" + num(x) + " " + num(y - 1.2) + "L" + num(x + 9) + " " + num(y - 1.2) + "\" stroke=\"" +
              kInk + "\" stroke-width=\"0.8\"/>\n";
      y = paragraph(x + 12, y, w - 12, 3.1, std::string(label::today) + ": " + norwegian_date(*options_.today), kInk);
      y += 2.2;
    }
    text(x, kPageH - 10, 2.6,
         options_.interactive ? "Pek på eller gå med tabulator til et merke for å se detaljer."
                              : std::to_string(occurrence_count_) + " hendelser i " + std::to_string(year_number_) +
                                    ". Laget med arshjul.",
         kMuted);
    out_ += "</g>\n";
    return y;
  }

  const Config& config_;
  const Expansion& expansion_;
  Year year_;
  int year_number_;
  const WheelSvgOptions& options_;
  std::string prefix_;
  std::vector<Ring> rings_;
  std::size_t mark_count_ = 0, occurrence_count_ = 0;
  double inner_ = kInner;
  std::string out_;
};

}  // namespace

std::string render_wheel_svg(const Config& config, const Expansion& expansion, int year,
                             const WheelSvgOptions& options) {
  return Renderer(config, expansion, year, options).render();
}

}  // namespace arshjul
