#include "ElementChoice.h"

#include "RtspOptions.h"

#include <gst/gst.h>

namespace zerotee {

namespace {

bool registryHas(const QString &factory)
{
    GstElementFactory *found = gst_element_factory_find(factory.toUtf8().constData());
    if (!found)
        return false;
    gst_object_unref(found);
    return true;
}

QString firstAvailable(const auto &names)
{
    for (const char *name : names)
        if (registryHas(QString::fromLatin1(name)))
            return QString::fromLatin1(name);
    return {};
}

} // namespace

bool ElementChoice::pick(const RtspOptions &options, ElementChoice *choice, QString *error)
{
    ElementChoice c;
    if (options.encoded) {
        *choice = c;
        return true;
    }
    c.encoder = options.encoder.isEmpty() ? firstAvailable(kEncoders) : options.encoder;
    c.scaler = options.scaler.isEmpty() ? firstAvailable(kScalers) : options.scaler;
    if (c.scaler.isEmpty() && registryHas(QStringLiteral("videoscale")))
        c.scaler = QStringLiteral("videoscale"); // GStreamer < 1.22 has no videoconvertscale
    for (const QString &name : {c.encoder, c.scaler}) {
        if (name.isEmpty()) {
            *error = QStringLiteral("no H.264 encoder or video scaler in the GStreamer registry");
            return false;
        }
        if (!registryHas(name)) {
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
