#include "SupervisorConfig.h"
#include "ConsumerAdmission.h"
#include "FrameSize.h"
#include "Toml.h"
#include "VideoCodec.h"
#include "WorkerKinds.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

namespace zerotee {

namespace {

// Set while SupervisorConfig::knownKeys() runs the loader: every reader adds the keys it read.
thread_local QStringList *tKnownKeys = nullptr;

QString qs(std::string_view s)
{
    return Toml::string(s);
}

// Reads the keys of one TOML table into typed fields, reporting unknown keys and wrong types.
class TableReader {
public:
    TableReader(const toml::table &table, QString prefix, ConfigErrors &errors)
        : table_(table), prefix_(std::move(prefix)), errors_(errors)
    {
    }

    void string(const char *key, QString *out)
    {
        seen_ << QString::fromLatin1(key);
        if (const toml::node *node = table_.get(key)) {
            if (auto v = node->value<std::string>())
                *out = QString::fromStdString(*v);
            else
                errors_.add(name(key), QStringLiteral("must be a string"));
        }
    }
    void integer(const char *key, int *out, int min, int max)
    {
        seen_ << QString::fromLatin1(key);
        if (const toml::node *node = table_.get(key)) {
            auto v = node->as_integer();
            if (!v)
                errors_.add(name(key), QStringLiteral("must be an integer"));
            else if (v->get() < min || v->get() > max)
                errors_.add(
                    name(key),
                    QStringLiteral("%1 is out of range %2..%3").arg(v->get()).arg(min).arg(max));
            else
                *out = int(v->get());
        }
    }
    void boolean(const char *key, bool *out)
    {
        seen_ << QString::fromLatin1(key);
        if (const toml::node *node = table_.get(key)) {
            if (auto v = node->value<bool>())
                *out = *v;
            else
                errors_.add(name(key), QStringLiteral("must be true or false"));
        }
    }
    void stringList(const char *key, QStringList *out)
    {
        seen_ << QString::fromLatin1(key);
        if (const toml::node *node = table_.get(key)) {
            const toml::array *array = node->as_array();
            if (!array) {
                errors_.add(name(key), QStringLiteral("must be an array of strings"));
                return;
            }
            out->clear();
            for (const toml::node &item : *array) {
                if (auto v = item.value<std::string>())
                    *out << QString::fromStdString(*v);
                else
                    errors_.add(name(key), QStringLiteral("must be an array of strings"));
            }
        }
    }
    /// An array of names or numbers (users, groups): numbers are kept as their text.
    void nameOrIdList(const char *key, QStringList *out)
    {
        seen_ << QString::fromLatin1(key);
        if (const toml::node *node = table_.get(key)) {
            const toml::array *array = node->as_array();
            if (!array) {
                errors_.add(name(key), QStringLiteral("must be an array of names or ids"));
                return;
            }
            out->clear();
            for (const toml::node &item : *array) {
                if (auto v = item.value<std::string>(); v && !v->empty())
                    *out << QString::fromStdString(*v);
                else if (auto n = item.as_integer(); n && n->get() >= 0 && n->get() < 4294967295)
                    *out << QString::number(n->get());
                else
                    errors_.add(name(key), QStringLiteral("must be an array of names or ids"));
            }
        }
    }
    /// Marks a key as handled elsewhere (a sub-table).
    void skip(const char *key) { seen_ << QString::fromLatin1(key); }

    void rejectUnknown()
    {
        if (tKnownKeys) {
            static const QRegularExpression index(QStringLiteral("\\[\\d+\\]"));
            for (const QString &key : std::as_const(seen_))
                *tKnownKeys << QString(name(key)).remove(index);
        }
        for (const auto &[key, node] : table_) {
            QString k = qs(key.str());
            if (!seen_.contains(k)) // an empty key ([ ""]) is named as TOML writes it
                errors_.add(name(k.isEmpty() ? QStringLiteral("\"\"") : k),
                            QStringLiteral("unknown key"));
        }
    }

