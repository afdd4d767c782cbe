// The HTML report rendered by an independent browser: headless Chromium takes a screenshot
// of report.html (a non-trivial PNG of the requested size), and the page references nothing
// outside itself. (A real run's report.html gets the same in e2e_test.cpp.)
#include <gtest/gtest.h>

#include "consumers.hpp"
#include "reports/durable.hpp"
#include "reports/html.hpp"

namespace rig::reports {
namespace {

using namespace testing;

TEST(Browser, html_report_renders_in_headless_chromium_and_fetches_nothing) {
    if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << "chromium is not installed (Debian package chromium)";
    auto dir = fresh_dir("chromium");
    std::string html = html_report(sample_record());
    ASSERT_TRUE(write_file_atomic(dir / "report.html", html));

    // Static checks: the plots are there, and nothing points outside the page.
    EXPECT_NE(html.find("<svg "), std::string::npos);
    EXPECT_NE(html.find("<polyline "), std::string::npos);
    EXPECT_NE(html.find("<circle class=\"marker\""), std::string::npos);
    expect_self_contained_html(html);
    expect_chromium_renders(dir / "report.html", dir);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
