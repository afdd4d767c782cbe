// Reactor: the virtual bench's single-threaded event loop. Every twin registers its file
// descriptors (TCP listeners and clients, pseudo-terminal masters, CAN sockets) and timers
// here; one thread runs them all, so twins share the World without locks and a virtual-time
// run is deterministic for a given seed.
//
// Time: the reactor's clock is the sim clock. In real time it follows the steady clock; in
// virtual time it only moves when the rig's clock advances it over the control port
// (docs/virtual-time.md). Before any callback runs, the reactor advances every registered
// model to now(), so a twin answering a request always sees up-to-date physics.
#pragma once

#include <functional>
#include <memory>
#include <stop_token>

#include "rig/core/clock.hpp"
#include "rig/core/status.hpp"

namespace rig::sim {

enum IoEvent : unsigned { readable = 1, writable = 2, hangup = 4 };

class Reactor {
public:
    using FdCallback = std::function<void(unsigned events)>;
    using TimerCallback = std::function<void()>;
    using TimerId = unsigned long;
    using AdvanceCallback = std::function<void(TimePoint now)>;

    virtual ~Reactor() = default;

    virtual TimePoint now() const = 0;
    virtual bool is_virtual() const = 0;

    // Watches fd for `events` (readable/writable); replaces an earlier registration of fd.
    virtual void watch(int fd, unsigned events, FdCallback cb) = 0;
    virtual void unwatch(int fd) = 0;
    // Runs cb at sim time t (virtual: when the clock is advanced past t).
    virtual TimerId call_at(TimePoint t, TimerCallback cb) = 0;
    virtual void cancel(TimerId id) = 0;
    // Physics: called with the new time whenever time moves, before any fd or timer callback.
    virtual void on_advance(AdvanceCallback cb) = 0;
    // Virtual time only: moves the clock to t, firing due timers and advance callbacks.
    virtual Status advance_to(TimePoint t) = 0;

    // Runs until stop is requested (or stop() called).
    virtual void run(std::stop_token stop) = 0;
    virtual void stop() = 0;
};

// epoch: the start of sim time (virtual), or ignored (real).
std::unique_ptr<Reactor> make_reactor(bool virtual_time, TimePoint epoch);

}  // namespace rig::sim
