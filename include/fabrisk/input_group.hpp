#pragma once
/// \file input_group.hpp
/// A named set of a model's uniform dimensions, analysed as one input: the unit of sensitivity
/// analysis (sensitivity.hpp) and of holding inputs fixed (held_inputs.hpp).
#include <string>
#include <vector>

namespace fabrisk {

/// Inputs that share a copula belong in one group: their variance cannot be apportioned one by
/// one.
struct input_group {
    std::string name;
    std::vector<int> dimensions;
};

}  // namespace fabrisk
