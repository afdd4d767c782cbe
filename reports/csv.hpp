// The measurements of a run as CSV (RFC 4180: comma separated, CRLF line ends, fields with
// comma, quote or line break quoted, quotes doubled), one row per measurement, numbers in
// SI base units written with '.' whatever the locale. Empty field = no value / open limit.
#pragma once

#include <string>

#include "reports/record.hpp"

namespace rig::reports {

std::string measurements_csv(const RunRecord& record);
// The header row's field names, in order (documented in docs/reports.md).
inline constexpr const char* kCsvColumns =
    "run_id,serial,step,name,value,unit,low,high,nominal,uncertainty,rule,verdict,zone,message,started,ended,samples";

// A locale-independent, shortest round-trip text of v ("" for NaN/inf).
std::string number_text(double v);

}  // namespace rig::reports
