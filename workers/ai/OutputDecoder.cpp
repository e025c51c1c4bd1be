#include "OutputDecoder.h"

namespace zerotee::ai {

bool tensorMatrix(const cv::Mat &tensor, int &rows, int &cols)
{
    if (!tensor.isContinuous() || tensor.depth() != CV_32F || tensor.channels() != 1)
        return false;
    const int dims = tensor.dims;
    if (dims == 2) {
        rows = tensor.size[0];
        cols = tensor.size[1];
    } else if (dims == 3 && tensor.size[0] == 1) {
        rows = tensor.size[1];
        cols = tensor.size[2];
    } else if (dims == 4 && tensor.size[0] == 1 && tensor.size[1] == 1) {
        rows = tensor.size[2];
        cols = tensor.size[3];
    } else {
        return false;
    }
    return rows > 0 && cols > 0;
}

} // namespace zerotee::ai
