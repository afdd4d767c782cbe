// GpioLineMap (pure) and GpioBank (the gpio instrument); the libgpiod chip is in
// transport/gpiod_chip.cpp.
#include "drivers/gpio.hpp"

namespace rig::drivers {

Result<GpioLineMap> GpioLineMap::parse(const std::map<std::string, std::string>& options) {
    GpioLineMap map;
    for (auto& [name, value] : options) {
        if (name == "consumer") continue;  // the label lines are requested under
        GpioLine l;
        l.name = name;
        size_t start = 0;
        bool first = true;
        for (;;) {
            auto colon = value.find(':', start);
            auto part = value.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (first) {
                if (part.empty())
                    return Status(Code::invalid_argument, "gpio option " + name + " = \"" + value +
                                                              "\": expected \"<chip line>[:active_low][:output]\"");
                l.chip_line = part;
                first = false;
            } else if (part == "active_low") {
                l.active_low = true;
            } else if (part == "active_high") {
                l.active_low = false;
            } else if (part == "output") {
                l.output = true;
            } else if (part == "input") {
                l.output = false;
            } else {
                return Status(Code::invalid_argument, "gpio option " + name + " = \"" + value + "\": unknown flag \"" +
                                                          part + "\" (active_low, active_high, output, input)");
            }
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
        map.lines_.push_back(std::move(l));
    }
    return map;
}

GpioLine GpioLineMap::resolve(const std::string& name) const {
    for (auto& l : lines_)
        if (l.name == name) return l;
    return GpioLine{name, name, false, false};
}

GpioBank::GpioBank(InstrumentSpec spec, GpioLineMap map, ChipOpener opener)
    : Instrument(std::move(spec)), map_(std::move(map)), opener_(std::move(opener)) {
    if (!opener_) {
        auto it = this->spec().options.find("consumer");
        std::string consumer = it == this->spec().options.end() ? "jk-rig" : it->second;
        opener_ = [consumer](const std::string& chip) { return GpioChip::open(chip, consumer); };
    }
}

GpioBank::~GpioBank() {
    (void)safe();
    disconnect();
}

Status GpioBank::do_open() {
    auto c = opener_(spec().connection.device);
    if (!c) return c.status();
    chip_ = std::move(*c);
    return Status::ok();
}

Result<Identity> GpioBank::do_identify() {
    Identity id;
    id.manufacturer = "Linux";
    id.model = "gpiochip";
    id.raw = chip_->describe();
    return id;
}

Status GpioBank::do_safe() {
    for (auto& l : map_.lines())
        if (l.output) RIG_TRY(chip_->write(l.chip_line, GpioLineMap::physical(l, false)).with_context("line " + l.name));
    return Status::ok();
}

void GpioBank::do_close() { chip_.reset(); }

Result<bool> GpioBank::read(const std::string& name) {
    std::lock_guard lock(mutex());
    if (!connected()) return Status(Code::disconnected, "not connected (connect() first)").with_context(where());
    auto l = map_.resolve(name);
    auto v = chip_->read(l.chip_line);
    if (!v) return v.status().with_context(where() + " line " + name);
    return GpioLineMap::logical(l, *v);
}

Status GpioBank::write(const std::string& name, bool active) {
    std::lock_guard lock(mutex());
    if (!connected()) return Status(Code::disconnected, "not connected (connect() first)").with_context(where());
    auto l = map_.resolve(name);
    if (!l.output)
        return Status(Code::invalid_argument, "line " + name + " is not an output (add :output in the fixture's options)")
            .with_context(where());
    return chip_->write(l.chip_line, GpioLineMap::physical(l, active)).with_context(where() + " line " + name);
}

Result<std::vector<std::pair<std::string, bool>>> GpioBank::read_all() {
    std::vector<std::pair<std::string, bool>> out;
    for (auto& l : map_.lines()) {
        if (l.output) continue;
        auto v = read(l.name);
        if (!v) return v.status();
        out.emplace_back(l.name, *v);
    }
    return out;
}

}  // namespace rig::drivers
