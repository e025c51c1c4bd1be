// A stand-in for a zerotee worker, driven by flags, for the supervisor tests.
//
//   --report-every MS   print {"type":"stats","frames":N,"drops":0} on stdout and a log line on
//                       stderr every MS milliseconds
//   --crash-after MS    exit after MS milliseconds with --exit-code N (default 1)
//   --signal-after MS   raise SIGNAL (--signal, default SIGSEGV) after MS milliseconds
//   --ignore-sigint     ignore SIGINT (tests the escalation to SIGTERM)
//   --ignore-sigterm    ignore SIGTERM (with --ignore-sigint: tests SIGKILL)
//   --garbage           print malformed report lines, then a valid one
//   --long-line BYTES   print one stdout line of that many bytes
//   --check-fds         print {"type":"fds","fds":[...]} with the fds open beyond stdio
//   --stderr TEXT       print TEXT on stderr at start
//   --quiet-start       print nothing until the first report (default prints a hello report)
//
// SIGINT (unless ignored) exits 0 after printing "got SIGINT" on stderr, as a worker that
// finalizes its files on EOS would. SIGTERM keeps its default action (killed by signal 15).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <time.h>
#include <unistd.h>

namespace {

volatile sig_atomic_t gotSigint = 0;

void onSigint(int)
{
    gotSigint = 1;
}

long long nowMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void printFds()
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) {
        std::printf("{\"type\":\"fds\",\"error\":\"%s\"}\n", std::strerror(errno));
        return;
    }
    std::string list;
    while (dirent *entry = readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        const int fd = std::atoi(entry->d_name);
        if (fd <= 2 || fd == dirfd(dir))
            continue;
        char target[256] = {};
        const std::string link = std::string("/proc/self/fd/") + entry->d_name;
        const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
        if (n > 0)
            target[n] = '\0';
        if (!list.empty())
            list += ',';
        list += "{\"fd\":" + std::to_string(fd) + ",\"target\":\"" + target + "\"}";
    }
    closedir(dir);
    std::printf("{\"type\":\"fds\",\"fds\":[%s]}\n", list.c_str());
}

} // namespace

int main(int argc, char **argv)
{
    long long reportEvery = 0, crashAfter = -1, signalAfter = -1, longLine = 0;
    int exitCode = 1, signalNumber = SIGSEGV;
    bool ignoreSigint = false, ignoreSigterm = false, garbage = false, checkFds = false;
    bool quietStart = false;
    const char *stderrText = nullptr;

    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "stub-worker: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--report-every")
            reportEvery = std::atoll(next());
        else if (arg == "--crash-after")
            crashAfter = std::atoll(next());
        else if (arg == "--exit-code")
            exitCode = std::atoi(next());
        else if (arg == "--signal-after")
            signalAfter = std::atoll(next());
        else if (arg == "--signal")
            signalNumber = std::atoi(next());
        else if (arg == "--ignore-sigint")
            ignoreSigint = true;
        else if (arg == "--ignore-sigterm")
            ignoreSigterm = true;
        else if (arg == "--garbage")
            garbage = true;
        else if (arg == "--long-line")
            longLine = std::atoll(next());
        else if (arg == "--check-fds")
            checkFds = true;
        else if (arg == "--stderr")
            stderrText = next();
        else if (arg == "--quiet-start")
            quietStart = true;
        else {
            std::fprintf(stderr, "stub-worker: unknown flag %s\n", arg.c_str());
            return 2;
        }
    }

    std::signal(SIGINT, ignoreSigint ? SIG_IGN : onSigint);
    if (ignoreSigterm)
        std::signal(SIGTERM, SIG_IGN);
    setvbuf(stdout, nullptr, _IOLBF, 0);
    setvbuf(stderr, nullptr, _IOLBF, 0);

    if (checkFds)
        printFds();
    if (stderrText)
        std::fprintf(stderr, "%s\n", stderrText);
    if (garbage) {
        std::printf("this is not json\n{\"type\":\"stats\",\"frames\":\n[1,2,3]\n\n");
        std::printf("{\"type\":\"stats\",\"frames\":7,\"drops\":1}\n");
    }
    if (longLine > 0) {
        std::string line(size_t(longLine), 'x');
        std::printf("%s\n{\"type\":\"stats\",\"after_long\":true}\n", line.c_str());
    }
    if (!quietStart)
        std::printf("{\"type\":\"event\",\"event\":\"hello\",\"pid\":%d}\n", int(getpid()));

    const long long start = nowMs();
    long long nextReport = reportEvery > 0 ? start + reportEvery : -1;
    long long frames = 0;
    for (;;) {
        if (gotSigint) {
            std::fprintf(stderr, "got SIGINT\n");
            return 0;
        }
        const long long now = nowMs();
        if (crashAfter >= 0 && now - start >= crashAfter) {
            std::fprintf(stderr, "crashing with exit code %d\n", exitCode);
            return exitCode;
        }
        if (signalAfter >= 0 && now - start >= signalAfter) {
            std::signal(signalNumber, SIG_DFL);
            raise(signalNumber);
        }
        if (nextReport >= 0 && now >= nextReport) {
            ++frames;
            std::printf("{\"type\":\"stats\",\"frames\":%lld,\"drops\":0,\"rtsp_clients\":2}\n",
                        frames);
            std::fprintf(stderr, "delivered frame %lld\n", frames);
            nextReport += reportEvery;
        }
        usleep(5000);
    }
}
