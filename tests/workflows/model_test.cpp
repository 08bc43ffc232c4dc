#include <catch2/catch.hpp>

#include <utility>

#include "tests/fixtures.h"
#include "workflows/model.h"

using namespace arshjul;

TEST_CASE("find_activity finds an activity of any wheel by its id, and its wheel") {
  const Config c = test::load("config/roros");
  const Wheel* wheel = nullptr;
  const Activity* plan = c.find_activity("tf-handlingsplan", &wheel);
  REQUIRE(plan);
  CHECK(plan->id == "tf-handlingsplan");
  REQUIRE(wheel);
  CHECK(wheel->id == "10-faktor");
  CHECK(plan >= wheel->activities.data());
  CHECK(plan < wheel->activities.data() + wheel->activities.size());

  const Activity* day = c.find_activity("ansattdag");
  REQUIRE(day);
  CHECK(day->registration.has_value());
}

TEST_CASE("find_activity answers nullptr for an id no wheel has, and leaves the wheel alone") {
  const Config c = test::load("config/roros");
  const Wheel sentinel;
  const Wheel* wheel = &sentinel;
  CHECK(c.find_activity("nope", &wheel) == nullptr);
  CHECK(wheel == &sentinel);
  CHECK(c.find_activity("") == nullptr);
}

TEST_CASE("find_activity on a copied or moved Config points into that Config, not the original") {
  Config original = test::mini();
  REQUIRE(original.find_activity("frist"));  // the original's index is built
  const Config copy = original;
  const Activity* in_copy = copy.find_activity("frist");
  REQUIRE(in_copy);
  CHECK(in_copy == &copy.find_wheel("partssamarbeid")->activities[2]);

  Config assigned;
  assigned = copy;
  CHECK(assigned.find_activity("frist") == &assigned.wheels[0].activities[2]);

  const Config moved = std::move(original);
  CHECK(moved.find_activity("frist") == &moved.wheels[0].activities[2]);
}

TEST_CASE("find_activity sees activities added, removed or renamed after a lookup") {
  Config c = test::mini();
  REQUIRE(c.find_activity("drofting"));
  std::vector<Activity>& acts = c.wheels[0].activities;

  acts.erase(acts.begin());  // everything after it moves down one place
  CHECK(c.find_activity("drofting") == nullptr);
  CHECK(c.find_activity("frist") == &acts[1]);

  Activity extra;
  extra.id = "ny";
  extra.title = "Ny";
  acts.push_back(extra);
  CHECK(c.find_activity("ny") == &acts.back());

  acts[0].id = "omdopt";
  CHECK(c.find_activity("omdopt") == &acts[0]);

  Wheel w;
  w.id = "andre";
  w.activities.push_back(extra);
  w.activities.back().id = "i-andre";
  c.wheels.push_back(w);
  const Wheel* found_in = nullptr;
  CHECK(c.find_activity("i-andre", &found_in) == &c.wheels[1].activities[0]);
  CHECK(found_in == &c.wheels[1]);
}

TEST_CASE("find_person on a roster copied with its shared index finds each person in the copy, and a wrong share still answers right") {
  Config original = test::load("config/roros");
  REQUIRE(original.find_person(original.people.back().id));  // the original's index is built
  Config copy = original;
  copy.people.mut(3).name = "Endret";
  copy.id_index.share_people(original.id_index);
  for (const Person& p : original.people) CHECK(copy.find_person(p.id) == &copy.people[original.people.index_of(&p)]);

  // Shared although the ids moved: the index is rebuilt, not trusted.
  Config reordered = original;
  std::swap(reordered.people.mut(0), reordered.people.mut_back());
  reordered.id_index.share_people(original.id_index);
  CHECK(reordered.find_person(original.people.front().id) == &reordered.people.back());
  CHECK(reordered.find_person(original.people.back().id) == &reordered.people.front());
  CHECK(reordered.find_person("nobody") == nullptr);
}
