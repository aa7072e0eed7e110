// nais version macros (mp-units / fmt style).
#pragma once

#define NAIS_VERSION_MAJOR 0
#define NAIS_VERSION_MINOR 1
#define NAIS_VERSION_PATCH 0
#define NAIS_VERSION (NAIS_VERSION_MAJOR * 10000 + NAIS_VERSION_MINOR * 100 + NAIS_VERSION_PATCH)
#define NAIS_VERSION_STRING "0.1.0"
