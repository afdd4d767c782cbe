// Who is writing a record: process id, its start time and the boot it runs in. A record or
// store row left "running" is only marked aborted when its writer is provably gone, so two
// rigs (or two sockets) sharing a results store never abort each other's live runs.
#pragma once

#include <cstdint>
#include <string>

namespace rig::reports {

struct WriterInfo {
    std::int64_t pid{0};
    std::string boot_id;           // /proc/sys/kernel/random/boot_id
    std::uint64_t start_ticks{0};  // /proc/<pid>/stat field 22: tells a reused pid apart
    std::string host;              // hostname; a writer on another host cannot be checked
};

WriterInfo current_writer();

// False only when the writer is provably gone: this host, another boot (the machine
// restarted), or the same boot with the pid absent, a zombie, or a different process that
// reused the pid. A writer on another host, or one without a pid, counts as alive.
bool writer_alive(const WriterInfo& w);

}  // namespace rig::reports
