#include <catch2/catch.hpp>

#include "tests/fixtures.h"
#include "workflows/vocabulary.h"

using namespace arshjul;

TEST_CASE("A registration day is called by its configured name, else by its title up to a colon") {
  Config roros = test::load("config/roros");
  CHECK(registration_name(*roros.find_activity("ansattdag")) == "ansattdag");  // name = "ansattdag"
  for (Wheel& w : roros.wheels)
    for (Activity& a : w.activities)
      if (a.registration) a.registration->name.clear();
  CHECK(registration_name(*roros.find_activity("ansattdag")) == "Ansattdag");  // "Ansattdag: Velkommen til Røros kommune"
  const Config two = test::load("tests/fixtures/two-registrations");
  CHECK(registration_name(*two.find_activity("lederintro")) == "Introduksjonsdag for ledere");
  CHECK(registration_name(*two.find_activity("ansattdag")) == "ansattdag");  // name = "ansattdag"
}

TEST_CASE("The HR page's registration headings use the day's name") {
  const Config two = test::load("tests/fixtures/two-registrations");
  const Activity& intro = *two.find_activity("lederintro");
  CHECK(registered_heading(intro) == "Påmeldte per Introduksjonsdag for ledere");
  CHECK(waiting_heading(intro) == "Venter på ledig Introduksjonsdag for ledere");
}

TEST_CASE("capitalized upper-cases the first letter, also æ, ø and å, and leaves the rest") {
  CHECK(capitalized("helligdag") == "Helligdag");
  CHECK(capitalized("øvingsdag for ledere") == "Øvingsdag for ledere");
  CHECK(capitalized("åpen dag") == "Åpen dag");
  CHECK(capitalized("ærlig talt") == "Ærlig talt");
  CHECK(capitalized("Ansattdag") == "Ansattdag");
  CHECK(capitalized("10-faktor") == "10-faktor");
  CHECK(capitalized("") == "");
}

TEST_CASE("A move reads as the calendar text and the wheel both say it") {
  using namespace date::literals;
  const LocalDays may17{2027_y / 5 / 17};
  CHECK(moved_text(may17, {NonWorkingReason::Kind::public_holiday, "Grunnlovsdag"}) ==
        "Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)");
  CHECK(moved_text(may17, {NonWorkingReason::Kind::weekend, "lørdag"}) == "Flyttet fra mandag 17. mai 2027 (helg)");
}
