// The one unit-test binary: every *_test.cc beside the code links into it (doctest).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
