#include "Toml.h"

namespace zerotee {

TomlDocument Toml::parse(const QString &text, const QString &origin)
{
    TomlDocument document;
    const QByteArray utf8 = text.toUtf8();
    const std::string_view view(utf8.constData(), size_t(utf8.size()));
    if (const QString problem = textProblem(view); !problem.isEmpty()) {
        document.where =
            QStringLiteral("%1:%2").arg(origin, problem.section(QLatin1Char(':'), 0, 1));
        document.error = problem.section(QLatin1Char(':'), 2).trimmed();
        return document;
    }
    toml::parse_result parsed = toml::parse(view, origin.toStdString());
    if (!parsed) {
        const toml::parse_error &error = parsed.error();
        document.where = QStringLiteral("%1:%2:%3")
                             .arg(origin)
                             .arg(error.source().begin.line)
                             .arg(error.source().begin.column);
        document.error = string(error.description());
        return document;
    }
    document.root = std::move(parsed.table());
    return document;
}

QString Toml::textProblem(std::string_view text)
{
    enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral };
    In in = In::Code;
    int line = 1, column = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto startsWith = [&](std::string_view what) { return text.substr(i, 3) == what; };
        ++column;
        if (c == '\n') {
            ++line;
            column = 0;
            if (in == In::Comment || in == In::Basic || in == In::Literal)
                in = In::Code; // a single-line string cannot span lines; toml++ reports that
            continue;
        }
        switch (in) {
        case In::Code:
            if (static_cast<unsigned char>(c) >= 0x80)
                return QStringLiteral("%1:%2: a non-ASCII character outside a string or comment "
                                      "(put it in quotes)")
                    .arg(line)
                    .arg(column);
            if (c == '#') {
                in = In::Comment;
            } else if (startsWith(R"(""")")) {
                in = In::MultiBasic;
                i += 2;
            } else if (startsWith("'''")) {
                in = In::MultiLiteral;
                i += 2;
            } else if (c == '"') {
                in = In::Basic;
            } else if (c == '\'') {
                in = In::Literal;
            }
            break;
        case In::Comment:
            break;
        case In::Basic:
        case In::MultiBasic:
            if (c == '\\') {
                ++i; // an escaped character, quotes included
            } else if (in == In::Basic && c == '"') {
                in = In::Code;
            } else if (in == In::MultiBasic && startsWith(R"(""")")) {
                in = In::Code;
                i += 2;
            }
            break;
        case In::Literal:
            if (c == '\'')
                in = In::Code;
            break;
        case In::MultiLiteral:
            if (startsWith("'''")) {
                in = In::Code;
                i += 2;
            }
            break;
        }
    }
    return {};
}

} // namespace zerotee
