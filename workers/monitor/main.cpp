// zerotee-monitor: connect to a zerotee bus and print what flows, once a second.
//
//   zerotee-monitor --socket /tmp/cam.sock [--seconds 10] [--policy all|latest|fps:N]
//                   [--quota N] [--name NAME] [--json]
#include "BusMonitor.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <string>

namespace {

void usage(FILE *out)
{
    std::fprintf(out,
                 "usage: zerotee-monitor --socket PATH [--seconds S] [--policy all|latest|fps:N]\n"
                 "                       [--quota N] [--name NAME] [--json]\n");
}

bool parsePolicy(const std::string &text, zerotee::FrameSubscriber::Options &options)
{
    // "fps:N" names the cap with the policy; "all" and "latest" are spelled as everywhere.
    if (text.rfind("fps:", 0) == 0) {
        char *end = nullptr;
        options.fpsCap = std::strtod(text.c_str() + 4, &end);
        if (*end != '\0' || options.fpsCap <= 0)
            return false;
        options.policy = zerotee::wire::DeliveryPolicy::FpsCap;
        return true;
    }
    return text != "fps-cap" && zerotee::wire::policyFromName(text, &options.policy);
}

} // namespace

int main(int argc, char **argv)
{
    zerotee::BusMonitor::Options options;
    options.subscriber.name = "monitor";
    static const option longOptions[] = {
        {"socket", required_argument, nullptr, 's'}, {"seconds", required_argument, nullptr, 't'},
        {"policy", required_argument, nullptr, 'p'}, {"quota", required_argument, nullptr, 'q'},
        {"name", required_argument, nullptr, 'n'},   {"json", no_argument, nullptr, 'j'},
        {"help", no_argument, nullptr, 'h'},         {nullptr, 0, nullptr, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", longOptions, nullptr)) != -1) {
        char *end = nullptr;
        switch (opt) {
        case 's':
            options.socketPath = optarg;
            break;
        case 't':
            options.seconds = std::strtod(optarg, &end);
            if (*end != '\0' || options.seconds < 0) {
                std::fprintf(stderr, "zerotee-monitor: --seconds: '%s' is not a duration\n",
                             optarg);
                return 2;
            }
            break;
        case 'p':
            if (!parsePolicy(optarg, options.subscriber)) {
                std::fprintf(stderr,
                             "zerotee-monitor: --policy: '%s' is not all, latest or fps:N\n",
                             optarg);
                return 2;
            }
            break;
        case 'q':
            options.subscriber.quota = uint32_t(std::strtoul(optarg, &end, 10));
            if (*end != '\0') {
                std::fprintf(stderr, "zerotee-monitor: --quota: '%s' is not a number\n", optarg);
                return 2;
            }
            break;
        case 'n':
            options.subscriber.name = optarg;
            break;
        case 'j':
            options.json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (options.socketPath.empty() || optind != argc) {
        usage(stderr);
        return 2;
    }
    std::signal(SIGINT, [](int) { zerotee::BusMonitor::stop(); });
    std::signal(SIGTERM, [](int) { zerotee::BusMonitor::stop(); });
    std::signal(SIGPIPE, SIG_IGN);
    return zerotee::BusMonitor(options).run();
}
