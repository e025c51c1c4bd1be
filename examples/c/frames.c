/* frames: prints the frame rate and the mean luma of a zerotee bus once a second.
 *
 *     cc frames.c $(pkg-config --cflags --libs zerotee-client) -o frames
 *     ./frames /run/user/1000/zerotee/cam0.sock [seconds] [policy] [max_fps]
 *     ./frames --camera cam0 [seconds]
 *
 * The luma is read in place from the producer's buffer (no copy); every frame is given back
 * before the next is asked for. Survives a producer restart (the library reconnects).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <zerotee/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mean_luma(const zt_frame *frame)
{
    const zt_plane *y = &frame->planes[0];
    uint64_t sum = 0;
    for (uint32_t row = 0; row < frame->height; ++row) {
        const uint8_t *line = y->data + (size_t)row * y->stride;
        for (uint32_t x = 0; x < frame->width; ++x)
            sum += line[x];
    }
    return (double)sum / ((double)frame->width * frame->height);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET|--camera NAME [seconds] [all|latest|fps-cap] [max_fps]\n",
                argv[0]);
        return 2;
    }
    char path[4096];
    int arg = 1;
    if (strcmp(argv[1], "--camera") == 0 && argc >= 3) {
        if (zt_find_bus(argv[2], NULL, path, sizeof(path)) != ZT_OK) {
            fprintf(stderr, "frames: %s\n", zt_last_error());
            return 1;
        }
        arg = 3;
    } else {
        snprintf(path, sizeof(path), "%s", argv[1]);
        arg = 2;
    }
    const double seconds = argc > arg ? atof(argv[arg]) : 5.0;
    zt_options options;
    zt_options_init(&options);
    options.name = "frames-c";
    if (argc > arg + 1 && zt_policy_from_name(argv[arg + 1], &options.policy) != ZT_OK) {
        fprintf(stderr, "frames: %s\n", zt_last_error());
        return 2;
    }
    options.max_fps = argc > arg + 2 ? atof(argv[arg + 2]) : 0;

    zt_subscriber *sub;
    if (zt_subscriber_open(path, &options, &sub) != ZT_OK) {
        fprintf(stderr, "frames: %s\n", zt_last_error());
        return 1;
    }
    const double start = now_seconds();
    double interval_start = start, luma_sum = 0;
    unsigned frames = 0, total = 0;
    while (now_seconds() - start < seconds) {
        zt_frame frame;
        int ret = zt_subscriber_next(sub, 500, &frame);
        if (ret == ZT_OK) {
            if (frame.plane_count > 0)
                luma_sum += mean_luma(&frame);
            frames++;
            total++;
            zt_frame_release(sub, &frame);
        } else if (ret != ZT_ERROR_TIMEOUT) {
            fprintf(stderr, "frames: %s\n", zt_last_error());
            break;
        }
        const double now = now_seconds();
        if (now - interval_start >= 1.0) {
            printf("%.2f fps  mean luma %.1f\n", frames / (now - interval_start),
                   frames ? luma_sum / frames : 0.0);
            fflush(stdout);
            interval_start = now;
            frames = 0;
            luma_sum = 0;
        }
    }
    zt_subscriber_info info;
    zt_subscriber_get_info(sub, &info);
    printf("total %u frames, %llu reconnects\n", total, (unsigned long long)info.reconnects);
    zt_subscriber_close(sub);
    return total > 0 ? 0 : 1;
}
