// KeyedRowsModel is header-only but for its moc output, which this file anchors.
#include "KeyedRowsModel.h"
