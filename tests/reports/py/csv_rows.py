#!/usr/bin/python3
"""Reads measurements.csv with Python's csv module (RFC 4180) and prints, per data row,
step, name, value and verdict separated by tabs; the value as repr(float(...)) (shortest
round trip), or empty when the field is empty. Exit 1 when the header is not the documented
one or a row has the wrong number of fields.

usage: csv_rows.py FILE
"""
import csv
import sys

COLUMNS = ("run_id,serial,step,name,value,unit,low,high,nominal,uncertainty,rule,verdict,zone,"
           "message,started,ended,samples").split(",")

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
if not rows or rows[0] != COLUMNS:
    print(f"unexpected header: {rows[0] if rows else None}")
    sys.exit(1)
for n, row in enumerate(rows[1:], start=2):
    if len(row) != len(COLUMNS):
        print(f"line {n}: {len(row)} fields, expected {len(COLUMNS)}")
        sys.exit(1)
    r = dict(zip(COLUMNS, row))
    value = repr(float(r["value"])) if r["value"] != "" else ""
    print(f"{r['step']}\t{r['name']}\t{value}\t{r['verdict']}")
