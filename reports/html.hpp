// The HTML report a person reads: one self-contained page per run (inline CSS and inline
// SVG, no scripts, no fonts, no external requests), with the unit's serial and verdict in
// large type, run information, instruments, plots and every measurement coloured by
// verdict. Plots pick measurements by name (docs/reports.md, "Plots"):
//   cell_error.B<n>                          DUT cell error per channel against its band
//   balance_current*  (samples)              balancing current against time
//   cell1_voltage*, shutdown_V, power_on_V   cell 1 voltage against time, with the
//                      (samples)             shutdown and power-up points marked
#pragma once

#include <string>
#include <string_view>

#include "reports/record.hpp"

namespace rig::reports {

std::string html_report(const RunRecord& record);

// The page frame every HTML view shares (report, stats): doctype, inline CSS, title.
std::string html_page(std::string_view title, std::string_view body);

// Shared by the report and the stats page: "PASS" -> <span class="v pass">PASS</span>.
std::string html_verdict(Verdict v);

}  // namespace rig::reports
