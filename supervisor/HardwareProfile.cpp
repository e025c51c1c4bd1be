#include "HardwareProfile.h"
#include "FrameSize.h"
#include "Toml.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <gst/gst.h>
#include <sstream>

namespace zerotee {

namespace {

const QStringList kRoles = {QStringLiteral("converter"), QStringLiteral("encoder"),
                            QStringLiteral("scaler")};
// Camera keys a profile may default; the configuration loader checks their values after merging.
const QStringList kCameraKeys = {QStringLiteral("source"),
                                 QStringLiteral("format"),
                                 QStringLiteral("size"),
                                 QStringLiteral("fps"),
                                 QStringLiteral("pool_size"),
                                 QStringLiteral("quota"),
                                 QStringLiteral("lease_timeout_ms")};

QString qs(std::string_view s)
{
    return Toml::string(s);
}

std::string utf8(const QString &s)
{
    return s.toStdString();
}

/// "a, b, c" of the keys of @p table that are not in @p known.
QStringList unknownKeys(const toml::table &table, const QStringList &known)
{
    QStringList unknown;
    for (const auto &[key, node] : table)
        if (!known.contains(qs(key.str())))
            unknown << qs(key.str());
    return unknown;
}

/// A string or an array of strings as a list; false when it is anything else or empty.
bool stringList(const toml::node &node, QStringList *out)
{
    out->clear();
    if (auto v = node.value<std::string>()) {
        *out << QString::fromStdString(*v);
        return !out->first().trimmed().isEmpty();
    }
    const toml::array *array = node.as_array();
    if (!array || array->empty())
        return false;
    for (const toml::node &item : *array) {
        auto v = item.value<std::string>();
        if (!v || v->empty())
            return false;
        *out << QString::fromStdString(*v);
    }
    return true;
}

/// Every element a gst-launch fragment names ("videoconvert ! videoscale" → both).
QStringList elementsOf(const QString &fragment)
{
    QStringList names;
    for (const QString &part : fragment.split(u'!')) {
        const QString name = part.trimmed().section(u' ', 0, 0);
        if (!name.isEmpty())
            names << name;
    }
    return names;
}

bool anyContains(const QStringList &names, const QStringList &needles, QString *hit)
{
    for (const QString &name : names)
        for (const QString &needle : needles)
            if (name.contains(needle, Qt::CaseInsensitive)) {
                *hit = name;
                return true;
            }
    return false;
}

} // namespace

QStringList DetectionInputs::registryElements()
{
    if (!gst_is_initialized())
        gst_init(nullptr, nullptr);
    QStringList names;
    GList *features = gst_registry_get_feature_list(gst_registry_get(), GST_TYPE_ELEMENT_FACTORY);
    for (GList *l = features; l; l = l->next)
        names << QString::fromUtf8(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(l->data)));
    gst_plugin_feature_list_free(features);
    names.sort();
    return names;
}

DetectionInputs DetectionInputs::fromSystem()
{
    DetectionInputs inputs;
    inputs.elements = registryElements();
    const QDir dev(QStringLiteral("/dev"));
    for (const QString &node : dev.entryList(
             {QStringLiteral("video*"), QStringLiteral("mxc_hantro*"), QStringLiteral("galcore")},
             QDir::System | QDir::Files | QDir::NoDotAndDotDot, QDir::Name))
        inputs.devices << dev.filePath(node);
    const QDir heaps(QStringLiteral("/dev/dma_heap"));
    for (const QString &heap :
         heaps.entryList(QDir::System | QDir::Files | QDir::NoDotAndDotDot, QDir::Name))
        inputs.devices << heaps.filePath(heap);
    const QDir v4l(QStringLiteral("/sys/class/video4linux"));
    for (const QString &entry : v4l.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QFile name(v4l.filePath(entry + QStringLiteral("/name")));
        if (name.open(QIODevice::ReadOnly))
            inputs.videoDeviceNames << QString::fromUtf8(name.readAll()).trimmed();
    }
    return inputs;
}

