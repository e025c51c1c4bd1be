#include "LabelMap.h"

#include <fstream>

namespace zerotee::ai {

bool LabelMap::load(const std::string &path, std::string &error)
{
    std::ifstream in(path);
    if (!in) {
        error = "cannot read labels file " + path;
        return false;
    }
    names_.clear();
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        names_.push_back(first == std::string::npos ? std::string()
                                                    : line.substr(first, last - first + 1));
    }
    while (!names_.empty() && names_.back().empty())
        names_.pop_back();
    return true;
}

std::string LabelMap::name(int classId) const
{
    if (classId >= 0 && size_t(classId) < names_.size() && !names_[size_t(classId)].empty())
        return names_[size_t(classId)];
    return "class" + std::to_string(classId);
}

} // namespace zerotee::ai
