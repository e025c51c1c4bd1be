#include "ElementRegistry.h"

#include <gst/gst.h>

namespace zerotee {

bool ElementRegistry::has(const QString &name)
{
    g_autoptr(GstElementFactory) factory = gst_element_factory_find(name.toUtf8().constData());
    return factory != nullptr;
}

QString ElementRegistry::first(std::initializer_list<const char *> names)
{
    for (const char *name : names)
        if (has(QString::fromLatin1(name)))
            return QString::fromLatin1(name);
    return {};
}

QString ElementRegistry::firstEncoder(const VideoCodec &codec)
{
    for (const char *name : codec.encoders)
        if (name && has(QString::fromLatin1(name)))
            return QString::fromLatin1(name);
    return {};
}

} // namespace zerotee
