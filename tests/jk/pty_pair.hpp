// A pseudo-terminal for tests of the rig's serial side: the port (or link) under test opens
// the slave by `path`; the test holds the master and plays the instrument or DUT.
#pragma once

#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <string>

struct PtyPair {
    int master{-1};
    std::string path;
    PtyPair() {
        int slave = -1;
        char name[128];
        EXPECT_EQ(::openpty(&master, &slave, name, nullptr, nullptr), 0);
        ::close(slave);  // the port under test opens it by path
        path = name;
    }
    ~PtyPair() { ::close(master); }
    PtyPair(const PtyPair&) = delete;
    PtyPair& operator=(const PtyPair&) = delete;

    void send(const std::string& s) const { EXPECT_EQ(::write(master, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
    // Up to n bytes, waiting a little for them (the other side is still writing).
    std::string receive(std::size_t n) const {
        std::string out(n, '\0');
        std::size_t got = 0;
        for (int i = 0; i < 200 && got < n; ++i) {
            ssize_t r = ::read(master, out.data() + got, n - got);
            if (r > 0) got += static_cast<std::size_t>(r);
            else ::usleep(5000);
        }
        out.resize(got);
        return out;
    }
    // Whatever has been written so far, without waiting (the writer's calls have returned).
    std::string pending() const {
        std::string out;
        char buf[256];
        for (;;) {
            pollfd p{master, POLLIN, 0};
            if (::poll(&p, 1, 0) != 1) break;
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }
};
