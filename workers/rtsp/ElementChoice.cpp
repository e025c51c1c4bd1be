#include "ElementChoice.h"

#include "ElementRegistry.h"
#include "RtspOptions.h"

#include <gst/gst.h>

namespace zerotee {

bool ElementChoice::pick(const RtspOptions &options, ElementChoice *choice, QString *error)
{
    ElementChoice c;
    if (options.encoded) {
        *choice = c;
        return true;
    }
    c.encoder =
        options.encoder.isEmpty()
            ? ElementRegistry::first({kEncoders[0], kEncoders[1], kEncoders[2], kEncoders[3]})
            : options.encoder;
    c.scaler = options.scaler.isEmpty()
                   ? ElementRegistry::first({kScalers[0], kScalers[1], kScalers[2]})
                   : options.scaler;
    if (c.scaler.isEmpty() && ElementRegistry::has(QStringLiteral("videoscale")))
        c.scaler = QStringLiteral("videoscale"); // GStreamer < 1.22 has no videoconvertscale
    for (const QString &name : {c.encoder, c.scaler}) {
        if (name.isEmpty()) {
            *error = QStringLiteral("no H.264 encoder or video scaler in the GStreamer registry");
            return false;
        }
        if (!ElementRegistry::has(name)) {
            *error = QStringLiteral("element '%1' is not in the GStreamer registry").arg(name);
            return false;
        }
    }
    c.softwareScaler =
        c.scaler == QLatin1String("videoconvertscale") || c.scaler == QLatin1String("videoscale");
    *choice = c;
    return true;
}

} // namespace zerotee
