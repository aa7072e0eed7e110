// Splits a test source into parts compiled as separate programs (each translation unit stays
// under the 20 s compile budget): tests/CMakeLists.txt builds it once per part with
// -DNAIS_TEST_PART=k, and a test case guarded by #if NAIS_IN_PART(k) belongs to part k.
#pragma once
#ifndef NAIS_TEST_PART
#define NAIS_TEST_PART 0
#endif
#define NAIS_IN_PART(k) (NAIS_TEST_PART == 0 || NAIS_TEST_PART == (k))
