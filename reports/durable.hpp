// Durable files: how the run directory survives kill -9 and power loss. A whole file is
// replaced atomically (write a temp file, fsync it, rename over the old one, fsync the
// directory), so a reader sees the old or the new version, never a torn one. An AppendLog
// is a line journal whose append() returns once the line is on disk (fdatasync).
#pragma once

#include <filesystem>
#include <string_view>

#include "rig/core/status.hpp"

namespace rig::reports {

// How much a sink call guarantees when it returns (RunDirOptions, StoreOptions).
//   every_call  on disk (fsync): survives kill -9, a kernel crash and a power loss. Default.
//   end_of_run  written to the OS during the run (survives kill -9 and crashes of the rig,
//               which is what the page cache guarantees), synced at end(): a power loss
//               mid-run can lose the unfinished unit's last measurements, never corrupt
//               anything. For virtual runs of thousands of units, where ~4 ms of fsync per
//               measurement would dominate (figures in docs/reports.md).
enum class Durability : unsigned char { every_call, end_of_run };

// `sync` false skips the fsyncs (the rename is still atomic for readers and crashes).
[[nodiscard]] Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                       bool sync = true);
[[nodiscard]] Status fsync_directory(const std::filesystem::path& dir);

class AppendLog {
public:
    // Creates or truncates `path`.
    static Result<AppendLog> create(const std::filesystem::path& path);
    AppendLog(AppendLog&& o) noexcept;
    AppendLog& operator=(AppendLog&& o) noexcept;
    AppendLog(const AppendLog&) = delete;
    AppendLog& operator=(const AppendLog&) = delete;
    ~AppendLog();

    [[nodiscard]] Status append(std::string_view line, bool sync = true);  // adds '\n'; synced when `sync`
    [[nodiscard]] Status truncate(bool sync = true);  // empties the journal
    void close();
    const std::filesystem::path& path() const { return path_; }

private:
    AppendLog(std::filesystem::path p, int fd) : path_(std::move(p)), fd_(fd) {}
    std::filesystem::path path_;
    int fd_{-1};
};

}  // namespace rig::reports
