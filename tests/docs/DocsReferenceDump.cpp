// Prints the sets the user documentation must match, taken from the code itself: the
// configuration keys the loader accepts, the control verbs, the worker option keys and the
// zerotee elements' own properties. check_docs.py compares them with docs/*.md.
//
// Output, one item a line: "config KEY", "verb VERB", "option KIND KEY", "property ELEMENT NAME".
#include "ControlService.h"
#include "SupervisorConfig.h"
#include "WorkerCommandBuilder.h"
#include "WorkerSpec.h"

#include <QRegularExpression>
#include <cstdio>
#include <gst/gst.h>

using namespace zerotee;

namespace {

void line(const QString &text)
{
    std::printf("%s\n", qPrintable(text));
}

// The builder names the keys it accepts when it refuses one; that list is the source of truth
// (the supervisor refuses unknown option keys before starting anything).
bool printOptionKeys(WorkerKind kind)
{
    const QString probe = QStringLiteral("zz_not_an_option");
    WorkerCommandBuilder builder(QStringLiteral("/nonexistent/cam0.sock"));
    const WorkerCommandBuilder::Command command =
        builder.build(kind, QVariantMap{{probe, QStringLiteral("1")}});
    static const QRegularExpression known(QStringLiteral("\\(known: ([^)]*)\\)"));
    const QRegularExpressionMatch m = known.match(command.error);
    if (!command.error.contains(probe) || !m.hasMatch()) {
        std::fprintf(stderr, "cannot read the option keys of a %s worker from: '%s'\n",
                     qPrintable(workerKindName(kind)), qPrintable(command.error));
        return false;
    }
    for (const QString &key : m.captured(1).split(QStringLiteral(", "), Qt::SkipEmptyParts))
        if (key != QStringLiteral("none"))
            line(QStringLiteral("option %1 %2").arg(workerKindName(kind), key));
    return true;
}

// Only the properties the element class itself installs, not those of GstBaseSink/GstBaseSrc.
bool printProperties(const char *factory)
{
    GstElement *element = gst_element_factory_make(factory, nullptr);
    if (!element) {
        std::fprintf(stderr, "no element '%s' (is GST_PLUGIN_PATH set to the build's gst/?)\n",
                     factory);
        return false;
    }
    guint count = 0;
    GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &count);
    for (guint i = 0; i < count; ++i)
        if (specs[i]->owner_type == G_OBJECT_TYPE(element))
            line(QStringLiteral("property %1 %2")
                     .arg(QString::fromLatin1(factory), QString::fromLatin1(specs[i]->name)));
    g_free(specs);
    gst_object_unref(element);
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    for (const QString &key : SupervisorConfig::knownKeys())
        line(QStringLiteral("config ") + key);
    for (const QString &verb : ControlService::verbs())
        line(QStringLiteral("verb ") + verb);
    bool ok = true;
    for (WorkerKind kind : {WorkerKind::Recorder, WorkerKind::Rtsp, WorkerKind::Ai,
                            WorkerKind::Custom, WorkerKind::Encoder})
        ok = printOptionKeys(kind) && ok;
    ok = printProperties("zeroteesink") && ok;
    ok = printProperties("zeroteesrc") && ok;
    return ok ? 0 : 1;
}
