// Text as the roster stores it: valid UTF-8 with no control characters, so
// the API, the feeds and webhook payloads built from it are valid too.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "calendars/expected.h"

namespace arshjul {

// Why `text` cannot be stored as a roster field, if it cannot: bytes that are
// not UTF-8 (a stray, cut-short, overlong or surrogate sequence, or one past
// U+10FFFF), or a control character (U+0000-U+001F, U+007F-U+009F) other than
// a line feed when `line_breaks` is true. The message names the 1-based
// character where the trouble starts and what was expected.
std::optional<std::string> check_text(std::string_view text, bool line_breaks = false);

// `text` made safe to quote in a message: each byte that is not UTF-8 as
// "\xFF", each control character as "\u0007". Text that passes check_text
// (without line breaks) comes back unchanged.
std::string printable(std::string_view text);

// `s` with A-Z made a-z, nothing else touched: for names that are
// case-insensitive by their RFC (media types, charsets).
std::string ascii_lower(std::string_view s);

// `text` in `charset` (an HTTP charset parameter, any case; empty: not
// said) as UTF-8: utf-8 and us-ascii as they are, iso-8859-1 (latin1) and
// windows-1252 (the Norwegian Windows default, with its € and curly quotes
// at 0x80-0x9F) converted, unless the text is already UTF-8 beyond ASCII (a
// client that labels everything latin1): then it is taken as it is.
// UTF-16 (Excel's "Unicode text", many Windows exports) is converted when
// the text starts with its byte order mark, whatever the label says (those
// bytes are never UTF-8 or a name), or when labelled utf-16le or utf-16be.
// An Error for a charset it does not know or UTF-16 that is not (an odd
// byte count, a lone surrogate), saying where.
Expected<std::string> to_utf8(std::string_view text, std::string_view charset);

}  // namespace arshjul
