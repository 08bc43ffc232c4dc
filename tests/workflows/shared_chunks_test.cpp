#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "workflows/model.h"

using namespace arshjul;

namespace {

Person named(std::string id, std::string name = "") {
  Person p;
  p.id = std::move(id);
  p.name = std::move(name);
  return p;
}

Roster numbered(int n) {
  std::vector<Person> people;
  for (int i = 0; i < n; ++i) people.push_back(named("p" + std::to_string(i), "Person " + std::to_string(i)));
  return people;
}

}  // namespace

TEST_CASE("A copied roster shares every person with the original until one of them is changed") {
  const Roster original = numbered(1000);
  const Roster copy = original;
  REQUIRE(copy.size() == 1000);
  for (std::size_t i = 0; i < copy.size(); ++i) CHECK(&copy[i] == &original[i]);
}

TEST_CASE("Changing one person of a copy copies only that person's chunk and leaves the original as it was") {
  const Roster original = numbered(1000);
  Roster copy = original;
  copy.mut(300).name = "Endret";
  CHECK(original[300].name == "Person 300");
  CHECK(copy[300].name == "Endret");
  std::size_t shared = 0;
  for (std::size_t i = 0; i < copy.size(); ++i) {
    if (i != 300) CHECK(copy[i] == original[i]);
    if (&copy[i] == &original[i]) ++shared;
  }
  CHECK(shared == 1000 - 256);  // one chunk of 256 copied
  CHECK(!(copy == original));
}

TEST_CASE("A roster nobody else holds is changed in place") {
  Roster r = numbered(10);
  const Person* before = &r[5];
  r.mut(5).name = "Endret";
  CHECK(&r[5] == before);
  r.push_back(named("ny"));
  CHECK(&r[5] == before);  // a chunk is reserved whole: appending moves nobody
}

TEST_CASE("index_of gives a person's place in any chunk, and size() for a person of another roster") {
  const Roster r = numbered(600);
  CHECK(r.index_of(&r[0]) == 0);
  CHECK(r.index_of(&r[257]) == 257);
  CHECK(r.index_of(&r[599]) == 599);
  const Person stranger = named("p1");
  CHECK(r.index_of(&stranger) == 600);
}

TEST_CASE("A roster iterates, inserts and compares like the vector it was made from") {
  std::vector<Person> people = numbered(300).to_vector();
  Roster r = people;
  CHECK(std::vector<Person>(r.begin(), r.end()) == people);
  CHECK(r.end() - r.begin() == 300);
  r.insert(r.begin() + 1, named("mellom"));
  people.insert(people.begin() + 1, named("mellom"));
  CHECK(r.to_vector() == people);
  CHECK(r == Roster(people));
}
