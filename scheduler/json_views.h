// JSON views of the domain that webhook payloads and the API share, so a
// person or an occurrence reads the same wherever a client meets it.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "workflows/expansion.h"
#include "workflows/model.h"

namespace arshjul {

boost::json::object person_json(const Person& person);
// Everything stored of a person (person_json and union, committees, the
// dates, acting, manager): the API's person and the audit trail's before/after.
boost::json::object person_record_json(const Person& person);
boost::json::object occurrence_json(const Config& config, const Occurrence& occurrence, int sequence, bool cancelled);

// "2027-03-02T10:00:00+01:00": local time with its offset.
std::string local_iso(SysSeconds t, const date::time_zone* zone);
// "2027-03-02T09:00:00Z".
std::string iso_utc(SysSeconds t);
// "2027-03-02", or null.
boost::json::value date_or_null(const std::optional<LocalDays>& d);

}  // namespace arshjul
