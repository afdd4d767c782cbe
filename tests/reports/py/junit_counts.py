#!/usr/bin/python3
"""Reads a JUnit XML file with junitparser and prints what it sees, counted two ways: from
the suite attributes and by walking the test cases' results.

usage: junit_counts.py FILE   prints "suites=N tests=N failures=N errors=N skipped=N" and
"cases=N failure=N error=N skipped=N classnames=a,b".
"""
import sys

from junitparser import Error, Failure, JUnitXml, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
tests = sum(s.tests for s in suites)
failures = sum(s.failures for s in suites)
errors = sum(s.errors for s in suites)
skipped = sum(s.skipped for s in suites)
print(f"suites={len(suites)} tests={tests} failures={failures} errors={errors} skipped={skipped}")
cases = failure = error = skip = 0
classnames = set()
for suite in suites:
    for case in suite:
        cases += 1
        classnames.add(case.classname)
        for result in case.result:
            if isinstance(result, Failure):
                failure += 1
            elif isinstance(result, Error):
                error += 1
            elif isinstance(result, Skipped):
                skip += 1
print(f"cases={cases} failure={failure} error={error} skipped={skip} classnames={','.join(sorted(classnames))}")
