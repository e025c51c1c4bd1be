#include "AiOptions.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QRegularExpression>
#include <cmath>

namespace zerotee::ai {

namespace {

const char *kUsage =
    "usage: zerotee-ai --socket PATH [options]\n"
    "\n"
    "Analyses frames from a zerotee bus and reports detections and events as JSON lines.\n"
    "\n"
    "  --socket PATH          bus socket of the stream (required)\n"
    "  --name NAME            client name shown by the producer (default ai)\n"
    "  --fps F                analysis rate; the producer skips the frames in between\n"
    "                         (default 5; 0 = latest frame, as fast as the detector goes)\n"
    "  --detector D           motion | cascade:PATH | onnx:PATH (default motion)\n"
    "  --labels FILE          class names, one per line (line i = class id i)\n"
    "  --score S              minimum score 0..1 (default 0.5)\n"
    "  --nms T                IoU above which overlapping boxes of a class are merged (0.45)\n"
    "  --min-area A           smallest motion box as a fraction of the frame (0.002)\n"
    "  --sensitivity N        luma change 1..255 that counts as motion (25; lower = more)\n"
    "  --roi x,y,w,h          region of interest, normalized 0..1; repeatable\n"
    "  --input-size WxH       network input size (default 320x320)\n"
    "  --layout L             yolo | yolov5 | yolov8 | ssd (default yolo = from the shape)\n"
    "  --input-scale S        network input = (RGB - mean) * scale (default 0.0039216)\n"
    "  --input-mean M         (default 0)\n"
    "  --work-width W         width of the downscaled luma for motion/cascade\n"
    "                         (default 320 for motion, 640 for cascade)\n"
    "  --hold S               seconds an object may be unseen before its event ends (1.0)\n"
    "  --min-hits N           sightings before an event starts (1)\n"
    "  --threads N            OpenCV threads (default 2; 0 = OpenCV's choice)\n"
    "  --stats-interval S     seconds between stats lines (1.0)\n"
    "  --help                 this text\n";

bool toDouble(const QString &text, double &out)
{
    bool ok = false;
    out = text.toDouble(&ok);
    return ok && std::isfinite(out);
}

bool toInt(const QString &text, int &out)
{
    bool ok = false;
    out = text.toInt(&ok);
    return ok;
}

} // namespace

QString AiOptions::usage()
{
    return QString::fromLatin1(kUsage);
}

std::string AiOptions::detectorName() const
{
    switch (detector) {
    case DetectorKind::Motion:
        return "motion";
    case DetectorKind::Cascade:
        return "cascade:" +
               QFileInfo(QString::fromStdString(modelPath)).completeBaseName().toStdString();
    case DetectorKind::Onnx:
        return "onnx:" +
               QFileInfo(QString::fromStdString(modelPath)).completeBaseName().toStdString();
    }
    return {};
}

ParseOutcome AiOptions::parse(const QStringList &arguments, AiOptions *options, QString *message)
{
    const QString said = options->readFlags(arguments.mid(1));
    if (said == QLatin1String("help")) {
        *message = usage();
        return ParseOutcome::Help;
    }
    *message = said;
    return said.isEmpty() ? ParseOutcome::Run : ParseOutcome::Error;
}

QString AiOptions::readFlags(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    auto valued = [&](const char *option) {
        parser.addOption(
            QCommandLineOption(QString::fromLatin1(option), QString(), QStringLiteral("value")));
    };
    for (const char *option :
         {"socket", "name", "fps", "detector", "labels", "score", "nms", "min-area", "sensitivity",
          "roi", "input-size", "layout", "input-scale", "input-mean", "work-width", "hold",
          "min-hits", "threads", "stats-interval"})
        valued(option);
    parser.addOption(QCommandLineOption(QStringLiteral("help")));

    // QCommandLineParser expects the program name first.
    if (!parser.parse(QStringList{QStringLiteral("zerotee-ai")} + arguments))
        return parser.errorText();
    if (parser.isSet(QStringLiteral("help")))
        return QStringLiteral("help");
    if (!parser.positionalArguments().isEmpty())
        return QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first());

    auto value = [&](const char *option) { return parser.value(QString::fromLatin1(option)); };
    auto isSet = [&](const char *option) { return parser.isSet(QString::fromLatin1(option)); };

    socketPath = value("socket").toStdString();
    if (socketPath.empty())
        return QStringLiteral("--socket PATH is required");
    if (isSet("name")) {
        name = value("name").toStdString();
        if (name.empty())
            return QStringLiteral("--name must not be empty");
    }
    if (isSet("fps") && (!toDouble(value("fps"), fps) || fps < 0 || fps > 1000))
        return QStringLiteral("--fps: '%1' is not a rate between 0 and 1000").arg(value("fps"));

