// Feeds parse_people_csv, the HR system's roster export, against the mini
// fixture's organisation.
// It must never crash, hang or throw; it returns people or errors, never
// both, every error names a line of the file and what was expected, and
// the people it accepts have valid, distinct ids.
#include <cstdint>
#include <set>

#include "fuzz/fuzz_support.h"
#include "workflows/people.h"

using namespace arshjul;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Config& config = fuzz::mini_config();
  const PeopleCsv csv = parse_people_csv("people.csv", {reinterpret_cast<const char*>(data), size}, config);
  if (!csv.ok()) {
    FUZZ_CHECK(csv.people.empty(), "people and errors both");
    for (const auto& e : csv.errors) {
      FUZZ_CHECK(!e.message.empty(), e.to_string());
      FUZZ_CHECK(e.file == "people.csv", e.to_string());
      FUZZ_CHECK(e.line >= 1, e.to_string());
    }
  }
  std::set<std::string> ids;
  for (const auto& p : csv.people) {
    FUZZ_CHECK(valid_id(p.id), "accepted a bad id: " + p.id);
    FUZZ_CHECK(ids.insert(p.id).second, "accepted a duplicate id: " + p.id);
  }
  return 0;
}