bool HardwareProfile::parse(const QString &text, const QString &origin, HardwareProfile *profile,
                            QString *error)
{
    const TomlDocument document = Toml::parse(text, origin);
    if (!document.ok()) {
        *error = QStringLiteral("%1: %2").arg(document.where, document.error);
        return false;
    }
    const toml::table &root = document.root;
    auto fail = [&](const QString &key, const QString &reason) {
        *error = QStringLiteral("%1: %2: %3").arg(origin, key, reason);
        return false;
    };
    if (QStringList u = unknownKeys(root, {QStringLiteral("profile"), QStringLiteral("elements"),
                                           QStringLiteral("camera")});
        !u.isEmpty())
        return fail(u.first(), QStringLiteral("unknown key (profile, elements, camera)"));

    HardwareProfile p;
    p.path_ = origin;
    const toml::table *meta = root["profile"].as_table();
    if (!meta)
        return fail(QStringLiteral("profile"), QStringLiteral("the [profile] table is required"));
    if (QStringList u =
            unknownKeys(*meta, {QStringLiteral("name"), QStringLiteral("description"),
                                QStringLiteral("devices"), QStringLiteral("encoder_budget")});
        !u.isEmpty())
        return fail(QStringLiteral("profile.") + u.first(),
                    QStringLiteral("unknown key (name, description, devices, encoder_budget)"));
    if (const toml::node *b = meta->get("encoder_budget")) {
        const QString budget = QString::fromStdString(b->value<std::string>().value_or(""));
        const auto parts = budget.split(u'@');
        int w = 0, h = 0;
        if (budget == QLatin1String("none"))
            p.encoderBudget_ = 0;
        else if (parts.size() == 2 && parseFrameSize(parts[0], &w, &h) && parts[1].toInt() > 0)
            p.encoderBudget_ = qint64(w) * h * parts[1].toInt();
        else
            return fail(QStringLiteral("profile.encoder_budget"),
                        QStringLiteral("'%1' is not WIDTHxHEIGHT@FPS or none").arg(budget));
    }
    auto name = (*meta)["name"].value<std::string>();
    if (!name || name->empty())
        return fail(QStringLiteral("profile.name"), QStringLiteral("is required (a string)"));
    p.name_ = QString::fromStdString(*name);
    if (const toml::node *d = meta->get("description")) {
        if (auto v = d->value<std::string>())
            p.description_ = QString::fromStdString(*v);
        else
            return fail(QStringLiteral("profile.description"), QStringLiteral("must be a string"));
    }
    if (const toml::node *d = meta->get("devices"); d && !stringList(*d, &p.devices_))
        return fail(QStringLiteral("profile.devices"),
                    QStringLiteral("must be an array of device paths"));

    if (const toml::node *e = root.get("elements")) {
        const toml::table *elements = e->as_table();
        if (!elements)
            return fail(QStringLiteral("elements"), QStringLiteral("must be a table"));
        if (QStringList u = unknownKeys(*elements, kRoles); !u.isEmpty())
            return fail(QStringLiteral("elements.") + u.first(),
                        QStringLiteral("unknown role (%1)").arg(kRoles.join(QStringLiteral(", "))));
        for (const auto &[key, node] : *elements) {
            QStringList candidates;
            if (!stringList(node, &candidates))
                return fail(QStringLiteral("elements.") + qs(key.str()),
                            QStringLiteral("must be an element name or a list of them"));
            p.elements_.insert(qs(key.str()), candidates);
        }
    }

    if (const toml::node *c = root.get("camera")) {
        const toml::table *camera = c->as_table();
        if (!camera)
            return fail(QStringLiteral("camera"),
                        QStringLiteral("must be a table ([camera], defaults for every camera)"));
        if (QStringList u = unknownKeys(*camera, kCameraKeys); !u.isEmpty())
            return fail(
                QStringLiteral("camera.") + u.first(),
                QStringLiteral("unknown key (%1)").arg(kCameraKeys.join(QStringLiteral(", "))));
        for (const auto &[key, node] : *camera) {
            if (auto s = node.value<std::string>())
                p.camera_.insert(qs(key.str()), QString::fromStdString(*s));
            else if (auto i = node.as_integer())
                p.camera_.insert(qs(key.str()), qlonglong(i->get()));
            else
                return fail(QStringLiteral("camera.") + qs(key.str()),
                            QStringLiteral("must be a string or an integer"));
        }
    }
    *profile = std::move(p);
    return true;
}

bool HardwareProfile::load(const QString &path, HardwareProfile *profile, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return parse(QString::fromUtf8(file.readAll()), path, profile, error);
}

QStringList HardwareProfile::searchDirectories()
{
    QStringList dirs;
    for (const QString &dir :
         qEnvironmentVariable("ZEROTEE_PROFILE_PATH").split(u':', Qt::SkipEmptyParts))
        dirs << dir;
    dirs << QStringLiteral("/etc/zerotee/profiles");
    if (QCoreApplication::instance())
        dirs << QDir::cleanPath(QCoreApplication::applicationDirPath() +
                                QStringLiteral("/../share/zerotee/profiles"));
    dirs.removeDuplicates();
    return dirs;
}

