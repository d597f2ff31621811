#pragma once
// The number formats every dashboard tool writes with, so one metric looks
// the same in every tab (internal to lib/dashboard).

#include <vector>

#include "sheet/grid.hpp"

namespace gbpm::dashboard {

using Row = std::vector<sheet::Cell>;

inline const sheet::CellFormat kBold{.number_format = "", .bold = true};
inline const sheet::CellFormat kMw{.number_format = "#,##0"};
inline const sheet::CellFormat kBoldMw{.number_format = "#,##0", .bold = true};
inline const sheet::CellFormat kGw{.number_format = "0.00"};
inline const sheet::CellFormat kPrice{.number_format = "0.00"};
inline const sheet::CellFormat kHz{.number_format = "0.000"};
inline const sheet::CellFormat kPercent{.number_format = "0.0"};
inline const sheet::CellFormat kPeriod{.number_format = "0"};

}  // namespace gbpm::dashboard
