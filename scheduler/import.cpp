#include "scheduler/import.h"

#include "scheduler/webhooks.h"

#include <unordered_map>
#include <unordered_set>

namespace arshjul {

ImportResult import_people(Storage& storage, const Config& config, std::string_view path, std::string_view csv,
                           bool dry_run, bool replace, SysSeconds now, bool strict) {
  ImportResult result;
  result.dry_run = dry_run;
  PeopleCsv parsed = parse_people_csv(path, csv, config, strict);
  result.warnings = std::move(parsed.warnings);
  if (!parsed.ok()) {
    result.errors = std::move(parsed.errors);
    result.error_count = parsed.error_count;
    return result;
  }
  std::vector<Person> after;
  if (replace) {
    after = parsed.people;
  } else {
    std::unordered_map<std::string_view, const Person*> incoming;
    for (const Person& p : parsed.people) incoming.emplace(p.id, &p);
    std::unordered_set<std::string_view> placed;
    after.reserve(config.people.size() + parsed.people.size());
    for (const Person& p : config.people) {
      auto it = incoming.find(p.id);
      after.push_back(it == incoming.end() ? p : *it->second);
    }
    std::unordered_set<std::string_view> before_ids;
    for (const Person& p : config.people) before_ids.insert(p.id);
    for (const Person& p : parsed.people)
      if (!before_ids.count(p.id)) after.push_back(p);
  }
  result.change = diff_roster(config.people, after);
  if (dry_run) return result;
  std::unordered_set<std::string_view> touched(result.change.added.begin(), result.change.added.end());
  touched.insert(result.change.changed.begin(), result.change.changed.end());
  std::vector<Person> store;
  for (const Person& p : parsed.people)
    if (touched.count(p.id)) store.push_back(p);
  // The caller runs this in one storage unit: the roster and the word of who
  // moved between units commit together.
  std::vector<OutboxMessage> moves;
  for (const Person& p : store)
    if (const Person* before = config.find_person(p.id)) {
      auto rows = unit_move_messages(config, *before, p, now);
      moves.insert(moves.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    }
  storage.store_people(store, result.change.removed, now);
  if (!moves.empty()) storage.enqueue(moves, now);
  return result;
}

}  // namespace arshjul