    QString name(const QString &key) const
    {
        return prefix_.isEmpty() ? key : prefix_ + u'.' + key;
    }
    QString name(const char *key) const { return name(QString::fromLatin1(key)); }

private:
    const toml::table &table_;
    QString prefix_;
    ConfigErrors &errors_;
    QSet<QString> seen_;
};

QVariant toVariant(const toml::node &node)
{
    if (auto v = node.value<std::string>())
        return QString::fromStdString(*v);
    if (auto v = node.as_integer())
        return qlonglong(v->get());
    if (auto v = node.as_floating_point())
        return v->get();
    if (auto v = node.as_boolean())
        return v->get();
    if (const toml::array *array = node.as_array()) {
        QVariantList list;
        for (const toml::node &item : *array)
            list << toVariant(item);
        return list;
    }
    if (const toml::table *table = node.as_table()) {
        QVariantMap map;
        for (const auto &[key, value] : *table)
            map.insert(qs(key.str()), toVariant(value));
        return map;
    }
    return {};
}

void readStream(const toml::table &table, const QString &prefix, StreamConfig *stream,
                ConfigErrors &errors)
{
    TableReader r(table, prefix, errors);
    r.string("name", &stream->name);
    r.string("codec", &stream->codec);
    r.integer("bitrate", &stream->bitrateKbps, 16, 200000);
    r.integer("gop", &stream->gop, 1, 1000);
    QString size;
    r.string("size", &size);
    if (!size.isEmpty() && !parseFrameSize(size, &stream->width, &stream->height))
        errors.add(r.name("size"), QStringLiteral("'%1' is not WIDTHxHEIGHT (16..8192)").arg(size));
    r.integer("fps", &stream->fps, 1, 240);
    r.string("profile", &stream->profile);
    r.string("encoder", &stream->encoder);
    r.string("scaler", &stream->scaler);
    r.boolean("always_on", &stream->alwaysOn);
    r.rejectUnknown();
}

void readCamera(const toml::table &table, const QString &prefix, CameraConfig *camera,
                ConfigErrors &errors)
{
    TableReader r(table, prefix, errors);
    r.string("name", &camera->name);
    r.string("source", &camera->source);
    r.string("socket", &camera->socketPath);
    r.string("format", &camera->format);
    QString size;
    r.string("size", &size);
    if (!size.isEmpty() && !parseFrameSize(size, &camera->width, &camera->height))
        errors.add(r.name("size"), QStringLiteral("'%1' is not WIDTHxHEIGHT (16..8192)").arg(size));
    r.integer("fps", &camera->fps, 1, 240);
    r.integer("pool_size", &camera->poolSize, 4, 256);
    r.integer("quota", &camera->quota, 1, 16);
    r.integer("lease_timeout_ms", &camera->leaseTimeoutMs, 50, 60000);
    r.string("converter", &camera->converter);
    r.skip("stream");
    if (const toml::node *node = table.get("stream")) {
        const toml::array *array = node->as_array();
        if (!array || !array->is_array_of_tables()) {
            errors.add(r.name("stream"),
                       QStringLiteral("must be an array of tables ([[camera.stream]])"));
        } else {
            for (size_t i = 0; i < array->size(); ++i) {
                StreamConfig stream;
                readStream(*array->get(i)->as_table(),
                           QStringLiteral("%1[%2]").arg(r.name("stream")).arg(i), &stream, errors);
                camera->streams << stream;
            }
        }
    }
    r.integer("max_pool_mib", &camera->maxPoolMib, 0, 65536);
    r.nameOrIdList("allow_users", &camera->allowUsers);
    r.nameOrIdList("allow_groups", &camera->allowGroups);
    r.rejectUnknown();
}

void readWorker(const toml::table &table, const QString &prefix, WorkerConfig *worker,
                ConfigErrors &errors)
{
    TableReader r(table, prefix, errors);
    r.string("name", &worker->name);
    r.string("kind", &worker->kind);
    r.string("camera", &worker->camera);
    r.boolean("autostart", &worker->autostart);
    r.skip("options");
    if (const toml::node *options = table.get("options")) {
        if (const toml::table *t = options->as_table())
            worker->options = toVariant(*t).toMap();
        else
            errors.add(r.name("options"), QStringLiteral("must be a table"));
    }
    r.rejectUnknown();
    if (worker->kind.isEmpty())
        errors.add(r.name("kind"),
                   QStringLiteral("is required (%1)").arg(WorkerKindInfo::configurableNames()));
    if (worker->name.isEmpty())
        worker->name = worker->kind;
}

void readMqtt(const toml::table &table, MqttConfig *mqtt, ConfigErrors &errors)
{
    TableReader m(table, QStringLiteral("mqtt"), errors);
    m.boolean("enabled", &mqtt->enabled);
    m.string("host", &mqtt->host);
    m.integer("port", &mqtt->port, 1, 65535);
    m.string("client_id", &mqtt->clientId);
    m.string("username", &mqtt->username);
    m.string("password", &mqtt->password);
    m.string("topic_prefix", &mqtt->topicPrefix);
    m.string("device", &mqtt->device);
    m.boolean("discovery", &mqtt->discovery);
    m.string("discovery_prefix", &mqtt->discoveryPrefix);
    m.integer("qos", &mqtt->qos, 0, 2);
    m.integer("keepalive", &mqtt->keepaliveSeconds, 5, 3600);
    m.integer("queue_size", &mqtt->queueSize, 1, 1000000);
    m.integer("reconnect_min", &mqtt->reconnectMinSeconds, 1, 3600);
    m.integer("reconnect_max", &mqtt->reconnectMaxSeconds, 1, 3600);
    m.string("ca_file", &mqtt->caFile);
    m.string("cert_file", &mqtt->certFile);
    m.string("key_file", &mqtt->keyFile);
    m.boolean("tls_insecure", &mqtt->tlsInsecure);
    m.rejectUnknown();
}

} // namespace

bool resolveAllowed(const CameraConfig &camera, std::vector<uid_t> *uids, std::vector<gid_t> *gids,
                    QString *error)
{
    for (const QString &user : camera.allowUsers) {
        uid_t uid;
        if (ConsumerAdmission::resolveUser(user.toStdString(), &uid) < 0) {
            *error = QStringLiteral("allow_users: no user '%1'").arg(user);
            return false;
        }
        uids->push_back(uid);
    }
    for (const QString &group : camera.allowGroups) {
        gid_t gid;
        if (ConsumerAdmission::resolveGroup(group.toStdString(), &gid) < 0) {
            *error = QStringLiteral("allow_groups: no group '%1'").arg(group);
            return false;
        }
        gids->push_back(gid);
    }
    return true;
}

QString SupervisorConfig::busSocketPath(const QString &cameraName) const
{
    if (const CameraConfig *c = camera(cameraName); c && !c->socketPath.isEmpty())
        return c->socketPath;
    return QDir(runtimeDir).filePath(cameraName + QStringLiteral(".sock"));
}

QString SupervisorConfig::streamSocketPath(const QString &cameraName, const QString &stream) const
{
    // Beside the camera's own bus socket (a folder that exists and the consumers can reach):
    // cam0.sock -> cam0.main.sock, also where the camera's socket was given explicitly.
    const QFileInfo bus(busSocketPath(cameraName));
    QString base = bus.fileName();
    if (base.endsWith(QStringLiteral(".sock")))
        base.chop(5);
    return bus.dir().filePath(base + u'.' + stream + QStringLiteral(".sock"));
}

bool StreamConfig::sameEncoding(const StreamConfig &o) const
{
    return codec == o.codec && bitrateKbps == o.bitrateKbps && gop == o.gop && width == o.width &&
           height == o.height && fps == o.fps && profile == o.profile && encoder == o.encoder &&
           scaler == o.scaler;
}

QList<StreamConfig> CameraConfig::effectiveStreams() const
{
    return streams.isEmpty() ? QList<StreamConfig>{StreamConfig{}} : streams;
}

const CameraConfig *SupervisorConfig::camera(const QString &cameraName) const
{
    for (const CameraConfig &c : cameras)
        if (c.name == cameraName)
            return &c;
    return nullptr;
}

QStringList SupervisorConfig::knownKeys()
{
    // One of every table, so that every reader runs; their keys are what the loader accepts.
    QStringList keys;
    tKnownKeys = &keys;
    SupervisorConfig scratch;
    parseConfig(QStringLiteral(
                    "[http]\n[mqtt]\n[panel]\nfullscreen = false\n[[camera]]\n[[camera.stream]]\n"
                    "[[worker]]\n"),
                QStringLiteral("keys"), &scratch);
    tKnownKeys = nullptr;
    // A key read by a reader of its own ("http", "camera") is a table, not a key.
    QStringList result;
    for (const QString &key : std::as_const(keys)) {
        const QString prefix = key + u'.';
        if (std::none_of(keys.cbegin(), keys.cend(),
                         [&](const QString &k) { return k.startsWith(prefix); }))
            result << key;
    }
    result.removeDuplicates();
    result.sort();
    return result;
}

ConfigErrors parseConfig(const QString &text, const QString &origin, SupervisorConfig *config)
{
    ConfigErrors errors;
    const TomlDocument document = Toml::parse(text, origin);
    if (!document.ok()) {
        errors.add(document.where, document.error);
        return errors;
    }
    const toml::table &root = document.root;
    SupervisorConfig result = *config;

    TableReader r(root, {}, errors);
    r.string("runtime_dir", &result.runtimeDir);
    r.string("control", &result.controlPath);
    r.string("log_level", &result.logLevel);
    r.string("profile", &result.profile);
    r.stringList("worker_path", &result.workerPath);
    r.skip("http");
    r.skip("mqtt");
    r.skip("panel");
    r.skip("camera");
    r.skip("worker");
    r.rejectUnknown();

    if (const toml::node *http = root.get("http")) {
        if (const toml::table *t = http->as_table()) {
            TableReader h(*t, QStringLiteral("http"), errors);
            h.boolean("enabled", &result.http.enabled);
            h.string("bind", &result.http.bind);
            h.integer("port", &result.http.port, 0, 65535);
            h.string("token", &result.http.token);
            h.boolean("tls", &result.http.tls);
            h.string("tls_cert", &result.http.tlsCert);
            h.string("tls_key", &result.http.tlsKey);
            h.string("tls_dir", &result.http.tlsDir);
            h.rejectUnknown();
        } else {
            errors.add(QStringLiteral("http"), QStringLiteral("must be a table"));
        }
    }

    if (const toml::node *mqtt = root.get("mqtt")) {
        if (const toml::table *t = mqtt->as_table())
            readMqtt(*t, &result.mqtt, errors);
        else
            errors.add(QStringLiteral("mqtt"), QStringLiteral("must be a table"));
    }

    if (const toml::node *panel = root.get("panel")) {
        if (const toml::table *t = panel->as_table()) {
            TableReader p(*t, QStringLiteral("panel"), errors);
            if (t->contains("fullscreen")) {
                bool fullscreen = false;
                p.boolean("fullscreen", &fullscreen);
                result.panel.fullscreen = fullscreen;
            } else {
                p.skip("fullscreen");
            }
            QString window;
            p.string("window", &window);
            if (!window.isEmpty() &&
                !parseFrameSize(window, &result.panel.windowWidth, &result.panel.windowHeight))
                errors.add(p.name("window"),
                           QStringLiteral("'%1' is not WIDTHxHEIGHT (16..8192)").arg(window));
            p.rejectUnknown();
            if (result.panel.fullscreen.value_or(false) && result.panel.windowWidth > 0)
                errors.add(p.name("window"),
                           QStringLiteral("a window size and fullscreen = true exclude each "
                                          "other"));
        } else {
            errors.add(QStringLiteral("panel"), QStringLiteral("must be a table"));
        }
    }

    auto readArray = [&](const char *key, auto reader, auto &out) {
        const toml::node *node = root.get(key);
        if (!node)
            return;
        const toml::array *array = node->as_array();
        if (!array || !array->is_array_of_tables()) {
            errors.add(QString::fromLatin1(key),
                       QStringLiteral("must be an array of tables ([[%1]])")
                           .arg(QString::fromLatin1(key)));
            return;
        }
        out.clear();
        for (size_t i = 0; i < array->size(); ++i) {
            typename std::decay_t<decltype(out)>::value_type item;
            reader(*array->get(i)->as_table(),
                   QStringLiteral("%1[%2]").arg(QString::fromLatin1(key)).arg(i), &item, errors);
            out << item;
        }
    };
    readArray("camera", readCamera, result.cameras);
    readArray("worker", readWorker, result.workers);

    if (!errors.ok())
        return errors;
    errors = validateConfig(result);
    if (errors.ok())
        *config = result;
    return errors;
}

ConfigErrors loadConfigFile(const QString &path, SupervisorConfig *config)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ConfigErrors errors;
        errors.add(path, file.errorString());
        return errors;
    }
    return parseConfig(QString::fromUtf8(file.readAll()), path, config);
}

} // namespace zerotee
