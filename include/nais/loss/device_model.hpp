#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/node.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>

#include <boost/hana/tuple.hpp>

#include <Eigen/Core>

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

// What a device model is (see docs/design.md, "Adding a device model"). A device model is a
// class with
//   using space_type = <a nais::search_space>;  using scalar_type = <float, double, ...>;
//   using variables  = nais::variables<group...>;       its variable groups beyond theta
//   struct parameters { ... };                           its own scalar settings (may be empty)
//   model(const space_type&, ...);                       its constants (tables, calibrations)
//   nais::group_shape shape(Tag) const;                  rows x cols of each group
//   template <class B> auto program(B& bindings);        its part of the EDD graph: per-op
//       performance and resource terms, their expectations over the sampled probabilities, and
//       their reduction to Perf (and RES), as nais::device_terms(...)
// and optionally the hooks below, each listed in `using hooks = nais::hooks<nais::hook::...>;`
// (validate_parameters, validate, derive, interface, and co_search's search_bounds,
// initial_value, check_search, prepare_search, finish). nais::loss<Model> builds the rest.
namespace nais {

/// What a variable group is for; decides its learning rate in search::co_search.
enum class variable_role { quantization, implementation };

/// Run-time rows x columns of a variable group.
struct group_shape {
    Eigen::Index rows = 0, cols = 0;
};

/// A closed interval of a continuous variable's values during a search.
struct interval {
    double min = 0, max = 0;
};

/// A group of logits sampled by Gumbel-softmax row by row (EDD's phi: one categorical over
/// the space's bit-widths per row). Tag: an empty type with `static constexpr const char*
/// name`; Array: its Eigen array type; Sharing: which (block, op) pairs use each row.
template <class Tag, class Array, sharing::rule Sharing, variable_role Role = variable_role::quantization>
struct sampled {
    using tag = Tag;
    using array_type = Array;
    using sharing_rule = Sharing;
    static constexpr bool is_sampled = true;
    static constexpr variable_role role = Role;
};

/// A continuous implementation variable (EDD's pf), used as it is and kept within the device
/// model's search_bounds during a search.
template <class Tag, class Array, variable_role Role = variable_role::implementation>
struct continuous {
    using tag = Tag;
    using array_type = Array;
    static constexpr bool is_sampled = false;
    static constexpr variable_role role = Role;
};

/// The variable groups of a device model, in the order the loss lays them out.
template <class... Groups>
struct variables {
    static constexpr std::size_t size = sizeof...(Groups);
};

/// A group descriptor: sampled<...> or continuous<...> (or a user type with the same members).
template <class G>
concept variable_group = requires {
    typename G::tag;
    typename G::array_type;
    { G::is_sampled } -> std::convertible_to<bool>;
    { G::role } -> std::convertible_to<variable_role>;
    { G::tag::name } -> std::convertible_to<const char*>;
};

/// No resource term (a fixed device: GPU, ASIC): Eq. 1 without its penalty.
struct no_resource {};

/// A device model's part of the EDD graph: statements (expr::assign into the model's own
/// placeholders, run in order), the device's network performance (before params.alpha) and
/// its resource total RES (or no_resource).
template <class Statements, class Perf, class Res = no_resource>
struct device_terms_t {
    Statements statements;
    Perf perf;
    Res res;
    static constexpr bool has_resources = !std::is_same_v<Res, no_resource>;
};

/// statements(assign(p1, e1), assign(p2, e2), ...): the device's statements, in order.
template <class... S>
auto statements(S&&... s) {
    return boost::hana::make_tuple(std::forward<S>(s)...);
}

/// device_terms(statements(...), perf): a device with no resource term.
template <class Statements, expr::scalar_expression Perf>
auto device_terms(Statements st, Perf perf) {
    return device_terms_t<Statements, Perf>{std::move(st), std::move(perf), {}};
}
/// device_terms(statements(...), perf, res): RES feeds EDD Eq. 1's penalty beta C^(RES - RES_ub).
template <class Statements, expr::scalar_expression Perf, expr::scalar_expression Res>
auto device_terms(Statements st, Perf perf, Res res) {
    return device_terms_t<Statements, Perf, Res>{std::move(st), std::move(perf), std::move(res)};
}

namespace detail {
template <class V>
struct is_variables : std::false_type {};
template <class... G>
struct is_variables<variables<G...>> : std::bool_constant<(variable_group<G> && ...)> {};
}  // namespace detail

/// The optional hooks of a device model. A model opts into each hook it defines by listing it,
///   using hooks = nais::hooks<nais::hook::derive, nais::hook::finish>;
/// nais then calls it, and a listed hook whose member is missing, misspelt or of another
/// signature is a compile error naming the hook; a hook member defined but not listed is one too.
namespace hook {
/// void validate_parameters(const parameters&) const: refuse bad parameter values
struct validate_parameters {};
/// template <class Loss> void validate(const Loss&) const: refuse bad variable values
struct validate {};
/// template <class Loss> design derive(const Loss&) const: the discrete design (loss.derive())
struct derive {};
/// template <class Loss> class interface: a CRTP base of named accessors on nais::loss<Model>
struct interface {};
/// interval search_bounds(Tag, const Params&) const: a continuous group's bounds in a search
struct search_bounds {};
/// T initial_value(Tag, const Params&, interval) const: a continuous group's EDD Sec. 5 start
struct initial_value {};
/// template <class Loss, class Search> void check_search(const Loss&, const Search&) const
struct check_search {};
/// template <class Loss, class Search> void prepare_search(Loss&, const Search&) const
struct prepare_search {};
/// template <class Loss, class Search> outcome finish(const Loss&, const Search&, args...) const
struct finish {};
}  // namespace hook

/// The hooks a device model lists (`using hooks = nais::hooks<...>;`).
template <class... Hooks>
struct hooks {
    template <class H>
    static constexpr bool has = (std::is_same_v<H, Hooks> || ...);
};

namespace detail {
template <class H>
inline constexpr bool is_hook = std::is_same_v<H, hook::validate_parameters> || std::is_same_v<H, hook::validate> ||
                                std::is_same_v<H, hook::derive> || std::is_same_v<H, hook::interface> ||
                                std::is_same_v<H, hook::search_bounds> || std::is_same_v<H, hook::initial_value> ||
                                std::is_same_v<H, hook::check_search> || std::is_same_v<H, hook::prepare_search> ||
                                std::is_same_v<H, hook::finish>;
template <class L>
struct is_hook_list : std::false_type {};
template <class... H>
struct is_hook_list<hooks<H...>> : std::bool_constant<(is_hook<H> && ...)> {};

template <class Model>
constexpr bool hooks_well_formed() {
    if constexpr (requires { typename Model::hooks; })
        return is_hook_list<typename Model::hooks>::value;
    else
        return true;
}
}  // namespace detail

/// Whether device model Model lists hook H.
template <class Model, class H>
constexpr bool lists_hook() {
    if constexpr (requires { typename Model::hooks; })
        return Model::hooks::template has<H>;
    else
        return false;
}

/// The static part of the device-model contract (the rest is checked where it is used, with
/// static_asserts naming what is missing: see nais::loss).
template <class M>
concept device_model = requires {
    typename M::space_type;
    typename M::scalar_type;
    typename M::variables;
    typename M::parameters;
} && search_space<typename M::space_type> && std::is_floating_point_v<typename M::scalar_type> &&
                       detail::is_variables<typename M::variables>::value &&
                       std::default_initializable<typename M::parameters>;

}  // namespace nais
