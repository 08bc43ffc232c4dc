// The daemon's config folder: SIGHUP reads it again, a fetched møteplan is
// applied to the folder as last loaded well (scheduler/config_files.h).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "scheduler/config_files.h"
#include "storage/storage.h"

using namespace arshjul;
using namespace date::literals;

namespace {

const std::string kUrl = "https://www.roros.kommune.no/moteplan.ics";

// Kommunestyret on Tuesday 9 March 2027, the day of the drøftingsmøte.
const std::string kCouncil =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Røros kommune//Møteplan//NB\r\n"
    "BEGIN:VEVENT\r\nUID:ks-2027-03-09@roros.kommune.no\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/Oslo:20270309T100000\r\nDTEND;TZID=Europe/Oslo:20270309T150000\r\n"
    "SUMMARY:Kommunestyret\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A copy of config/roros naming the møteplan's URL, and a database.
struct Folder {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("arshjul-folder-" + std::to_string(::getpid()));
  std::string db = dir.string() + ".db";
  Folder() {
    std::filesystem::remove_all(dir);
    std::filesystem::copy(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros", dir,
                          std::filesystem::copy_options::recursive);
    std::string toml = read(dir / "arshjul.toml");
    toml.replace(toml.find("[organisation]\n"), 15, "[organisation]\npolitical_calendar = { url = \"" + kUrl + "\" }\n");
    std::ofstream(dir / "arshjul.toml") << toml;
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  }
  ~Folder() {
    std::filesystem::remove_all(dir);
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  }
};

bool council_day(const Config& c) {
  for (const auto& b : c.organisation.working_days.blackouts)
    if (b.name == "Kommunestyret") return true;
  return false;
}

}  // namespace

TEST_CASE("A fetched møteplan is applied to the folder as last loaded, not to an unsignalled half-edit") {
  Folder f;
  auto storage = std::move(open_sqlite_storage(f.db)).value();
  ConfigFolder folder(f.dir.string(), storage.get());
  auto first = folder.load(true);
  REQUIRE(first);
  CHECK_FALSE(council_day(*first));

  // HR is half way through an edit nobody has signalled, and it does not load yet.
  std::ofstream(f.dir / "wheels" / "partssamarbeid.toml", std::ios::app) << "\n[[activity]]\nid = \"halv\"\n";
  storage->set_setting("political_calendar/url", kUrl);
  storage->set_setting("political_calendar/body", kCouncil);

  auto fetched = folder.load(false);
  INFO((fetched ? "" : fetched.error()));
  REQUIRE(fetched);
  CHECK(council_day(*fetched));
  CHECK_FALSE(folder.load(true));  // SIGHUP reads the folder and finds the half-edit
  auto again = folder.load(false);  // and a later fetch still applies to what was loaded well
  REQUIRE(again);
  CHECK(council_day(*again));
}
