#pragma once

#include "SupervisorConfig.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace zerotee {

/// What profile detection looks at, as plain data so that tests can feed a fake board.
struct DetectionInputs {
    QStringList elements;         ///< element factory names in the GStreamer registry
    QStringList devices;          ///< device nodes that matter: /dev/video*, /dev/dma_heap/*, ...
    QStringList videoDeviceNames; ///< driver card names from /sys/class/video4linux/*/name

    /// Reads this machine: the GStreamer registry (gst_init first), /dev and /sys.
    static DetectionInputs fromSystem();
    /// Element factory names of the GStreamer registry (initialises GStreamer if needed).
    static QStringList registryElements();
};

/// The profile detection suggests, and why.
struct ProfileSuggestion {
    QString name;
    QStringList evidence; ///< one line each, e.g. "element vpuenc_h264 in the GStreamer registry"
};

/// A hardware profile: a TOML fragment (resources/profiles/NAME.toml) merged *under* the user's
/// configuration, so every key the user writes wins. It names
///  - `[camera]`: defaults for every `[[camera]]` (source, format, size, fps, pool, quota, ...);
///  - `[elements]`: candidate lists for the capture `converter`, the workers' `encoder` and the
///    RTSP `scaler`; the first one the GStreamer registry has is used (capture converter, then
///    `encoder`/`scaler` options of recorder and RTSP workers that do not set their own);
///  - `[profile]`: name, description and the device nodes the board is expected to have.
///
/// Profiles are found in $ZEROTEE_PROFILE_PATH (colon-separated), /etc/zerotee/profiles and
/// <program dir>/../share/zerotee/profiles (the installed ones; the build tree mirrors them).
///
/// Thread context: a value type. fromSystem()/registryElements() need gst_init.
class HardwareProfile {
public:
    /// Gives every recorder and RTSP worker of @p config the profile's encoder (and scaler)
    /// unless it names its own: for workers from the file and those added by flags alike.
    static void applyWorkerElements(const QMap<QString, QString> &chosen, SupervisorConfig *config);
    /// Reads and checks a profile file; false with @p error naming the file and key.
    static bool load(const QString &path, HardwareProfile *profile, QString *error);
    /// Parses profile text (@p origin names it in errors).
    static bool parse(const QString &text, const QString &origin, HardwareProfile *profile,
                      QString *error);

    /// Path of profile @p nameOrPath (a name, or a path containing '/'); empty with @p error
    /// listing the places searched and the profiles found there.
    static QString find(const QString &nameOrPath, QString *error);
    static QStringList searchDirectories();
    /// Names of every profile in the search directories, sorted.
    static QStringList available();

    /// The profile detection suggests for @p inputs: imx8mp (NXP VPU/G2D elements or i.MX video
    /// devices), raspberrypi (libcamerasrc or a bcm2835/unicam/rp1-cfe video device), else pc.
    static ProfileSuggestion suggest(const DetectionInputs &inputs);

    /// The `profile` key of a user configuration text, or empty (also when it does not parse:
    /// the configuration loader reports that).
    static QString profileKey(const QString &configText);

    /// Element chosen for each role (converter, encoder, scaler) from @p registry; false with
    /// @p error when a role has no candidate in the registry.
    bool chooseElements(const QStringList &registry, QMap<QString, QString> *chosen,
                        QString *error) const;

    /// Merges this profile under @p userText (a TOML configuration; empty = none) and loads the
    /// result into @p config, with the elements chosen from @p registry.
    ConfigErrors applyUnder(const QString &userText, const QString &userOrigin,
                            const QStringList &registry, SupervisorConfig *config) const;

    /// Expected device nodes that are not in @p devices.
    QStringList missingDevices(const QStringList &devices) const;

    QString name() const { return name_; }
    QString description() const { return description_; }
    QString path() const { return path_; }
    QStringList devices() const { return devices_; }
    /// What the board's encoder can do in total, in pixels per second (`encoder_budget =
    /// "1920x1080@60"`, or `"none"`: no hardware encoder, 0); -1 when the profile does not say.
    qint64 encoderBudget() const { return encoderBudget_; }
    /// role → candidates, in order of preference.
    QMap<QString, QStringList> elementCandidates() const { return elements_; }
    /// Camera defaults: key → string or integer.
    QVariantMap cameraDefaults() const { return camera_; }

private:
    QString name_;
    QString description_;
    QString path_;
    QStringList devices_;
    qint64 encoderBudget_ = -1;
    QMap<QString, QStringList> elements_;
    QVariantMap camera_;
};

} // namespace zerotee