QStringList HardwareProfile::available()
{
    QStringList names;
    for (const QString &dir : searchDirectories())
        for (const QFileInfo &file :
             QDir(dir).entryInfoList({QStringLiteral("*.toml")}, QDir::Files, QDir::Name))
            names << file.completeBaseName();
    names.removeDuplicates();
    names.sort();
    return names;
}

QString HardwareProfile::find(const QString &nameOrPath, QString *error)
{
    if (nameOrPath.contains(u'/')) {
        if (QFileInfo(nameOrPath).isFile())
            return QFileInfo(nameOrPath).absoluteFilePath();
        *error = QStringLiteral("profile file '%1' does not exist").arg(nameOrPath);
        return {};
    }
    for (const QString &dir : searchDirectories()) {
        const QString path = QDir(dir).filePath(nameOrPath + QStringLiteral(".toml"));
        if (QFileInfo(path).isFile())
            return path;
    }
    const QStringList known = available();
    *error = QStringLiteral("no hardware profile '%1' (looked in %2; available: %3)")
                 .arg(nameOrPath, searchDirectories().join(QStringLiteral(", ")),
                      known.isEmpty() ? QStringLiteral("none") : known.join(QStringLiteral(", ")));
    return {};
}

ProfileSuggestion HardwareProfile::suggest(const DetectionInputs &in)
{
    ProfileSuggestion s;
    auto hasElement = [&](const char *name) { return in.elements.contains(QLatin1String(name)); };
    auto heapEvidence = [&] {
        const QString cma = QStringLiteral("/dev/dma_heap/linux,cma");
        s.evidence
            << (in.devices.contains(cma)
                    ? QStringLiteral("device %1 (CMA buffers the VPU and G2D can use)").arg(cma)
                    : QStringLiteral("no %1: the pool falls back to memfd").arg(cma));
    };

    // NXP i.MX 8M Plus: the BSP's VPU and G2D elements, or its video drivers and device nodes.
    QStringList imx;
    for (const char *e : {"vpuenc_h264", "imxvideoconvert_g2d", "imxvideoconvert_pxp"})
        if (hasElement(e))
            imx << QStringLiteral("element %1 in the GStreamer registry").arg(QLatin1String(e));
    QString hit;
    if (anyContains(in.videoDeviceNames,
                    {QStringLiteral("mxc-isi"), QStringLiteral("mxc_isi"),
                     QStringLiteral("vsi_v4l2"), QStringLiteral("hantro")},
                    &hit))
        imx << QStringLiteral("video device '%1' (i.MX ISI/VPU driver)").arg(hit);
    for (const QString &d : in.devices)
        if (d.startsWith(QStringLiteral("/dev/mxc_hantro")) || d == QStringLiteral("/dev/galcore"))
            imx << QStringLiteral("device %1 (i.MX VPU/GPU)").arg(d);
    if (!imx.isEmpty()) {
        s.name = QStringLiteral("imx8mp");
        s.evidence = imx;
        heapEvidence();
        return s;
    }

    // Raspberry Pi: its camera/codec drivers; libcamerasrc alone is no proof (PCs have it too).
    if (anyContains(in.videoDeviceNames,
                    {QStringLiteral("bcm2835"), QStringLiteral("unicam"), QStringLiteral("rp1-cfe"),
                     QStringLiteral("pispbe")},
                    &hit)) {
        s.name = QStringLiteral("raspberrypi");
        s.evidence
            << QStringLiteral("video device '%1' (Raspberry Pi camera/codec driver)").arg(hit);
        s.evidence << (hasElement("libcamerasrc")
                           ? QStringLiteral("element libcamerasrc in the GStreamer registry")
                           : QStringLiteral(
                                 "libcamerasrc is missing: install gstreamer1.0-libcamera"));
        if (hasElement("v4l2h264enc"))
            s.evidence << QStringLiteral("element v4l2h264enc (hardware H.264) in the registry");
        return s;
    }

    s.name = QStringLiteral("pc");
    s.evidence << QStringLiteral("no NXP i.MX or Raspberry Pi elements or video devices");
    QStringList videos;
    for (const QString &d : in.devices)
        if (d.startsWith(QStringLiteral("/dev/video")))
            videos << d;
    s.evidence << (videos.isEmpty()
                       ? QStringLiteral("no /dev/video* device: use --source test")
                       : QStringLiteral("video devices %1").arg(videos.join(QStringLiteral(", "))));
    s.evidence << (hasElement("x264enc") ? QStringLiteral("element x264enc in the registry")
                                         : QStringLiteral("x264enc is missing: install "
                                                          "gstreamer1.0-plugins-ugly"));
    return s;
}

