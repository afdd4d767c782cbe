// SCPI over a serial line: the meter backend on a pseudo-terminal whose master side plays a
// 34461A (USB/RS232 SCPI instruments look like this to the rig).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "drivers/factory.hpp"
#include "drivers/kinds.hpp"

using namespace rig;
using namespace rig::drivers;

namespace {

class PtyInstrument {
public:
    PtyInstrument() {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
        ::grantpt(master_);
        ::unlockpt(master_);
        slave_name_ = ::ptsname(master_);
        thread_ = std::thread([this] { run(); });
    }
    ~PtyInstrument() {
        stop_ = true;
        thread_.join();
        ::close(master_);
    }
    const std::string& device() const { return slave_name_; }

private:
    void run() {
        std::string buf;
        while (!stop_) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            char chunk[256];
            ssize_t n = ::read(master_, chunk, sizeof chunk);
            if (n <= 0) {  // EIO (and POLLHUP) until the slave side is opened
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            buf.append(chunk, static_cast<size_t>(n));
            size_t pos;
            while ((pos = buf.find('\n')) != std::string::npos) {
                auto line = buf.substr(0, pos);
                buf.erase(0, pos + 1);
                std::string reply;
                if (line == "*IDN?") reply = "Keysight Technologies,34461A,MY53220002,A.02.14\r\n";
                else if (line == "SYST:ERR?") reply = "+0,\"No error\"\r\n";
                else if (line == "READ?") reply = "+3.30012000E+00\r\n";
                if (!reply.empty()) (void)!::write(master_, reply.data(), reply.size());
            }
        }
    }
    int master_{-1};
    std::string slave_name_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

TEST(ScpiSerial, a_meter_on_a_serial_line_identifies_configures_and_reads) {
    PtyInstrument pty;
    InstrumentSpec spec;
    spec.id = "dmm";
    spec.kind = InstrumentKind::meter;
    spec.model = "keysight-34461a";
    spec.model_file = std::string(RIG_SOURCE_DIR) + "/drivers/models/keysight-34461a.toml";
    spec.connection_text = "scpi-serial:" + pty.device() + ":115200:8N1";
    spec.connection = *parse_connection(spec.connection_text);
    auto inst = open_instrument(spec);
    ASSERT_TRUE(inst) << inst.status().describe();
    auto dmm = std::dynamic_pointer_cast<Meter>(*inst);
    ASSERT_TRUE(dmm->connect("2026-11-25"));
    EXPECT_EQ(dmm->identity().serial, "MY53220002");
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 10.0));
    auto v = dmm->read();
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_DOUBLE_EQ(*v, 3.30012);
}
