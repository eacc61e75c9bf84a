/**
 * Limits on what one operation may ask for: graphql-armor's depth, alias,
 * directive, token and cost limits, introspection (on unless configured
 * off) and field suggestions (hidden when introspection is off, since they
 * would leak the schema one guess at a time).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError} from 'graphql';
import { NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import { containsNul, nulRefused } from '../input-guard.js';

// Report a rejection as an ordinary validation error (HTTP 400,
// GRAPHQL_VALIDATION_FAILED) instead of letting armor throw out of validation.
const asValidationError = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)] };

export function useQueryLimits(limits: Limits): Plugin<Context>[] {
  const plugins: Plugin<Context>[] = [
    {
      onParams({ params, setResult }) {
        if (containsNul(params.query, params.variables)) setResult({ errors: [nulRefused()] });
      },
    },
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, ...asValidationError },
      maxAliases: { n: limits.maxAliases, exposeLimits: true, ...asValidationError },
      maxDirectives: { n: limits.maxDirectives, exposeLimits: true, ...asValidationError },
      maxTokens: { n: limits.maxTokens, exposeLimits: true },
      costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, exposeLimits: true, ...asValidationError },
      blockFieldSuggestion: { enabled: !limits.introspection },
    }) as Plugin<Context>,
  ];
  if (!limits.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