    if (isSet("detector")) {
        const QString text = value("detector");
        if (text == u"motion") {
            detector = DetectorKind::Motion;
        } else if (text.startsWith(u"cascade:") || text.startsWith(u"onnx:")) {
            const bool cascade = text.startsWith(u"cascade:");
            detector = cascade ? DetectorKind::Cascade : DetectorKind::Onnx;
            const QString path = text.mid(text.indexOf(u':') + 1);
            if (path.isEmpty())
                return QStringLiteral("--detector %1 needs a file after the colon").arg(text);
            if (!QFileInfo(path).isFile())
                return QStringLiteral("--detector: model file '%1' does not exist").arg(path);
            modelPath = path.toStdString();
        } else {
            return QStringLiteral("--detector: '%1' is not motion, cascade:PATH or onnx:PATH")
                .arg(text);
        }
    }
    if (isSet("labels")) {
        labelsPath = value("labels").toStdString();
        if (!QFileInfo(value("labels")).isFile())
            return QStringLiteral("--labels: file '%1' does not exist").arg(value("labels"));
    }
    double number = 0;
    if (isSet("score")) {
        if (!toDouble(value("score"), number) || number < 0 || number > 1)
            return QStringLiteral("--score: '%1' is not between 0 and 1").arg(value("score"));
        scoreThreshold = float(number);
    }
    if (isSet("nms")) {
        if (!toDouble(value("nms"), number) || number <= 0 || number > 1)
            return QStringLiteral("--nms: '%1' is not in (0, 1]").arg(value("nms"));
        nmsThreshold = float(number);
    }
    if (isSet("min-area") && (!toDouble(value("min-area"), minArea) || minArea < 0 || minArea >= 1))
        return QStringLiteral("--min-area: '%1' is not a fraction in [0, 1)")
            .arg(value("min-area"));
    if (isSet("sensitivity") &&
        (!toInt(value("sensitivity"), sensitivity) || sensitivity < 1 || sensitivity > 255))
        return QStringLiteral("--sensitivity: '%1' is not 1..255").arg(value("sensitivity"));

    for (const QString &roi : parser.values(QStringLiteral("roi"))) {
        const QStringList parts = roi.split(u',');
        double v[4] = {};
        bool ok = parts.size() == 4;
        for (int i = 0; ok && i < 4; ++i)
            ok = toDouble(parts[i].trimmed(), v[i]);
        if (!ok || v[0] < 0 || v[1] < 0 || v[2] <= 0 || v[3] <= 0 || v[0] + v[2] > 1.0 + 1e-9 ||
            v[1] + v[3] > 1.0 + 1e-9)
            return QStringLiteral("--roi: '%1' is not x,y,w,h inside 0..1 with w,h > 0").arg(roi);
        regions.emplace_back(v[0], v[1], v[2], v[3]);
    }

    if (isSet("input-size")) {
        static const QRegularExpression sizePattern(QStringLiteral("^(\\d{1,4})x(\\d{1,4})$"));
        const auto match = sizePattern.match(value("input-size"));
        const int w = match.hasMatch() ? match.captured(1).toInt() : 0;
        const int h = match.hasMatch() ? match.captured(2).toInt() : 0;
        if (w < 8 || h < 8 || w > 4096 || h > 4096 || w % 2 || h % 2)
            return QStringLiteral("--input-size: '%1' is not WxH with even sides of 8..4096")
                .arg(value("input-size"));
        inputSize = cv::Size(w, h);
    }
    if (isSet("layout")) {
        const QString text = value("layout");
        if (text == u"yolo")
            layout = OutputLayout::YoloAuto;
        else if (text == u"yolov5")
            layout = OutputLayout::YoloV5;
        else if (text == u"yolov8")
            layout = OutputLayout::YoloV8;
        else if (text == u"ssd")
            layout = OutputLayout::Ssd;
        else
            return QStringLiteral("--layout: '%1' is not yolo, yolov5, yolov8 or ssd").arg(text);
    }
    if (isSet("input-scale") && (!toDouble(value("input-scale"), inputScale) || inputScale <= 0))
        return QStringLiteral("--input-scale: '%1' is not a positive number")
            .arg(value("input-scale"));
    if (isSet("input-mean") && !toDouble(value("input-mean"), inputMean))
        return QStringLiteral("--input-mean: '%1' is not a number").arg(value("input-mean"));
    if (isSet("work-width") &&
        (!toInt(value("work-width"), workWidth) || workWidth < 32 || workWidth > 4096))
        return QStringLiteral("--work-width: '%1' is not 32..4096").arg(value("work-width"));
    if (isSet("hold") &&
        (!toDouble(value("hold"), holdSeconds) || holdSeconds < 0 || holdSeconds > 3600))
        return QStringLiteral("--hold: '%1' is not 0..3600 seconds").arg(value("hold"));
    if (isSet("min-hits") && (!toInt(value("min-hits"), minHits) || minHits < 1 || minHits > 100))
        return QStringLiteral("--min-hits: '%1' is not 1..100").arg(value("min-hits"));
    if (isSet("threads") && (!toInt(value("threads"), threads) || threads < 0 || threads > 64))
        return QStringLiteral("--threads: '%1' is not 0..64").arg(value("threads"));
    if (isSet("stats-interval") && (!toDouble(value("stats-interval"), statsInterval) ||
                                    statsInterval < 0.1 || statsInterval > 3600))
        return QStringLiteral("--stats-interval: '%1' is not 0.1..3600 seconds")
            .arg(value("stats-interval"));

    if (detector != DetectorKind::Onnx &&
        (isSet("input-size") || isSet("layout") || isSet("input-scale") || isSet("input-mean")))
        return QStringLiteral("--input-size, --layout, --input-scale and --input-mean apply to "
                              "onnx:PATH detectors only");
    if (detector != DetectorKind::Motion && (isSet("sensitivity") || isSet("min-area")))
        return QStringLiteral("--sensitivity and --min-area apply to the motion detector only");
    return {};
}

} // namespace zerotee::ai
