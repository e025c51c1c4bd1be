// The main of every transport test: `--child ROLE args...` runs a child role of that test
// (see ChildProcess), anything else runs the GoogleTest suite.
#include "TestSupport.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>

int runChildRole(const std::string &role, int argc, char **argv);

int main(int argc, char **argv)
{
    zerotee::test::selfPath = "/proc/self/exe";
    char resolved[4096];
    ssize_t n = readlink("/proc/self/exe", resolved, sizeof(resolved) - 1);
    if (n > 0) {
        resolved[n] = '\0';
        zerotee::test::selfPath = resolved;
    }
    if (argc >= 3 && std::strcmp(argv[1], "--child") == 0)
        return runChildRole(argv[2], argc - 3, argv + 3);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
