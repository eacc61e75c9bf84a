/**
 * Limits on what one operation may ask for: depth (our own rule, counting
 * fields with fragments flattened: src/plugins/depth.ts), graphql-armor's
 * alias, directive and token limits, introspection (on unless configured
 * off) and field suggestions (hidden when introspection is off, since they
 * would leak the schema one guess at a time). The cost limit is in cost.ts.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import { type Plugin, handleStreamOrSingleExecutionResult } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import { clientError } from '../errors.js';
import { NoNulInStrings, guardRequest } from '../input-guard.js';
import { withInputField } from './input-field-names.js';
import { type DeepestPath, maxDepthRule } from './depth.js';
import { isPushedStream } from './pushed-stream.js';

type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'responseBytes';

const describeLimit: Record<LimitName, (max: number, found: number | null) => string> = {
  depth: (max, found) => `The operation is nested ${found ?? 'more than ' + max} levels of fields deep; the limit is ${max}.`,
  aliases: (max, found) => `The operation uses ${found ?? 'more than ' + max} aliases; the limit is ${max}.`,
  directives: (max, found) => `The operation uses ${found ?? 'more than ' + max} directives; the limit is ${max}.`,
  tokens: (max) => `The document has more than ${max} tokens; the limit is ${max}.`,
  responseBytes: (max, found) =>
    `The operation's response may take ${found === null ? 'more than ' + max : Math.ceil(found)} bytes (each field's longest value, repeated by the lists above it); the limit is ${max}. Ask for smaller pages or fewer fields.`,
  cost: (max, found) => `The operation may return ${found === null ? 'more than ' + max : Math.ceil(found)} list items (page sizes multiplied through its nesting); the limit is ${max}.`,
};

/**
 * graphql-armor words its rejections as syntax errors ("Syntax Error: Query
 * depth limit of 12 exceeded, found 26."): say what happened instead, with
 * a code of its own (HTTP 400) and the limit in `extensions`.
 */
export function limitExceeded(limit: LimitName, max: number, armorError: GraphQLError): GraphQLError {
  const found = /found (\d+(?:\.\d+)?)/.exec(armorError.message);
  return limitError(limit, max, found ? Number(found[1]) : null);
}

/** An operation over one of the limits: QUERY_LIMIT_EXCEEDED (HTTP 400), the limit and what was found in `extensions`. */
export function limitError(limit: LimitName, max: number, count: number | null): GraphQLError {
  return clientError('QUERY_LIMIT_EXCEEDED', describeLimit[limit](max, count), {
    limit,
    max,
    ...(count === null ? {} : { found: limit === 'cost' || limit === 'responseBytes' ? Math.ceil(count) : count }),
    http: { status: 400 },
  });
}

/**
 * Too deep: the message and `extensions.fieldPath` name the deepest path
 * (response keys, fragments flattened), and the error points at its last field.
 */
export function depthError(max: number, found: DeepestPath): GraphQLError {
  const { extensions } = limitError('depth', max, found.depth);
  return new GraphQLError(`The operation is nested ${found.depth} levels of fields deep (fragments not counted) at ${found.path.join('.')}; the limit is ${max}.`, {
    nodes: found.leaf ? [found.leaf] : undefined,
    extensions: { ...extensions, fieldPath: found.path },
  });
}

// A rejection in validation is reported like any validation error (the other
// errors of the document still show) rather than thrown out of validation.
const reported = (limit: LimitName, max: number) => ({
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(limitExceeded(limit, max, error))],
});

/**
 * The input guard (src/input-guard.ts) as a plugin: goes first, before the
 * response cache builds a key from the variables and before anything else
 * walks them; NUL in the document's strings is a validation finding.
 */
export function useInputGuard(): Plugin<Context> {
  return {
    onParams({ params, setResult }) {
      const refused = guardRequest(params.query, params.variables);
      if (refused) setResult({ errors: [refused] });
    },
    onValidate({ addValidationRule, params }) {
      addValidationRule(NoNulInStrings);
      // A literal a scalar refused (an impossible DateTime) names its input field, as our own errors do.
      return ({ result, setResult }) => {
        if (result.some((e) => e.extensions?.code === 'BAD_USER_INPUT' && e.extensions.field === undefined)) {
          setResult(result.map((e) => withInputField(e, params.documentAST, true)));
        }
      };
    },
  };
}

/** graphql's "Did you mean …?" in every wording (fields, arguments, enum values, input fields). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

const withoutSuggestions = (errors: readonly Error[] | undefined) => {
  for (const error of errors ?? []) if (error.message.includes('Did you mean')) error.message = error.message.replace(SUGGESTION, '');
};

/**
 * With introspection off, no error may suggest a name: graphql-armor hides
 * field suggestions in validation only, while enum values, input fields and
 * variables (coerced at execution) still said "Did you mean LIVE?". Every
 * error of validation, execution and subscription loses its suggestion.
 */
export function useNoSuggestions(): Plugin<Context> {
  const strip = (payload: { result: unknown }) => {
    const { result } = payload;
    if (result && typeof result === 'object' && 'errors' in result) withoutSuggestions((result as { errors?: GraphQLError[] }).errors);
  };
  return {
    onValidate: () => ({ result }) => withoutSuggestions(result),
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, strip) }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => (isPushedStream(payload.result) ? undefined : handleStreamOrSingleExecutionResult(payload, strip)),
      onSubscribeError: ({ error }) => {
        if (error instanceof GraphQLError) withoutSuggestions([error]);
      },
    }),
    onResultProcess: ({ result }) => {
      for (const single of Array.isArray(result) ? result : [result]) strip({ result: single });
    },
  };
}

export function useQueryLimits(limits: Limits): Plugin<Context>[] {
  const plugins: Plugin<Context>[] = [
    EnvelopArmorPlugin({
      // Depth is ours (below): armor's counted a level for every fragment spread.
      maxDepth: { enabled: false },
      maxAliases: { n: limits.maxAliases, ...reported('aliases', limits.maxAliases) },
      maxDirectives: { n: limits.maxDirectives, ...reported('directives', limits.maxDirectives) },
      // Counted while parsing: there is no validation context to report to, so the error is thrown out of parse.
      maxTokens: {
        n: limits.maxTokens,
        exposeLimits: true,
        propagateOnRejection: false,
        onReject: [
          (_ctx: ValidationContext | null, error: GraphQLError) => {
            throw limitExceeded('tokens', limits.maxTokens, error);
          },
        ],
      },
      // The cost limit is ours (src/plugins/cost.ts): armor's read literal arguments only.
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: !limits.introspection },
    }) as Plugin<Context>,
  ];
  plugins.push({
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(limits.maxDepth, (context, found) => context.reportError(depthError(limits.maxDepth, found))));
    },
  });
  if (!limits.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
    plugins.push(useNoSuggestions());
  }
  return plugins;
}
