#include "reports/hash.hpp"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace rig::reports {
namespace {

struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct FileClose {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string to_hex(const unsigned char* d, unsigned n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        s += kHex[d[i] >> 4];
        s += kHex[d[i] & 0xF];
    }
    return s;
}

}  // namespace

Result<std::string> sha256_file(const std::filesystem::path& path) {
    std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "rb"));
    if (!f)
        return Status(Code::io_error, "sha256: cannot open " + path.string() + ": " + std::strerror(errno));
    std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        return Status(Code::io_error, "sha256: OpenSSL could not start a digest");
    std::array<unsigned char, 65536> buf{};
    for (;;) {
        std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        if (n > 0) EVP_DigestUpdate(ctx.get(), buf.data(), n);
        if (n < buf.size()) {
            if (std::ferror(f.get()))
                return Status(Code::io_error, "sha256: cannot read " + path.string() + ": " + std::strerror(errno));
            break;
        }
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), md.data(), &len) != 1)
        return Status(Code::io_error, "sha256: OpenSSL could not finish the digest of " + path.string());
    return to_hex(md.data(), len);
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
    return to_hex(md.data(), len);
}

}  // namespace rig::reports
