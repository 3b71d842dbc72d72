#pragma once
/// \file model_concept.hpp
/// What the engine asks of a model (runner.hpp), checked at compile time: check_model<M>()
/// fails with a message naming the first member M lacks, instead of an error deep inside the
/// runner. (C++17 has no concepts; each member is detected on its own.) evaluate must accept the
/// blocks the runner passes, Eigen::ArrayXXd; declared with Eigen::Ref, as below, it also takes
/// blocks of larger arrays without a copy.
///
///     struct my_model {
///         struct workspace { ... };                 // per-thread scratch
///         std::size_t dimension() const;            // uniforms per trial
///         std::size_t output_count() const;
///         workspace make_workspace() const;
///         void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms,   // trials × dimension
///                       Eigen::Ref<Eigen::ArrayXXd> outputs,                 // trials × outputs
///                       workspace& ws) const;
///         // optional: the stream of each dimension (random_stream.hpp), e.g. from input_layout
///         std::vector<std::uint64_t> stream_ids() const;
///     };
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "fabrisk/error.hpp"
#include "fabrisk/random_stream.hpp"

namespace fabrisk {

namespace detail {
template <class M, class = void>
struct model_has_workspace : std::false_type {};
template <class M>
struct model_has_workspace<M, std::void_t<typename M::workspace>> : std::true_type {};

template <class M, class = void>
struct model_has_dimension : std::false_type {};
template <class M>
struct model_has_dimension<M, std::void_t<decltype(std::declval<const M&>().dimension())>>
    : std::is_convertible<decltype(std::declval<const M&>().dimension()), std::size_t> {};

template <class M, class = void>
struct model_has_output_count : std::false_type {};
template <class M>
struct model_has_output_count<M, std::void_t<decltype(std::declval<const M&>().output_count())>>
    : std::is_convertible<decltype(std::declval<const M&>().output_count()), std::size_t> {};

template <class M, class = void>
struct model_has_make_workspace : std::false_type {};
template <class M>
struct model_has_make_workspace<M, std::void_t<typename M::workspace, decltype(std::declval<const M&>().make_workspace())>>
    : std::is_convertible<decltype(std::declval<const M&>().make_workspace()), typename M::workspace> {};

template <class M, class = void>
struct model_has_evaluate : std::false_type {};
template <class M>
struct model_has_evaluate<M, std::void_t<typename M::workspace,
                                         decltype(std::declval<const M&>().evaluate(
                                             std::declval<const Eigen::ArrayXXd&>(), std::declval<Eigen::ArrayXXd&>(),
                                             std::declval<typename M::workspace&>()))>> : std::true_type {};
template <class M, class = void>
struct model_has_stream_ids : std::false_type {};
template <class M>
struct model_has_stream_ids<M, std::void_t<decltype(std::declval<const M&>().stream_ids())>>
    : std::is_convertible<decltype(std::declval<const M&>().stream_ids()), std::vector<std::uint64_t>> {};
}  // namespace detail

/// The stream each dimension of `model` draws from: its stream_ids() if it has them (names
/// hashed by stream_id, e.g. input_layout::stream_ids()), else by position (positional_stream_ids).
template <class M>
std::vector<std::uint64_t> stream_ids_of(const M& model) {
    if constexpr (detail::model_has_stream_ids<M>::value) {
        std::vector<std::uint64_t> ids = model.stream_ids();
        if (ids.size() != static_cast<std::size_t>(model.dimension()))
            throw usage_error("model: stream_ids() gives " + std::to_string(ids.size()) + " streams for " +
                              std::to_string(model.dimension()) + " dimensions");
        return ids;
    } else {
        return positional_stream_ids(model.dimension());
    }
}

/// Whether M has every member of a model.
template <class M>
inline constexpr bool is_model_v = detail::model_has_workspace<M>::value && detail::model_has_dimension<M>::value &&
                                   detail::model_has_output_count<M>::value &&
                                   detail::model_has_make_workspace<M>::value && detail::model_has_evaluate<M>::value;

/// Fails to compile, naming the first missing member, unless M is a model.
template <class M>
constexpr bool check_model() {
    static_assert(detail::model_has_workspace<M>::value,
                  "fabrisk model: needs a nested type `workspace` (per-thread scratch; may be empty)");
    static_assert(detail::model_has_dimension<M>::value,
                  "fabrisk model: needs `std::size_t dimension() const` (uniforms per trial)");
    static_assert(detail::model_has_output_count<M>::value,
                  "fabrisk model: needs `std::size_t output_count() const` (outputs per trial)");
    static_assert(detail::model_has_make_workspace<M>::value, "fabrisk model: needs `workspace make_workspace() const`");
    static_assert(detail::model_has_evaluate<M>::value,
                  "fabrisk model: needs `void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, "
                  "Eigen::Ref<Eigen::ArrayXXd> outputs, workspace& ws) const`");
    return is_model_v<M>;
}

}  // namespace fabrisk
