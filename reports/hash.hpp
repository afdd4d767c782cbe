// SHA-256 of files and text, for the record's fixture and plan hashes (which exact file a
// unit was tested with). OpenSSL's EVP does the hashing; results are lowercase hex.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "rig/core/status.hpp"

namespace rig::reports {

// 64 lowercase hex digits, or io_error naming the file and what the OS said.
Result<std::string> sha256_file(const std::filesystem::path& path);
std::string sha256_hex(std::string_view data);

}  // namespace rig::reports
