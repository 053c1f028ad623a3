// Bounds on the work one GraphQL operation may ask for, checked before anything executes: field
// depth (12) and aliases (30) before the document is validated, and an estimated cost (requested
// list sizes × selected fields, ceiling `limits.graphqlMaxCost`) once the variables are known
// (`first: $n` counts as the n sent). Over a limit → one error with code QUERY_TOO_COMPLEX.
// Introspection (`__schema`, `__type`) is exempt, so GraphiQL and codegen tools keep working.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const MAX_DEPTH = 12;
const MAX_ALIASES = 30;

/** Items a list field is assumed to return when the query does not say (`first` is the page size). */
const LIST_SIZES: Record<string, number> = {
  'Query.batches': 20,
  'Query.files': 1000,
  'Batch.results': 100,
  'Batch.errors': 100,
};
const DEFAULT_LIST_SIZE = 10;

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
const isIntrospection = (name: string) => name === '__schema' || name === '__type';

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /**
   * Each fragment is measured once, however many times it is spread (a fragment spreading another
   * twice, twenty deep, would otherwise cost 2^20 walks): its depth, and its cost per item (cost is
   * linear in the items above it). A fragment still being measured is a cycle and counts nothing.
   */
  fragmentDepth: Map<string, number>;
  fragmentCost: Map<string, number>;
}

const newWalk = (schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): Walk => ({
  schema,
  fragments: fragmentsOf(document),
  variables,
  fragmentDepth: new Map(),
  fragmentCost: new Map(),
});

/** Measure a fragment once (NaN marks it in progress: a cycle counts 0). */
function memo(cache: Map<string, number>, name: string, measure: () => number): number {
  const known = cache.get(name);
  if (known !== undefined) return Number.isNaN(known) ? 0 : known;
  cache.set(name, Number.NaN);
  const value = measure();
  cache.set(name, value);
  return value;
}

/** Depth of field nesting below `selectionSet`, fragments included. */
function depthOf(walk: Walk, set: SelectionSetNode): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospection(selection.name.value)) continue;
      deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(walk, selection.selectionSet) : 0));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(walk, selection.selectionSet));
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      if (!fragment) continue;
      const depth = memo(walk.fragmentDepth, fragment.name.value, () => depthOf(walk, fragment.selectionSet));
      deepest = Math.max(deepest, depth);
    }
  }
  return deepest;
}

function listSize(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>, args: Map<string, unknown>) {
  const named = getNamedType(field.type);
  if (named.name.endsWith('Connection')) {
    const first = args.get('first');
    return typeof first === 'number' && first > 0 ? first : (LIST_SIZES[`${parent.name}.${field.name}`] ?? 100);
  }
  // A connection's `edges` hold the page its `first` already counted.
  if (isListType(getNullableType(field.type)) && !parent.name.endsWith('Connection')) {
    return LIST_SIZES[`${parent.name}.${field.name}`] ?? DEFAULT_LIST_SIZE;
  }
  return 1;
}

/** Estimated cost: every selected field counts once per item of every list above it. */
function costOf(walk: Walk, set: SelectionSetNode, parent: GraphQLNamedType, times: number): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__') || !isObjectType(parent)) continue;
      const field = parent.getFields()[name];
      if (!field) continue;
      total += times;
      if (!selection.selectionSet) continue;
      const args = new Map(
        (selection.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, walk.variables)]),
      );
      const child = getNamedType(field.type);
      total += costOf(walk, selection.selectionSet, child, times * listSize(parent, field, args));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      if (type) total += costOf(walk, selection.selectionSet, type, times);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      const type = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (!fragment || !type) continue;
      total += times * memo(walk.fragmentCost, fragment.name.value, () => costOf(walk, fragment.selectionSet, type, 1));
    }
  }
  return total;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** Depth and aliases, judged from the document alone: the first limit it breaks, or null. */
export function shapeError(schema: GraphQLSchema, document: DocumentNode): GraphQLError | null {
  const walk = newWalk(schema, document, {});
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const depth = depthOf(walk, definition.selectionSet);
    if (depth > MAX_DEPTH) return tooComplex(`The query is ${depth} fields deep; at most ${MAX_DEPTH} are allowed.`);
  }
  // Every aliased field written in the document: all operations and fragments, each counted once.
  let aliases = 0;
  visit(document, {
    Field(field) {
      if (field.alias) aliases++;
    },
  });
  return aliases > MAX_ALIASES
    ? tooComplex(`The query uses ${aliases} aliases; at most ${MAX_ALIASES} are allowed.`)
    : null;
}

/** The operation's estimated cost, or null when there is no single operation to judge. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): number | null {
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return null;
  const walk = newWalk(schema, document, variables ?? {});
  return costOf(walk, operation.selectionSet, root, 1);
}

/** The Yoga plugin: depth and aliases at validation, cost before execution (HTTP, SSE and graphql-ws alike). */
export function queryLimitsPlugin(maxCost: number): Plugin {
  const check = (args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operationName?: string | null;
    variableValues?: Record<string, unknown> | null;
  }) => {
    const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues);
    return cost !== null && cost > maxCost
      ? tooComplex(
          `The query's estimated cost is ${cost}; at most ${maxCost} is allowed. Ask for fewer items or fields.`,
        )
      : null;
  };
  return {
    // Judged before the other validation rules, so an oversized document gets this one error only.
    onValidate: ({ params, setResult }) => {
      const error = shapeError(params.schema, params.documentAST);
      if (error) setResult([error]);
    },
    onExecute: ({ args, setResultAndStopExecution }) => {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
