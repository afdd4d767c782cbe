// JUnit XML of a run record, for CI dashboards and any JUnit consumer: one <testsuite> per
// run (named by run id, with the unit's serial, plan and verdict as properties), one
// <testcase> per measurement named "step/name" with the plan name as classname. FAIL is a
// <failure>, ERROR an <error> (the rig could not judge), SKIPPED a <skipped/>; the message
// carries value, unit and limits, and <system-out> the number of raw samples.
#pragma once

#include <string>

#include "reports/record.hpp"

namespace rig::reports {

std::string junit_xml(const RunRecord& record);

}  // namespace rig::reports
