#pragma once
/// \file fabrisk.hpp
/// Everything: the generic engine core and the build-out model on top of it.

// Engine core: knows nothing of fabs.
#include "fabrisk/binned_quantiles.hpp"
#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/held_inputs.hpp"
#include "fabrisk/input_group.hpp"
#include "fabrisk/input_layout.hpp"
#include "fabrisk/json_override.hpp"
#include "fabrisk/model_concept.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/output_file.hpp"
#include "fabrisk/precision.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/sensitivity.hpp"
#include "fabrisk/simd_target.hpp"
#include "fabrisk/statistics.hpp"
#include "fabrisk/sweep.hpp"
#include "fabrisk/uniform_columns.hpp"
#include "fabrisk/vector_math.hpp"
#include "fabrisk/version.hpp"

// The compute build-out model of docs/model.md.
#include "fabrisk/buildout/analytics.hpp"
#include "fabrisk/buildout/charts.hpp"
#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/sensitivity.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/buildout/sweep_report.hpp"
