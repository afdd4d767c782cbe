// The HTML report rendered by an independent browser: headless Chromium takes a screenshot
// of report.html (a non-trivial PNG of the requested size), and the page references nothing
// outside itself.
#include <gtest/gtest.h>

#include <regex>

#include "reports/durable.hpp"
#include "reports/html.hpp"
#include "run_command.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

std::uint32_t be32(const std::string& s, std::size_t at) {
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

TEST(Browser, html_report_renders_in_headless_chromium_and_fetches_nothing) {
    const std::string chromium = "/usr/bin/chromium";
    if (!std::filesystem::exists(chromium)) GTEST_SKIP() << "chromium is not installed (Debian package chromium)";
    auto dir = fresh_dir("chromium");
    std::string html = html_report(sample_record());
    ASSERT_TRUE(write_file_atomic(dir / "report.html", html));

    // Static checks: the plots are there, and no src/href/@import/url() points anywhere.
    EXPECT_NE(html.find("<svg "), std::string::npos);
    EXPECT_NE(html.find("<polyline "), std::string::npos);
    EXPECT_NE(html.find("<circle class=\"marker\""), std::string::npos);
    EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(https?://)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(@import|url\s*\()", std::regex::icase)));

    auto png = dir / "report.png";
    auto profile = dir / "profile";
    std::filesystem::create_directories(profile);
    std::string cmd = "HOME=" + shell_quoted(dir.string()) + " timeout 110 " + chromium +
                      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                      " --disable-background-networking --disable-component-update --disable-sync"
                      " --user-data-dir=" + shell_quoted(profile.string()) + " --screenshot=" + shell_quoted(png.string()) +
                      " --window-size=1200,2000 " + shell_quoted("file://" + (dir / "report.html").string());
    auto r = run_command(cmd);
    ASSERT_TRUE(std::filesystem::exists(png)) << "exit " << r.status << "\n" << r.output;
    std::string img = read_file(png);
    ASSERT_GT(img.size(), 20000u) << "a nearly empty screenshot";
    ASSERT_EQ(img.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(be32(img, 16), 1200u);  // IHDR width
    EXPECT_EQ(be32(img, 20), 2000u);  // IHDR height
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
