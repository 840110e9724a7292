// `run.kind: dag`: operations and their components, dependencies that exist and form no cycle.
import type { IOSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { checkComponent, checkOperation, type ComponentInfo, type OperationInfo } from './v1';
import { applyTypedParams } from './params';
import { parseMatrixV1 } from './v1-matrix';

export function checkDag(run: Record<string, unknown>, path: Path, issues: Issues): void {
  const components = new Map<string, ComponentInfo>();
  ((run.components as unknown[] | null | undefined) ?? []).forEach((raw, i) => {
    const c = checkComponent(raw, [...path, 'components', i], issues, true);
    if (!c) return;
    if (!c.name)
      issues.add(
        [...path, 'components', i, 'name'],
        'a name that operations can refer to with dagRef',
        'nothing',
      );
    else if (components.has(c.name))
      issues.add([...path, 'components', i, 'name'], 'a component name used once', show(c.name));
    else components.set(c.name, c);
  });

  const ops: Array<{ op: OperationInfo; at: Path }> = [];
  const names = new Map<string, number>();
  ((run.operations as unknown[] | null | undefined) ?? []).forEach((raw, i) => {
    const at = [...path, 'operations', i];
    const op = checkOperation(raw, at, issues, true);
    if (!op) return;
    if (!op.name) issues.add([...at, 'name'], 'a name (DAG operations are referred to by name)', 'nothing');
    else if (names.has(op.name)) issues.add([...at, 'name'], 'an operation name used once', show(op.name));
    else names.set(op.name, ops.length);
    ops.push({ op, at });
  });

  for (const { op, at } of ops) {
    let component = op.component;
    if (op.dagRef !== undefined) {
      component = components.get(op.dagRef);
      if (!component)
        issues.add(
          [...at, 'dagRef'],
          `one of this DAG's components (${[...components.keys()].join(', ') || 'none'})`,
          show(op.dagRef),
        );
    }
    op.dependencies.forEach((dep, j) => {
      if (!names.has(dep))
        issues.add(
          [...at, 'dependencies', j],
          `an operation of this DAG (${[...names.keys()].join(', ')})`,
          show(dep),
        );
    });
    if (component) {
      const ios: IOSpec[] = [...component.inputs, ...component.outputs];
      const search = op.matrix ? parseMatrixV1(op.matrix, [...at, 'matrix'], issues, ios) : undefined;
      const provided = new Set([...op.fromRefs, ...(search ? Object.keys(search.matrix) : [])]);
      // A missing required input is the operation's omission: report it there, not in the shared component.
      applyTypedParams({ inputs: component.inputs, outputs: component.outputs }, op.params, {}, issues, {
        basePath: component.path,
        provided,
        requiredAt: op.dagRef !== undefined ? at : undefined,
      });
    }
  }
  reportCycle(ops, names, issues);
}

/** Depth-first search; the first back edge found is reported with the cycle it closes. */
function reportCycle(
  ops: Array<{ op: OperationInfo; at: Path }>,
  names: Map<string, number>,
  issues: Issues,
): void {
  const state = new Array<0 | 1 | 2>(ops.length).fill(0);
  const stack: number[] = [];
  const visit = (i: number): boolean => {
    state[i] = 1;
    stack.push(i);
    for (const [j, dep] of ops[i].op.dependencies.entries()) {
      const k = names.get(dep);
      if (k === undefined) continue;
      if (state[k] === 1) {
        const cycle = [...stack.slice(stack.indexOf(k)), k].map((n) => ops[n].op.name).join(' → ');
        issues.add([...ops[i].at, 'dependencies', j], 'dependencies without a cycle', cycle);
        return true;
      }
      if (state[k] === 0 && visit(k)) return true;
    }
    stack.pop();
    state[i] = 2;
    return false;
  };
  for (let i = 0; i < ops.length; i++) if (state[i] === 0 && visit(i)) return;
}
