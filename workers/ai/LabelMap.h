#pragma once

#include <string>
#include <vector>

namespace zerotee::ai {

/// Class names from a labels file: one per line, line i (from 0) names class id i. Blank
/// lines keep their index; surrounding whitespace is trimmed. Ids without a name read "classN".
class LabelMap {
public:
    LabelMap() = default;
    explicit LabelMap(std::vector<std::string> names) : names_(std::move(names)) {}

    /// Reads @p path; false with a reason in @p error when it cannot be read.
    bool load(const std::string &path, std::string &error);
    std::string name(int classId) const;
    size_t size() const { return names_.size(); }

private:
    std::vector<std::string> names_;
};

} // namespace zerotee::ai
