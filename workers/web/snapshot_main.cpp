// zerotee-snapshot: a JPEG of the next frame on a camera's raw bus, written to stdout. A
// short-lived process per request: no encoder kept running, and a bad frame or a crash here
// cannot touch the capture (docs/web.md).
//
//   zerotee-snapshot --socket /run/zerotee/cam0.sock [--width 1280]
#include "MediaProgram.h"

int main(int argc, char **argv)
{
    zerotee::MediaProgram program("zerotee-snapshot",
                                  "Writes a JPEG of the next frame on a raw bus to stdout.");
    program.addSocketOption();
    program.addNameOption("web-snapshot");
    if (int code = program.parse(argc, argv); code >= 0)
        return code;
    // One frame (num-buffers) with a quota of one; the copy into the JPEG encoder's input is
    // the one conversion a snapshot needs.
    return program.run("zeroteesrc name=src num-buffers=1 quota=1 ! videoconvert ! "
                       "jpegenc quality=85 ! fdsink fd=1 sync=false");
}
