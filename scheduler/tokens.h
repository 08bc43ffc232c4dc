// Secret tokens for feed URLs and API access: 128 random bits, shown once,
// stored only as a SHA-256 hash.
#pragma once

#include <string>
#include <string_view>

namespace arshjul {

// 22 characters of base64url (no padding): safe in a URL path.
std::string new_token();

// Lower-case hex SHA-256 of `token`.
std::string token_hash(std::string_view token);

// Lower-case hex SHA-256 of arbitrary bytes (ETags).
std::string sha256_hex(std::string_view data);

}  // namespace arshjul
