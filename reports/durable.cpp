#include "reports/durable.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace rig::reports {
namespace {

Status os_error(std::string_view what, const std::filesystem::path& p) {
    return Status(Code::io_error, std::string(what) + " " + p.string() + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view data, const std::filesystem::path& p) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("cannot write", p);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::ok();
}

}  // namespace

Status fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error("cannot open directory", dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    errno = err;
    if (rc != 0) return os_error("cannot fsync directory", dir);
    return Status::ok();
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content, bool sync) {
    auto tmp = path;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return os_error("cannot create", tmp);
    Status st = write_all(fd, content, tmp);
    if (st && sync && ::fsync(fd) != 0) st = os_error("cannot fsync", tmp);
    ::close(fd);
    if (!st) return st;
    if (::rename(tmp.c_str(), path.c_str()) != 0) return os_error("cannot rename " + tmp.string() + " to", path);
    return sync ? fsync_directory(path.parent_path()) : Status::ok();
}

Result<AppendLog> AppendLog::create(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return os_error("cannot create journal", path);
    AppendLog log(path, fd);
    RIG_TRY(fsync_directory(path.parent_path()));
    return log;
}

AppendLog::AppendLog(AppendLog&& o) noexcept : path_(std::move(o.path_)), fd_(o.fd_) { o.fd_ = -1; }

AppendLog& AppendLog::operator=(AppendLog&& o) noexcept {
    if (this != &o) {
        close();
        path_ = std::move(o.path_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

AppendLog::~AppendLog() { close(); }

void AppendLog::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Status AppendLog::append(std::string_view line, bool sync) {
    if (fd_ < 0) return Status(Code::io_error, "journal " + path_.string() + " is closed");
    std::string buf;
    buf.reserve(line.size() + 1);
    buf.append(line);
    buf += '\n';
    RIG_TRY(write_all(fd_, buf, path_));
    if (sync && ::fdatasync(fd_) != 0) return os_error("cannot fdatasync journal", path_);
    return Status::ok();
}

Status AppendLog::truncate(bool sync) {
    if (fd_ < 0) return Status(Code::io_error, "journal " + path_.string() + " is closed");
    if (::ftruncate(fd_, 0) != 0) return os_error("cannot truncate journal", path_);
    if (sync && ::fdatasync(fd_) != 0) return os_error("cannot fdatasync journal", path_);
    return Status::ok();
}

}  // namespace rig::reports
