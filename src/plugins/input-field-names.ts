/**
 * Naming the input field of a value GraphQL itself refused (a scalar that
 * did not parse, such as an impossible DateTime; an enum value that does not
 * exist): graphql-js reports them without the `extensions.field` every other
 * input error carries. Found from the document: a literal by its node, a
 * variable by where the operation passes it (`createEntry(input: $in)` makes
 * `$in.publishAt` the field `input.publishAt`), in the dotted form of the
 * rest of the API (`input.media.0.url`).
 */
import { type ASTNode, type DocumentNode, GraphQLError, Kind, type ValueNode, visit } from 'graphql';

/** Every value written in the document's arguments, with its dotted path from the argument's name. */
function argumentValues(document: DocumentNode): [ValueNode, string][] {
  const found: [ValueNode, string][] = [];
  const walk = (value: ValueNode, path: string) => {
    found.push([value, path]);
    if (value.kind === Kind.OBJECT) for (const field of value.fields) walk(field.value, `${path}.${field.name.value}`);
    if (value.kind === Kind.LIST) value.values.forEach((item, i) => walk(item, `${path}.${i}`));
  };
  visit(document, {
    Argument(node) {
      walk(node.value, node.name.value);
    },
  });
  return found;
}

/** `Variable "$in" got invalid value … at "in.media[0].url"; <reason>`: the variable and the path inside it. */
function variablePath(error: GraphQLError): { variable: string; rest: string } | null {
  const reason = error.originalError?.message;
  const prefix = reason !== undefined && error.message.endsWith(`; ${reason}`) ? error.message.slice(0, -(reason.length + 2)) : error.message;
  const variable = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value/.exec(prefix)?.[1];
  if (!variable) return null;
  const at = / at "([^"]*)"$/.exec(prefix)?.[1];
  if (at === undefined) return { variable, rest: '' };
  if (!at.startsWith(variable)) return null;
  return { variable, rest: at.slice(variable.length).replace(/\[(\d+)\]/g, '.$1') };
}

/** The input field an error of GraphQL's own input coercion is about, or null when it cannot tell. */
export function inputFieldOf(error: GraphQLError, document: DocumentNode | undefined): string | null {
  if (!document) return null;
  const values = argumentValues(document);
  const variable = variablePath(error);
  if (variable) {
    const used = values.find(([value]) => value.kind === Kind.VARIABLE && value.name.value === variable.variable);
    return used ? `${used[1]}${variable.rest}` : null;
  }
  const node: ASTNode | undefined = error.nodes?.[0];
  const literal = node && values.find(([value]) => value === node);
  return literal ? literal[1] : null;
}

/** The error with `extensions.field` set, when it is an input error that lacks one and the document says where it is. */
export function withInputField(error: GraphQLError, document: DocumentNode | undefined, prefixMessage: boolean): GraphQLError {
  if (error.extensions?.code !== 'BAD_USER_INPUT' || error.extensions.field !== undefined) return error;
  const field = inputFieldOf(error, document);
  if (!field) return error;
  const message = prefixMessage && !error.message.startsWith(`${field}:`) ? `${field}: ${error.message}` : error.message;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    // The code stays last, as clientError writes it.
    extensions: { ...error.extensions, field, code: 'BAD_USER_INPUT' },
  });
}
