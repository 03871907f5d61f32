/** GraphQL validation rules that bound the work one request can ask for (as Snapshot's hub: ≤ 5 operations). */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export type QueryLimits = {
  /** Operations in one document. */
  maxOperations: number;
  /** Top-level fields of one operation (fragments at the top level expanded). */
  maxRootFields: number;
  /** Fields in the whole document with every fragment expanded (introspection fields not counted). */
  maxComplexity: number;
};

/** Counts fields under a selection set, expanding fragments; `budget` stops runaway expansion early. */
function countFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  budget: number,
  topLevelOnly: boolean,
  seen: Set<string> = new Set(),
): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (count > budget) return count;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      count += 1;
      if (!topLevelOnly && selection.selectionSet) {
        count += countFields(selection.selectionSet, fragments, budget - count, false, seen);
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countFields(selection.selectionSet, fragments, budget - count, topLevelOnly, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A cycle is reported by graphql's own NoFragmentCycles rule; here it only must not loop.
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      count += countFields(fragment.selectionSet, fragments, budget - count, topLevelOnly, seen);
      seen.delete(name);
    }
  }
  return count;
}

/** The rules, for mercurius' `validationRules`. */
export function queryLimitRules(limits: QueryLimits): Array<(context: ValidationContext) => ASTVisitor> {
  const rule = (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      if (operations.length > limits.maxOperations) {
        context.reportError(new GraphQLError(`too many operations: at most ${limits.maxOperations} in one request`));
        return false;
      }
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      let total = 0;
      for (const operation of operations) {
        const roots = countFields(operation.selectionSet, fragments, limits.maxRootFields, true);
        if (roots > limits.maxRootFields) {
          context.reportError(new GraphQLError(`too many root fields: at most ${limits.maxRootFields} in one operation`));
          return false;
        }
        total += countFields(operation.selectionSet, fragments, limits.maxComplexity - total, false);
        if (total > limits.maxComplexity) {
          context.reportError(new GraphQLError(`query too complex: at most ${limits.maxComplexity} fields in one request`));
          return false;
        }
      }
      return false;
    },
  });
  return [rule];
}
