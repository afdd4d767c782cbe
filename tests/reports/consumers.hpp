// The independent readers the reports tests hand our files to: python3-jsonschema (a
// record.json against reports/record.schema.json), python3-junitparser (junit.xml), Python's
// csv module (measurements.csv) and headless Chromium (report.html to a PNG). Used on
// synthetic records (consumers_test, browser_test) and on real runs (e2e_test).
#pragma once

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "reports/record.hpp"
#include "run_command.hpp"
#include "sample_records.hpp"

namespace rig::reports::testing {

inline const std::string kPython = "/usr/bin/python3";
inline const std::string kChromium = "/usr/bin/chromium";

inline std::string py_script(const std::string& name) { return shell_quoted(std::string(RIG_REPORTS_PY) + "/" + name); }

// Exit 0 and "valid" when every file validates against the record schema.
inline CommandResult validate_records(const std::vector<std::filesystem::path>& files) {
    std::string cmd = kPython + " " + py_script("validate_record.py") + " " + shell_quoted(RIG_RECORD_SCHEMA);
    for (const auto& f : files) cmd += " " + shell_quoted(f.string());
    return run_command(cmd);
}

// junitparser's view of a junit.xml (see py/junit_counts.py).
inline CommandResult junit_counts(const std::filesystem::path& junit) {
    return run_command(kPython + " " + py_script("junit_counts.py") + " " + shell_quoted(junit.string()));
}

// What junit_counts.py must print for `r`: the suite totals and the per-case results.
inline std::string expected_junit_totals(const RunRecord& r) {
    return "suites=1 tests=" + std::to_string(r.measurements.size()) + " failures=" +
           std::to_string(count_of(r, Verdict::fail)) + " errors=" + std::to_string(count_of(r, Verdict::error)) +
           " skipped=" + std::to_string(count_of(r, Verdict::skipped));
}
inline std::string expected_junit_cases(const RunRecord& r) {
    return "cases=" + std::to_string(r.measurements.size()) + " failure=" + std::to_string(count_of(r, Verdict::fail)) +
           " error=" + std::to_string(count_of(r, Verdict::error)) + " skipped=" +
           std::to_string(count_of(r, Verdict::skipped)) + " classnames=" + r.info.plan_name;
}

// measurements.csv read by Python's csv module and checked against the record: one row per
// measurement, same step, name, verdict, and the value as Python parses it (shortest
// round-trip repr, read back here with from_chars) equal to the record's double.
inline void expect_csv_matches_record(const std::filesystem::path& csv, const RunRecord& r) {
    auto out = run_command(kPython + " " + py_script("csv_rows.py") + " " + shell_quoted(csv.string()));
    ASSERT_EQ(out.status, 0) << out.output;
    std::istringstream in(out.output);
    std::string line;
    std::size_t k = 0;
    while (std::getline(in, line)) {
        ASSERT_LT(k, r.measurements.size()) << "more CSV rows than measurements: " << line;
        const Measurement& m = r.measurements[k];
        std::istringstream f(line);
        std::string step, name, value, verdict;
        ASSERT_TRUE(std::getline(f, step, '\t') && std::getline(f, name, '\t') && std::getline(f, value, '\t') &&
                    std::getline(f, verdict))
            << line;
        EXPECT_EQ(step, m.step) << "row " << k;
        EXPECT_EQ(name, m.name) << "row " << k;
        EXPECT_EQ(verdict, to_string(m.verdict)) << "row " << k;
        if (!m.has_value()) {
            EXPECT_EQ(value, "") << "row " << k;
        } else {
            double v = std::nan("");
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            EXPECT_TRUE(ec == std::errc() && p == value.data() + value.size()) << "row " << k << ": " << value;
            EXPECT_EQ(v, m.value) << "row " << k << " " << m.step << "/" << m.name;
        }
        ++k;
    }
    EXPECT_EQ(k, r.measurements.size()) << "CSV rows vs measurements";
}

// No src/href/@import/url() pointing anywhere: the page must open with no network.
inline void expect_self_contained_html(const std::string& html) {
    EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(https?://)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(@import|url\s*\()", std::regex::icase)));
}

inline std::uint32_t be32(const std::string& s, std::size_t at) {
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// Headless Chromium takes a width x height screenshot of `html` (a file in `dir`); checks it
// is a non-trivial PNG of that size. Skips the calling test when chromium is not installed.
inline void expect_chromium_renders(const std::filesystem::path& html, const std::filesystem::path& dir,
                                    unsigned width = 1200, unsigned height = 2000) {
    auto png = dir / "report.png";
    auto profile = dir / "chromium-profile";
    std::filesystem::create_directories(profile);
    std::string cmd = "HOME=" + shell_quoted(dir.string()) + " timeout 110 " + kChromium +
                      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                      " --disable-background-networking --disable-component-update --disable-sync"
                      " --user-data-dir=" + shell_quoted(profile.string()) + " --screenshot=" + shell_quoted(png.string()) +
                      " --window-size=" + std::to_string(width) + "," + std::to_string(height) + " " +
                      shell_quoted("file://" + std::filesystem::absolute(html).string());
    auto r = run_command(cmd);
    ASSERT_TRUE(std::filesystem::exists(png)) << "exit " << r.status << "\n" << r.output;
    std::string img = read_file(png);
    ASSERT_GT(img.size(), 20000u) << "a nearly empty screenshot";
    ASSERT_EQ(img.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(be32(img, 16), width);   // IHDR width
    EXPECT_EQ(be32(img, 20), height);  // IHDR height
}

}  // namespace rig::reports::testing
