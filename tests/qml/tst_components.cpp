// QtQuickTest runner for the panel's components (tests in components/tst_*.qml). The module is
// linked statically: import its plugin and point the engine at its resources.
#include <QQmlEngine>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(Zerotee_ControlsPlugin)
Q_IMPORT_QML_PLUGIN(Zerotee_PanelPlugin)

class Setup : public QObject {
    Q_OBJECT

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
    }
};

QUICK_TEST_MAIN_WITH_SETUP(panel_components, Setup)

#include "tst_components.moc"
