#include "workflows/text.h"

#include <cstdint>
#include <cstdio>

namespace arshjul {
namespace {

// The length of the UTF-8 sequence at `s[i]` and its code point; 0 when the
// bytes there are not UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t n = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

std::string hex(unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", digits, value);
  return buf;
}

}  // namespace

std::optional<std::string> check_text(std::string_view text, bool line_breaks) {
  std::size_t character = 1;
  for (std::size_t i = 0; i < text.size(); ++character) {
    char32_t cp = 0;
    const std::size_t n = decode(text, i, cp);
    if (n == 0)
      return "expected UTF-8 text, got the byte 0x" + hex(static_cast<unsigned char>(text[i]), 2) +
             ", which is not UTF-8, at character " + std::to_string(character);
    if (control(cp) && !(line_breaks && cp == '\n'))
      return std::string("expected text without control characters") + (line_breaks ? " (a line break is allowed)" : "") +
             ", got U+" + hex(static_cast<unsigned>(cp), 4) + " at character " + std::to_string(character);
    i += n;
  }
  return std::nullopt;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t n = decode(text, i, cp);
    if (n == 0) {
      out += "\\x" + hex(static_cast<unsigned char>(text[i]), 2);
      ++i;
      continue;
    }
    if (control(cp)) out += "\\u" + hex(static_cast<unsigned>(cp), 4);
    else out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

namespace {

void append_code_point(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// UTF-16 (RFC 2781) as UTF-8, its byte order mark already taken off.
Expected<std::string> utf16_to_utf8(std::string_view text, bool little_endian) {
  if (text.size() % 2 != 0)
    return Error{"UTF-16 text of an odd number of bytes (" + std::to_string(text.size()) + "): it was cut off"};
  const auto unit = [&](std::size_t i) -> char16_t {
    const auto a = static_cast<unsigned char>(text[i]), b = static_cast<unsigned char>(text[i + 1]);
    return static_cast<char16_t>(little_endian ? a | (b << 8) : (a << 8) | b);
  };
  std::string out;
  out.reserve(text.size() / 2 + text.size() / 8);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    char32_t c = unit(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < text.size() && unit(i + 2) >= 0xDC00 && unit(i + 2) <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      return Error{"UTF-16 text with a lone surrogate at byte " + std::to_string(i) + ": not UTF-16"};
    }
    append_code_point(out, c);
  }
  return out;
}

// windows-1252 at 0x80-0x9F; 0 where it has no character (those bytes then
// read as in ISO-8859-1: C1 controls, which check_text refuses).
constexpr char32_t kWindows1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

Expected<std::string> to_utf8(std::string_view text, std::string_view charset) {
  const std::string name = ascii_lower(charset);
  if (text.starts_with("\xFF\xFE")) return utf16_to_utf8(text.substr(2), true);
  if (text.starts_with("\xFE\xFF")) return utf16_to_utf8(text.substr(2), false);
  if (name == "utf-16le") return utf16_to_utf8(text, true);
  if (name == "utf-16be") return utf16_to_utf8(text, false);
  if (name == "utf-16")
    return Error{"UTF-16 without a byte order mark: say charset=utf-16le or utf-16be, or send the mark"};
  if (name.empty() || name == "utf-8" || name == "utf8" || name == "us-ascii") return std::string(text);
  const bool latin1 = name == "iso-8859-1" || name == "latin1" || name == "iso_8859-1" || name == "l1";
  const bool cp1252 = name == "windows-1252" || name == "cp1252";
  if (!latin1 && !cp1252)
    return Error{"expected charset utf-8, utf-16, windows-1252 or iso-8859-1, got \"" + std::string(charset) + "\""};
  // A UTF-8 body labelled latin1 (some clients' default for text) is UTF-8
  // after all: "Ø" as two bytes would be two Latin-1 letters, never a name.
  bool ascii = true, utf8 = true;
  char32_t cp = 0;
  for (std::size_t i = 0; i < text.size() && utf8;) {
    const std::size_t n = decode(text, i, cp);
    utf8 = n != 0;
    ascii = ascii && n == 1;
    i += n;
  }
  if (utf8 && !ascii) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (unsigned char b : text) {
    char32_t c = b;
    if (cp1252 && b >= 0x80 && b < 0xA0 && kWindows1252[b - 0x80]) c = kWindows1252[b - 0x80];
    append_code_point(out, c);
  }
  return out;
}

}  // namespace arshjul
