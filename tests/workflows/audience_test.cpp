#include <catch2/catch.hpp>

#include <set>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "workflows/audience.h"

using namespace arshjul;

namespace {
using test::mini;

std::size_t count(const Config& c, const Expansion& e, const FeedFilter& f) {
  std::size_t n = 0;
  for (const auto& o : e.occurrences) n += feed_includes(c, f, o);
  return n;
}
}  // namespace

TEST_CASE("A leader at the top level sees the central meetings and the windows and deadlines") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const FeedFilter ola{FeedFilter::Kind::person, "ola"};
  std::set<std::string> activities;
  for (const auto& o : e.occurrences)
    if (feed_includes(c, ola, o)) activities.insert(o.activity->id);
  CHECK(activities == std::set<std::string>{"drofting", "frist", "samtaler"});
}

TEST_CASE("A union rep sees the meetings they attend or get notice of, not leaders' deadlines") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const FeedFilter kari{FeedFilter::Kind::person, "kari"};
  for (const auto& o : e.occurrences)
    if (feed_includes(c, kari, o)) CHECK(o.activity->id == "drofting");
  CHECK(count(c, e, kari) == 11);  // monthly, less July (fellesferie)
}

TEST_CASE("Role, unit and wheel feeds select what they name") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  CHECK(count(c, e, {FeedFilter::Kind::role, "hovedtillitsvalgt"}) == 11);
  CHECK(count(c, e, {FeedFilter::Kind::role, "plasstillitsvalgt"}) == 6);
  CHECK(count(c, e, {FeedFilter::Kind::unit, "skole"}) == 3);
  CHECK(count(c, e, {FeedFilter::Kind::wheel, "partssamarbeid"}) == e.occurrences.size());
  CHECK(count(c, e, {}) == e.occurrences.size());
}

TEST_CASE("A unit-bound role in a unit's series means that unit's people") {
  const Config c = mini();
  Person p;
  p.id = "x";
  p.unit = "helse";
  p.roles = {Role::plasstillitsvalgt};
  Selector s;
  s.kind = Selector::Kind::role;
  s.role = Role::plasstillitsvalgt;
  CHECK(selects(c, s, p, c.find_unit("helse")));
  CHECK_FALSE(selects(c, s, p, c.find_unit("skole")));
  CHECK(selects(c, s, p, nullptr));
}

TEST_CASE("Feed filters name things that exist") {
  const Config c = mini();
  CHECK(parse_feed_filter(c, "person:ola"));
  CHECK(parse_feed_filter(c, "all"));
  CHECK_THAT(parse_feed_filter(c, "person:nobody").error(), Catch::Contains("unknown person"));
  CHECK_FALSE(parse_feed_filter(c, "role:boss"));
  CHECK_FALSE(parse_feed_filter(c, "everything"));
}

TEST_CASE("The stored audience key lets a cancelled occurrence reach the feeds that showed it") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const std::string key = audience_key(c, e.occurrences.front());
  CHECK(feed_includes_stored(c, {FeedFilter::Kind::person, "kari"}, key, "partssamarbeid", ""));
  CHECK_FALSE(feed_includes_stored(c, {FeedFilter::Kind::person, "ka"}, key, "partssamarbeid", ""));
  CHECK(feed_includes_stored(c, {FeedFilter::Kind::role, "hovedtillitsvalgt"}, key, "partssamarbeid", ""));
}

TEST_CASE("The stored audience names selectors, so its size does not grow with the roster") {
  Config c = mini();
  const Expansion small = expand_year(c, 2027);
  const std::string before = audience_key(c, small.occurrences.front());
  for (int i = 0; i < 1000; ++i) {
    Person p = c.people.front();
    p.id = "extra-" + std::to_string(i);
    c.people.push_back(p);
  }
  const Expansion big = expand_year(c, 2027);
  CHECK(audience_key(c, big.occurrences.front()) == before);
}

TEST_CASE("Every person the live feed shows an occurrence to also matches its stored audience") {
  const Config c = mini();
  for (const auto& o : expand_year(c, 2027).occurrences) {
    const std::string key = audience_key(c, o);
    for (const auto& p : c.people) {
      const FeedFilter f{FeedFilter::Kind::person, p.id};
      INFO(o.uid << " " << p.id << " " << key);
      CHECK(feed_includes(c, f, o) == feed_includes_stored(c, f, key, o.wheel->id, o.scope_id()));
    }
  }
}
