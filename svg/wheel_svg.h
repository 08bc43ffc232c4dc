// The annual wheel as an SVG picture: the year as a circle from 1 January at
// 12 o'clock, one ring per wheel, every occurrence a mark with its own
// title and description, public holidays and blackouts shaded behind.
//
// Pure and deterministic: the same config, expansion and options give the
// same bytes. Text is Norwegian bokmål; the output is well-formed XML.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calendars/time.h"
#include "workflows/expansion.h"
#include "workflows/model.h"

namespace arshjul {

struct WheelSvgOptions {
  enum class Size {
    a3_print,    // standalone file, width="420mm" height="297mm": the wheel left, the legend right
    inline_web,  // for an HTML page: viewBox only, so it scales with its container
  };

  std::vector<std::string> wheels;   // wheel ids to draw (always in config order); empty: every wheel
  Size size = Size::a3_print;
  std::optional<LocalDays> today;    // drawn as a hand when it falls in the year
  // For a page script: marks get tabindex="0", an id, data-uid (the UIDs they
  // stand for, space-separated), data-wheel, data-kind, data-date (and
  // data-last for windows), and focus styles. Every mark has its <title> and
  // <desc> either way.
  // A static picture (not interactive: paper has no hover) labels its marks
  // instead: each activity drawn gets a number, written beside its every mark
  // (class "key", never over another label or mark), and the legend's key
  // maps the numbers to the activities' titles.
  bool interactive = false;
  std::string link_base;             // when set, a mark links to link_base + its first UID (percent-encoded)
  std::string id_prefix = "arshjul"; // ids in the picture start with it: give each picture on a page its own
};

// XML (and HTML) text and attribute values escaped; control characters
// XML 1.0 forbids are dropped.
std::string xml_escape(std::string_view s);

// Draws the occurrences of `expansion` that fall in `year` (windows clipped
// to it). Ids in options.wheels that the config lacks draw nothing.
std::string render_wheel_svg(const Config& config, const Expansion& expansion, int year,
                             const WheelSvgOptions& options = {});

}  // namespace arshjul
