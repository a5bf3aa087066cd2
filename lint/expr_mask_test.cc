#include "expr_mask.h"

#include <catch2/catch.hpp>

using pm2guard::lint::expression_results;
using Values = std::vector<std::string>;

TEST_CASE("expression results: the literal operands of || and &&", "[expr]") {
  CHECK(expression_results("${{ inputs.app || 'all' }}") == Values{"all"});
  CHECK(expression_results("${{ github.event_name == 'push' && 'web' || 'all' }}") == Values{"web", "all"});
  CHECK(expression_results("${{ (inputs.x && 'all') || 'web' }}") == Values{"all", "web"});
  CHECK(expression_results("${{ 'all' }}") == Values{"all"});
  CHECK(expression_results("${{ inputs.a || 'it''s' }}") == Values{"it's"});
}

TEST_CASE("expression results: comparison operands and function arguments are not results", "[expr]") {
  CHECK(expression_results("${{ inputs.app }}").empty());
  CHECK(expression_results("${{ inputs.app == 'all' }}").empty());
  CHECK(expression_results("${{ 'all' == inputs.app }}").empty());
  CHECK(expression_results("${{ x || 'all' == inputs.app }}").empty());
  CHECK(expression_results("${{ format('{0}-api', 'all') }}").empty());
  CHECK(expression_results("${{ contains(inputs.apps, 'all') && 'web' }}") == Values{"web"});
  CHECK(expression_results("${{ inputs.a || 'unterminated }}").empty());
}

TEST_CASE("expression references", "[expr]") {
  using pm2guard::lint::expression_reference;
  using pm2guard::lint::expression_result_references;
  CHECK(expression_reference("${{ inputs.App }}") == "inputs.app");
  CHECK(expression_reference("${{ github.event.inputs['app'] }}") == "github.event.inputs.app");
  CHECK(expression_reference("${{ matrix.target }}") == "matrix.target");
  CHECK(expression_reference("${{ inputs.app || 'all' }}").empty());
  CHECK(expression_reference("${{ format('{0}', inputs.app) }}").empty());
  CHECK(expression_result_references("${{ inputs.app || env.DEFAULT_APP }}") == Values{"inputs.app", "env.default_app"});
  CHECK(expression_result_references("${{ inputs.app == 'x' && matrix.t || 'all' }}") == Values{"matrix.t"});
  CHECK(expression_result_references("${{ contains(inputs.apps, 'x') }}").empty());
}
