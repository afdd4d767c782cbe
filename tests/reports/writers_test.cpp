// Reports made from a record: JUnit XML, CSV and the HTML page (structure; the independent
// consumers and the browser are in consumers_test.cpp).
#include <gtest/gtest.h>

#include <clocale>
#include <regex>

#include "reports/csv.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

std::size_t occurrences(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

TEST(JUnit, one_testcase_per_measurement_with_failure_error_and_skipped_told_apart) {
    RunRecord r = sample_record();
    std::string x = junit_xml(r);
    EXPECT_EQ(occurrences(x, "<testcase "), r.measurements.size());
    EXPECT_EQ(occurrences(x, "<failure "), count_of(r, Verdict::fail));
    EXPECT_EQ(occurrences(x, "<error "), count_of(r, Verdict::error));
    EXPECT_EQ(occurrences(x, "<skipped "), count_of(r, Verdict::skipped));
    EXPECT_NE(x.find("name=\"accuracy_3v3/cell_error.B7\" classname=\"eol\""), std::string::npos);
    EXPECT_NE(x.find("tests=\"" + std::to_string(r.measurements.size()) + "\" failures=\"1\" errors=\"1\" skipped=\"1\""),
              std::string::npos);
    // The failure says value, unit and limit.
    EXPECT_NE(x.find("1.310 W (W), limit &lt;= 1.000 W"), std::string::npos) << x.substr(x.find("<failure"), 300);
    EXPECT_NE(x.find("samples: 101</system-out>"), std::string::npos);
    EXPECT_NE(x.find("name=\"serial\" value=\"JK24-000123\""), std::string::npos);
    // Text that needs escaping is escaped.
    EXPECT_NE(x.find("Ana &quot;QA&quot; &lt;night shift&gt;"), std::string::npos);
    EXPECT_EQ(x.find("<night"), std::string::npos);
}

TEST(Csv, rfc4180_quoting_and_locale_independent_numbers) {
    const char* old = std::setlocale(LC_ALL, nullptr);
    std::string saved = old ? old : "C";
    // A locale with a decimal comma, where installed; to_chars ignores it either way.
    std::setlocale(LC_ALL, "de_DE.UTF-8");
    RunRecord r = sample_record();
    std::string csv = measurements_csv(r);
    std::setlocale(LC_ALL, saved.c_str());
    EXPECT_EQ(csv.substr(0, csv.find("\r\n")), kCsvColumns);
    EXPECT_EQ(occurrences(csv, "\r\n"), r.measurements.size() + 1);  // header + rows; the quoted break is a bare LF
    EXPECT_NE(csv.find(",shutdown,shutdown_V,2.19,V,2,2.4,,0,simple,PASS,inside,"), std::string::npos);
    // Quoted: commas, doubled quotes, and the line break inside the SKIPPED message.
    EXPECT_NE(csv.find("\"timeout: meter scpi-tcp://127.0.0.1:5025 READ?: no reply within 1000 ms, \"\"quoted\"\", comma\""),
              std::string::npos);
    EXPECT_NE(csv.find("\"single-DUT fixture:\nno second unit\""), std::string::npos);
    // No value: empty field; 0.00042 V written in SI with '.', no thousands separators.
    EXPECT_NE(csv.find(",supply,supply_power_20V,,W,,1,"), std::string::npos);
    EXPECT_EQ(csv.find("0,0004"), std::string::npos);
}

TEST(Html, self_contained_page_with_serial_verdict_tables_and_three_plots) {
    RunRecord r = sample_record();
    std::string h = html_report(r);
    EXPECT_NE(h.find("id=\"serial\">JK24-000123<"), std::string::npos);
    EXPECT_NE(h.find("id=\"verdict\">ERROR<"), std::string::npos);
    EXPECT_EQ(occurrences(h, "<svg "), 3u);
    EXPECT_NE(h.find("DUT cell voltage error per channel"), std::string::npos);
    EXPECT_NE(h.find("Balancing current against time"), std::string::npos);
    EXPECT_NE(h.find("Cell 1 voltage against time"), std::string::npos);
    EXPECT_NE(h.find("shutdown 2.190 V"), std::string::npos);
    EXPECT_NE(h.find("power-up 2.430 V"), std::string::npos);
    EXPECT_NE(h.find("class=\"band\""), std::string::npos);  // the ±3 mV band
    EXPECT_NE(h.find("id=\"instruments\""), std::string::npos);
    EXPECT_NE(h.find("SN-CE-001"), std::string::npos);
    EXPECT_EQ(occurrences(h, "<tr class=\"row-"), r.measurements.size());
    EXPECT_NE(h.find("<tr class=\"row-fail\">"), std::string::npos);
    EXPECT_NE(h.find("<tr class=\"row-error\">"), std::string::npos);
    // Nothing fetched from elsewhere.
    EXPECT_EQ(h.find("http://"), std::string::npos);
    EXPECT_EQ(h.find("https://"), std::string::npos);
    EXPECT_EQ(h.find("<script"), std::string::npos);
    EXPECT_EQ(h.find("@import"), std::string::npos);
    EXPECT_EQ(h.find("url("), std::string::npos);
    EXPECT_EQ(h.find("<link"), std::string::npos);
    EXPECT_EQ(h.find("<img"), std::string::npos);
}

TEST(Html, aborted_run_without_plotted_measurements_says_so) {
    RunRecord r = sample_record();
    r.measurements.resize(0);
    r.measurements.push_back(sample_record().measurements[51]);
    r.state = RunState::aborted;
    r.reason = std::string(kStoppedReason);
    std::string h = html_report(r);
    EXPECT_EQ(occurrences(h, "<svg "), 0u);
    EXPECT_NE(h.find("no plotted measurements"), std::string::npos);
    EXPECT_NE(h.find("Run aborted: rig stopped before the run ended"), std::string::npos);
}

}  // namespace
}  // namespace rig::reports
