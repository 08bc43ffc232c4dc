#include <catch2/catch.hpp>

#include "tests/fixtures.h"
#include "workflows/events.h"
#include "workflows/overrides.h"

using namespace arshjul;
using namespace std::chrono_literals;

namespace {

const Occurrence* by_uid(const Expansion& e, const std::string& uid) {
  for (const auto& o : e.occurrences)
    if (o.uid == uid) return &o;
  return nullptr;
}

SysSeconds oslo(const Config& c, LocalDays day, std::chrono::hours h) {
  return to_utc(LocalSeconds{day} + h, c.organisation.zone);
}

}  // namespace

TEST_CASE("A moved occurrence keeps its UID and takes the new time and the reason") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  const Occurrence first = e.occurrences.front();
  REQUIRE_FALSE(first.all_day);
  const LocalDays day = first.first_day + date::days{1};
  Override ov;
  ov.kind = Override::Kind::move;
  ov.uid = first.uid;
  ov.start = oslo(c, day, 13h);
  ov.end = oslo(c, day, 15h);
  ov.reason = "Kollisjon med kommunestyremøtet";
  apply_overrides(e, {ov});
  const Occurrence* moved = by_uid(e, first.uid);
  REQUIRE(moved);
  CHECK(moved->start == ov.start);
  CHECK(moved->end == ov.end);
  CHECK(moved->first_day == day);
  CHECK(moved->original_day == first.original_day);
  CHECK(moved->change_reason == ov.reason);
  CHECK_THAT(occurrence_description(*moved), Catch::Contains("Endret av HR: Kollisjon med kommunestyremøtet"));
  CHECK(occurrence_fingerprint(*moved) != occurrence_fingerprint(first));
}

TEST_CASE("A cancelled occurrence leaves the expansion, so storage cancels it") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  const std::size_t before = e.occurrences.size();
  const std::string uid = e.occurrences[3].uid;
  const auto cancelled = apply_overrides(e, {Override{0, Override::Kind::cancel, uid, "", "", {}, {}, {}, {}, "Sykdom", {}, {}, {}}});
  CHECK(e.occurrences.size() == before - 1);
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0].uid == uid);
  CHECK(cancelled[0].change_reason == "Sykdom");
  CHECK_FALSE(by_uid(e, uid));
}

TEST_CASE("An extra meeting joins its series with its own UID, in time order") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  const LocalDays day = LocalDays{date::year{2027} / 6 / 9};
  Override ov;
  ov.kind = Override::Kind::extra;
  ov.id = 7;
  ov.activity = "drofting";
  ov.uid = extra_uid(c.organisation.id, 7, "drofting", "", day);
  ov.start = oslo(c, day, 9h);
  ov.end = oslo(c, day, 10h);
  ov.reason = "Ekstra drøfting om omstilling";
  apply_overrides(e, {ov});
  const Occurrence* extra = by_uid(e, ov.uid);
  REQUIRE(extra);
  CHECK(ov.uid.rfind("extra-7.drofting.20270609@", 0) == 0);
  CHECK(extra->extra);
  CHECK_THAT(occurrence_description(*extra), Catch::Contains("Ekstra møte: Ekstra drøfting om omstilling"));
  CHECK(extra->activity->id == "drofting");
  CHECK(extra->wheel->id == "partssamarbeid");
  CHECK(std::is_sorted(e.occurrences.begin(), e.occurrences.end(),
                       [](const Occurrence& a, const Occurrence& b) { return a.start < b.start; }));
}

TEST_CASE("An override naming an occurrence the config no longer yields is ignored") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  const std::size_t before = e.occurrences.size();
  Override ov;
  ov.kind = Override::Kind::move;
  ov.uid = "gone.20270101@mini.arshjul";
  apply_overrides(e, {ov, Override{0, Override::Kind::cancel, "gone.2@x", "", "", {}, {}, {}, {}, "", {}, {}, {}}});
  CHECK(e.occurrences.size() == before);
}

TEST_CASE("A meeting's own agenda replaces the activity's for that meeting only, the newest winning, and is in its description") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  const Occurrence* first = nullptr;
  const Occurrence* next = nullptr;
  for (const auto& o : e.occurrences) {
    if (o.activity->id != "drofting") continue;
    if (!first) first = &o;
    else if (!next) next = &o;
  }
  REQUIRE(next);
  const std::string uid = first->uid, other = next->uid;
  const Occurrence before = *first;
  Override ov;
  ov.kind = Override::Kind::agenda;
  ov.uid = uid;
  ov.agenda = {"Orientering", "Budsjettrevisjon"};
  ov.reason = "Budsjettet";
  Override newer = ov;
  newer.agenda = {"Orientering", "Budsjettrevisjon", "Sykefravær"};
  newer.documents = {{"Tertialrapport", "https://example.no/t1.pdf"}};
  apply_overrides(e, {ov, newer});
  const Occurrence* own = by_uid(e, uid);
  REQUIRE(own);
  CHECK(agenda_of(*own) == newer.agenda);
  CHECK(agenda_of(*by_uid(e, other)) == by_uid(e, other)->activity->agenda);
  CHECK_FALSE(own->moved_by_hr);
  CHECK(own->start == before.start);
  CHECK_THAT(occurrence_description(*own), Catch::Contains("3. Sykefravær") &&
                                               Catch::Contains("Dokumenter:\n- Tertialrapport: https://example.no/t1.pdf"));
  CHECK(occurrence_fingerprint(*own) != occurrence_fingerprint(before));  // subscribers and the told see a change
}
