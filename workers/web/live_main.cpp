// zerotee-live: one browser viewer's live view. Reads an encoded stream's bus (the stream's
// access units; a joining viewer gets the cached GOP first, so it starts on a keyframe at once)
// and writes fragmented MP4, one fragment per frame, to stdout for Media Source Extensions.
// No encoder: the stream's own encoder serves every viewer (docs/web.md).
//
//   zerotee-live --socket /run/zerotee/cam0.main.sock [--name web-live-3]
#include "MediaProgram.h"

int main(int argc, char **argv)
{
    zerotee::MediaProgram program("zerotee-live",
                                  "Writes a stream's access units as fragmented MP4 to stdout.");
    program.addSocketOption();
    program.addNameOption("web-live");
    if (int code = program.parse(argc, argv); code >= 0)
        return code;
    // mp4mux emits a fragment per frame (fragment-duration of 1 ms): the browser can show a
    // frame as soon as it arrives. B-frames are off on every stream, so PTS order is decode
    // order. H.264 only: the table's other codecs are refused by the supervisor for browsers.
    return program.run("zeroteesrc name=src ! h264parse ! "
                       "video/x-h264,stream-format=avc,alignment=au ! "
                       "mp4mux fragment-duration=1 streamable=true ! fdsink fd=1 sync=false");
}
