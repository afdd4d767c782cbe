// The record as JSON (record.json): the durable form of a RunRecord, documented in
// docs/record-schema.md and reports/record.schema.json. Values are SI base units with the
// unit symbol beside them; times are ISO 8601 UTC with milliseconds; a NaN value and an
// open limit side are null. Reading goes back to a RunRecord, so reports can be made
// again from a stored record and two records compared.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reports/record.hpp"
#include "reports/writer.hpp"

namespace rig::reports {

inline constexpr int kRecordSchemaVersion = 1;
// A run directory holds the record and, while the run goes, the journal of measurements
// added since record.json was last rewritten (see run_dir_sink.hpp).
inline constexpr std::string_view kRecordFileName = "record.json";
inline constexpr std::string_view kJournalFileName = "record.journal";

nlohmann::json measurement_to_json(const Measurement& m);
// `writer` (optional) says which process writes a record that is still running.
nlohmann::json record_to_json(const RunRecord& r, const WriterInfo* writer = nullptr);
std::string record_to_string(const RunRecord& r, const WriterInfo* writer = nullptr);

// `where` names the source in errors ("runs/X/record.json: measurements[3].unit: ...").
Result<Measurement> measurement_from_json(const nlohmann::json& j, std::string_view where);
Result<RunRecord> record_from_json(const nlohmann::json& j, std::string_view where,
                                   std::optional<WriterInfo>* writer = nullptr);
Result<RunRecord> parse_record(std::string_view text, std::string_view where);

// Loads a record.json, or a run directory (its record.json plus the measurement journal
// of a run that did not end). A "running" record whose writer is gone comes back aborted
// with verdict ERROR and reason kStoppedReason.
Result<RunRecord> load_record(const std::filesystem::path& file_or_dir);

// "2026-11-25T12:00:00.123Z" (also without fraction, or a bare date "2026-11-25").
Result<TimePoint> parse_iso8601(std::string_view text);
std::optional<Unit> unit_from_symbol(std::string_view symbol);

}  // namespace rig::reports
