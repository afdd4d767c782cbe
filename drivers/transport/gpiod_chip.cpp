// GpioChip over libgpiod 1.6 (Debian 12): the v1 API, one chip handle owning every line it
// requested (gpiod_chip_close releases them).
#include <gpiod.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "drivers/gpio.hpp"

namespace rig::drivers {
namespace {

class LibgpiodChip final : public GpioChip {
public:
    LibgpiodChip(gpiod_chip* chip, std::string consumer) : chip_(chip), consumer_(std::move(consumer)) {}
    ~LibgpiodChip() override { gpiod_chip_close(chip_); }
    LibgpiodChip(const LibgpiodChip&) = delete;
    LibgpiodChip& operator=(const LibgpiodChip&) = delete;

    std::string describe() const override {
        return std::string(gpiod_chip_name(chip_)) + " [" + gpiod_chip_label(chip_) + "] " +
               std::to_string(gpiod_chip_num_lines(chip_)) + " lines";
    }

    Result<bool> read(const std::string& name) override {
        auto line = request(name, false, false);
        if (!line) return line.status();
        int v = gpiod_line_get_value(*line);
        if (v < 0) return Status(Code::io_error, "line " + name + ": read: " + std::strerror(errno));
        return v != 0;
    }

    Status write(const std::string& name, bool level) override {
        auto line = request(name, true, level);
        if (!line) return line.status();
        if (gpiod_line_set_value(*line, level ? 1 : 0) != 0)
            return Status(Code::io_error, "line " + name + ": write: " + std::strerror(errno));
        return Status::ok();
    }

private:
    // Finds the line by name (or offset) and requests it once in the wanted direction.
    Result<gpiod_line*> request(const std::string& name, bool output, bool initial) {
        auto it = lines_.find(name);
        if (it != lines_.end()) {
            if (it->second.second != output)
                return Status(Code::invalid_argument, "line " + name + " is already used as an " +
                                                          (output ? "input" : "output"));
            return it->second.first;
        }
        gpiod_line* line = nullptr;
        unsigned offset = 0;
        auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), offset);
        if (ec == std::errc() && p == name.data() + name.size())
            line = gpiod_chip_get_line(chip_, offset);
        else
            line = gpiod_chip_find_line(chip_, name.c_str());
        if (!line) return Status(Code::invalid_argument, "no line \"" + name + "\" on " + describe());
        int rc = output ? gpiod_line_request_output(line, consumer_.c_str(), initial ? 1 : 0)
                        : gpiod_line_request_input(line, consumer_.c_str());
        if (rc != 0) return Status(Code::io_error, "line " + name + ": request: " + std::strerror(errno));
        lines_[name] = {line, output};
        return line;
    }

    gpiod_chip* chip_;
    std::string consumer_;
    std::map<std::string, std::pair<gpiod_line*, bool>> lines_;
};

}  // namespace

Result<std::unique_ptr<GpioChip>> GpioChip::open(const std::string& chip, const std::string& consumer) {
    gpiod_chip* c = gpiod_chip_open_lookup(chip.c_str());
    if (!c) return Status(Code::io_error, "cannot open GPIO chip \"" + chip + "\": " + std::strerror(errno));
    return std::unique_ptr<GpioChip>(new LibgpiodChip(c, consumer));
}

}  // namespace rig::drivers
