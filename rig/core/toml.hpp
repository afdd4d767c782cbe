// toml++ compiled once (toml.cpp), not as a header-only library in every file: the few .cpp
// files that need the tree include this instead of <toml++/toml.h>.
#pragma once
#ifndef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 0
#endif
#define TOML_ENABLE_FORMATTERS 1
#include <toml++/toml.h>
