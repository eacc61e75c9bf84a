/**
 * Limits on what one operation may ask for: graphql-armor's depth, alias,
 * directive, token and cost limits, introspection (on unless configured
 * off) and field suggestions (hidden when introspection is off, since they
 * would leak the schema one guess at a time).
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';

// Report a rejection as an ordinary validation error (HTTP 400,
// GRAPHQL_VALIDATION_FAILED) instead of letting armor throw out of validation.
const asValidationError = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)] };

/**
 * PostgreSQL text cannot hold NUL characters: a string with one would fail
 * deep inside a query. Refuse it at the door instead, whatever field it is for.
 */
export function containsNul(query: unknown, variables: unknown): boolean {
  // In the document: the character itself, or GraphQL's escape for it inside a string.
  if (typeof query === 'string' && (query.includes('\u0000') || query.includes('\\u0000'))) return true;
  const visit = (value: unknown): boolean =>
    typeof value === 'string' ? value.includes('\u0000') : Array.isArray(value) ? value.some(visit) : value !== null && typeof value === 'object' ? Object.values(value).some(visit) : false;
  return visit(variables);
}

export const nulRefused = () =>
  new GraphQLError('Strings must not contain NUL (U+0000) characters.', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

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
