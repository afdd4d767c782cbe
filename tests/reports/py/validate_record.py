#!/usr/bin/python3
"""Validates record.json files against reports/record.schema.json (JSON Schema 2020-12).

usage: validate_record.py SCHEMA RECORD...   exit 0 when all are valid, 1 otherwise.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    record = json.load(open(path, encoding="utf-8"))
    for error in validator.iter_errors(record):
        bad += 1
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: {where}: {error.message}")
print("valid" if bad == 0 else f"{bad} errors")
sys.exit(1 if bad else 0)
