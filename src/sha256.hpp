#pragma once
// SHA-256 as lower-case hex, by OpenSSL's libcrypto (Debian's libssl-dev): the scenario hash in
// a result's provenance. The CLI is the only part that links it.
#include <string>

#include <openssl/evp.h>

#include "fabrisk/error.hpp"

namespace fabrisk_cli {

inline std::string sha256_hex(const std::string& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw fabrisk::error("SHA-256 failed (OpenSSL)");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

}  // namespace fabrisk_cli
