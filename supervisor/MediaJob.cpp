#include "MediaJob.h"

#include <QFileInfo>
#include <QProcess>
#include <QTimer>

namespace zerotee {

void MediaJob::start(const QString &program, const QStringList &arguments, int timeoutMs, Done done)
{
    auto *job = new MediaJob(std::move(done));
    job->process_ = new QProcess(job);
    job->process_->setProgram(program);
    job->process_->setArguments(arguments);
    connect(job->process_, &QProcess::finished, job, [job](int code, QProcess::ExitStatus status) {
        Outcome outcome;
        outcome.output = job->process_->readAllStandardOutput();
        const QString said = QString::fromUtf8(job->process_->readAllStandardError()).trimmed();
        outcome.ok = status == QProcess::NormalExit && code == 0;
        if (!outcome.ok)
            outcome.error = said.isEmpty()
                                ? QStringLiteral("%1 failed (exit %2)")
                                      .arg(QFileInfo(job->process_->program()).fileName())
                                      .arg(code)
                                : said.section(u'\n', -1);
        job->finish(outcome);
    });
    connect(job->process_, &QProcess::errorOccurred, job, [job](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            job->finish(
                {false, {}, QStringLiteral("cannot start %1").arg(job->process_->program())});
    });
    QTimer::singleShot(timeoutMs, job, [job, timeoutMs] {
        job->finish({false, {}, QStringLiteral("no answer within %1 s").arg(timeoutMs / 1000.0)});
    });
    job->process_->start();
}

void MediaJob::finish(const Outcome &outcome)
{
    if (finished_)
        return;
    finished_ = true;
    if (process_->state() != QProcess::NotRunning) {
        process_->disconnect(this);
        process_->kill();
        process_->waitForFinished(1000); // killed: reaped at once
    }
    done_(outcome);
    deleteLater();
}

} // namespace zerotee
