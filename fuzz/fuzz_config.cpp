// Feeds load_config with HR's files made of the input: arshjul.toml, then
// people.toml, then wheel files, each after a line "#%%" (a TOML comment, so
// a seed is still TOML).
// It must never crash, hang or throw; a config either loads with no errors
// or yields no config and at least one error, each naming one of the files,
// a line and what was expected.
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "workflows/config_loader.h"
#include "workflows/expansion.h"

using namespace arshjul;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split({reinterpret_cast<const char*>(data), size}, "\n#%%\n", 5);
  ConfigSources sources;
  sources.organisation = {"arshjul.toml", parts[0]};
  if (parts.size() > 1) sources.people = SourceFile{"people.toml", parts[1]};
  for (std::size_t i = 2; i < parts.size(); ++i)
    sources.wheels.push_back({"wheels/w" + std::to_string(i - 2) + ".toml", parts[i]});

  const LoadResult r = load_config(sources);
  FUZZ_CHECK(r.ok() == r.errors.empty(), "a config with errors, or no config and no error");
  for (const auto& e : r.errors) {
    FUZZ_CHECK(!e.message.empty(), e.to_string());
    FUZZ_CHECK(e.file == "arshjul.toml" || e.file == "people.toml" || e.file.rfind("wheels/w", 0) == 0, e.to_string());
    FUZZ_CHECK(e.line >= 0 && e.column >= 0, e.to_string());
  }
  if (r.ok()) (void)expand_year(*r.config, 2027);
  return 0;
}
