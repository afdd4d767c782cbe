#define TOML_IMPLEMENTATION
#include "rig/core/toml.hpp"