QString HardwareProfile::profileKey(const QString &configText)
{
    const TomlDocument document = Toml::parse(configText, QStringLiteral("configuration"));
    if (!document.ok())
        return {};
    if (auto v = document.root["profile"].value<std::string>())
        return QString::fromStdString(*v);
    return {};
}

bool HardwareProfile::chooseElements(const QStringList &registry, QMap<QString, QString> *chosen,
                                     QString *error) const
{
    chosen->clear();
    for (auto it = elements_.begin(); it != elements_.end(); ++it) {
        for (const QString &candidate : it.value()) {
            const QStringList parts = elementsOf(candidate);
            if (std::all_of(parts.begin(), parts.end(),
                            [&](const QString &e) { return registry.contains(e); })) {
                chosen->insert(it.key(), candidate);
                break;
            }
        }
        if (!chosen->contains(it.key())) {
            *error = QStringLiteral("profile %1: no %2 of [%3] is in the GStreamer registry")
                         .arg(name_, it.key(), it.value().join(QStringLiteral(", ")));
            return false;
        }
    }
    return true;
}

QStringList HardwareProfile::missingDevices(const QStringList &devices) const
{
    QStringList missing;
    for (const QString &d : devices_)
        if (!devices.contains(d))
            missing << d;
    return missing;
}

ConfigErrors HardwareProfile::applyUnder(const QString &userText, const QString &userOrigin,
                                         const QStringList &registry,
                                         SupervisorConfig *config) const
{
    ConfigErrors errors;
    QMap<QString, QString> chosen;
    QString why;
    if (!chooseElements(registry, &chosen, &why)) {
        errors.add(QStringLiteral("profile"), why);
        return errors;
    }
    toml::table root;
    if (!userText.isEmpty()) {
        TomlDocument document = Toml::parse(userText, userOrigin);
        if (!document.ok()) // the loader reports it with line and column
            return parseConfig(userText, userOrigin, config);
        root = std::move(document.root);
    }
    root.insert_or_assign("profile", utf8(name_));

    // Cameras: the user's [[camera]] tables, or one if there are none; absent keys from the
    // profile. Anything malformed is left for the loader to report.
    if (!root.contains("camera"))
        root.insert("camera", toml::array{toml::table{}});
    if (toml::array *cameras = root["camera"].as_array()) {
        for (toml::node &node : *cameras) {
            toml::table *camera = node.as_table();
            if (!camera)
                continue;
            for (auto it = camera_.begin(); it != camera_.end(); ++it) {
                if (it.value().typeId() == QMetaType::QString)
                    camera->insert(utf8(it.key()), utf8(it.value().toString()));
                else
                    camera->insert(utf8(it.key()), int64_t(it.value().toLongLong()));
            }
            if (chosen.contains(QStringLiteral("converter")))
                camera->insert("converter", utf8(chosen.value(QStringLiteral("converter"))));
        }
    }

    std::ostringstream merged;
    merged << root;
    const QString origin = userText.isEmpty()
                               ? QStringLiteral("profile %1").arg(name_)
                               : QStringLiteral("%1 over profile %2").arg(userOrigin, name_);
    errors = parseConfig(QString::fromStdString(merged.str()), origin, config);
    if (errors.ok()) {
        config->profileElements = chosen;
        config->encoderBudget = encoderBudget_;
        applyWorkerElements(chosen, config);
    }
    return errors;
}

void HardwareProfile::applyWorkerElements(const QMap<QString, QString> &chosen,
                                          SupervisorConfig *config)
{
    // Encoder (recorder, RTSP) and scaler (RTSP) unless the worker sets its own, or passes an
    // encoded stream through.
    for (WorkerConfig &worker : config->workers) {
        QStringList roles;
        if (worker.kind == QStringLiteral("recorder"))
            roles = {QStringLiteral("encoder")};
        else if (worker.kind == QStringLiteral("rtsp"))
            roles = {QStringLiteral("encoder"), QStringLiteral("scaler")};
        if (worker.options.value(QStringLiteral("encoded")).toBool())
            continue;
        for (const QString &role : roles)
            if (chosen.contains(role) && !worker.options.contains(role))
                worker.options.insert(role, chosen.value(role));
    }
}

} // namespace zerotee
