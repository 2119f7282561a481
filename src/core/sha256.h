// SHA-256 of files and buffers (OpenSSL's EVP), as lowercase hex.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace easel::detail {

std::string sha256_hex(std::string_view bytes);
// Throws Error(io_error) naming the file if it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace easel::detail
