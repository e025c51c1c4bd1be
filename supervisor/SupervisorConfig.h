#pragma once

#include "MqttConfig.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <sys/types.h>
#include <vector>

#include <optional>

namespace zerotee {

/// One encoded stream of a camera (`[[camera.stream]]`): encoded once by its own
/// zerotee-encoder process and shared by every recorder, RTSP mount and zeroteesrc pipeline
/// that names it (docs/streams.md).
struct StreamConfig {
    QString name = QStringLiteral("main");
    QString codec = QStringLiteral("h264");
    int bitrateKbps = 4000;
    int gop = 30;
    int width = 0; // 0 = the camera's
    int height = 0;
    int fps = 0;                              // 0 = the camera's
    QString profile = QStringLiteral("main"); // H.264 profile
    QString encoder; // factory; empty = the hardware profile's / the registry's
    QString scaler;  // factory for a scaled stream; empty = the profile's / the registry's
    bool alwaysOn = false;

    /// Same encoding (everything but the name and always_on).
    bool sameEncoding(const StreamConfig &other) const;
};

/// One camera: where frames come from and how they are shaped and shared.
struct CameraConfig {
    QString name = QStringLiteral("cam0");
    /// `test`, `v4l2:/dev/videoN`, `file:PATH` or `pipeline:DESC`.
    QString source = QStringLiteral("test");
    /// Bus socket; empty = <runtime dir>/<name>.sock.
    QString socketPath;
    QString format = QStringLiteral("NV12");
    int width = 1920;
    int height = 1080;
    int fps = 30;
    /// Buffers in the shared pool; capture reserve + Σ consumer quotas must fit.
    int poolSize = 32;
    /// MiB the bus's own pool (memfd or DMA heap, when the source draws into it or is copied)
    /// may grow to past pool_size as consumers join; 0 = fixed at pool_size.
    int maxPoolMib = 256;
    int quota = 3; // a clock-synced consumer holds a frame for more than one period
    int leaseTimeoutMs = 1000;
    /// Capture converter as a gst-launch fragment (e.g. imxvideoconvert_g2d); empty = pick
    /// from the registry. Hardware profiles set it.
    QString converter;
    /// Users and groups (names or ids, as written) admitted to this camera's bus besides the
    /// supervisor's own uid and root; the socket's and the runtime directory's group and mode
    /// follow (docs/configuration.md).
    QStringList allowUsers;
    QStringList allowGroups;
    /// Encoded streams; empty = one `main` stream at the camera's size and rate.
    QList<StreamConfig> streams;

    /// The configured streams, or the default `main` one.
    QList<StreamConfig> effectiveStreams() const;
};

/// Resolves @p camera's allow_users/allow_groups to ids. Returns false with @p error naming the
/// entry that is no user or group.
bool resolveAllowed(const CameraConfig &camera, std::vector<uid_t> *uids, std::vector<gid_t> *gids,
                    QString *error);

/// One worker process the supervisor runs.
struct WorkerConfig {
    QString name;
    QString kind; // recorder, rtsp, ai, custom
    QString camera = QStringLiteral("cam0");
    bool autostart = true;
    QVariantMap options; // kind-specific: dir, port, mount, pipeline, ...
};

struct HttpConfig {
    bool enabled = true;
    QString bind = QStringLiteral("127.0.0.1");
    int port = 8080;
    /// Required when bound to anything but loopback.
    QString token;
    /// Off loopback the server speaks HTTPS (browsers send the session cookie only there, and
    /// phones off the LAN need it). false = plain HTTP everywhere (behind a TLS proxy).
    bool tls = true;
    /// PEM certificate and key; empty = a self-signed pair made at first start in tlsDir.
    QString tlsCert;
    QString tlsKey;
    /// Where the self-signed pair is kept; empty = <data dir>/zerotee (XDG_DATA_HOME).
    QString tlsDir;

    /// Bound to this machine only (127.0.0.1, ::1, localhost): no token, plain HTTP.
    bool onLoopback() const
    {
        return bind == QLatin1String("127.0.0.1") || bind == QLatin1String("::1") ||
               bind == QLatin1String("localhost");
    }
};

/// The touch panel's window (`zerotee` without --headless): `[panel]`, --fullscreen, --window.
struct PanelConfig {
    /// Fill the screen. Unset: yes on a device platform (eglfs, linuxfb) or where a touch
    /// screen is present, a window otherwise (WindowPlacement).
    std::optional<bool> fullscreen;
    /// A window of this size (0 = fitted to the screen); only when not full screen.
    int windowWidth = 0;
    int windowHeight = 0;
};

/// The whole configuration: file, then command-line flags on top.
struct SupervisorConfig {
    /// Private directory for the bus sockets (0700); default $XDG_RUNTIME_DIR/zerotee.
    QString runtimeDir;
    /// Control socket for zeroteectl; default <runtimeDir>/control.sock.
    QString controlPath;
    QString logLevel = QStringLiteral("info");
    /// Hardware profile merged under this configuration (HardwareProfile); empty = none.
    QString profile;
    /// Elements the profile chose from the registry (encoder, scaler, converter); workers added
    /// later (command-line flags, the control API) get them too (HardwareProfile).
    QMap<QString, QString> profileElements;
    /// The hardware profile's encoder capacity in pixels per second: 0 = no hardware encoder,
    /// -1 = not known (no profile, or it does not say). Streams beyond it are warned about.
    qint64 encoderBudget = -1;
    /// Extra directories searched for worker executables.
    QStringList workerPath;
    HttpConfig http;
    MqttConfig mqtt;
    PanelConfig panel;
    QList<CameraConfig> cameras{CameraConfig{}};
    QList<WorkerConfig> workers;

    /// Path of the bus socket of @p camera.
    QString busSocketPath(const QString &camera) const;
    /// Path of the bus socket of stream @p stream of @p camera:
    /// Beside the camera's bus socket: <dir>/<camera socket name>.<stream>.sock (cam0.main.sock).
    QString streamSocketPath(const QString &camera, const QString &stream) const;
    const CameraConfig *camera(const QString &name) const;

    /// Every key the loader accepts: "log_level", "http.port", "camera.source",
    /// "worker.options", ... Collected by running the loader itself, so it cannot drift from
    /// what parseConfig() reads (docs/configuration.md is checked against it).
    static QStringList knownKeys();
};

/// Result of loading or checking a configuration: empty errors = usable.
struct ConfigErrors {
    QStringList errors; // each "key: reason"
    bool ok() const { return errors.isEmpty(); }
    void add(const QString &key, const QString &reason)
    {
        errors << key + QStringLiteral(": ") + reason;
    }
};

/// Reads a TOML configuration (see resources/zerotee.toml). Every unknown key, wrong type or
/// bad value is reported with its key; nothing is applied half-way.
ConfigErrors loadConfigFile(const QString &path, SupervisorConfig *config);
ConfigErrors parseConfig(const QString &text, const QString &origin, SupervisorConfig *config);

/// Checks values that flags can also set (sizes, fps, sources, names, ports).
ConfigErrors validateConfig(const SupervisorConfig &config);

/// Checks a capture source string; returns an empty string or the reason it is wrong.
QString checkSource(const QString &source);

} // namespace zerotee
