// reports/: everything downstream of the sequencer's RecordSink. The run record
// (record.hpp) is the product; everything here writes it durably or is a view of it.
//
//   sequencer --RecordSink--> FanOutSink --> RunDirSink   runs/<id>/record.json (+ journal),
//                                        |                 junit.xml, report.html, measurements.csv
//                                        +-> StoreSink    SQLite results store (store.hpp)
//
//   record_json.hpp  record <-> JSON (schema: reports/record.schema.json), load_record()
//   junit.hpp, html.hpp, csv.hpp   reports made from a RunRecord
//   stats.hpp        QA statistics over a plan's runs (Cpk, yield, first-pass yield)
//   compare.hpp      baseline comparison for firmware validation
//   hash.hpp         SHA-256 of fixture and plan files for the record
#pragma once

#include "reports/compare.hpp"
#include "reports/csv.hpp"
#include "reports/fanout_sink.hpp"
#include "reports/hash.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/record.hpp"
#include "reports/record_json.hpp"
#include "reports/run_dir_sink.hpp"
#include "reports/stats.hpp"
#include "reports/store.hpp"
#include "reports/store_sink.hpp"
