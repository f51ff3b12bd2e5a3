import { liquid, type CompiledText } from './liquid.js';

/**
 * The variables a template may use where it stands, for a check that covers every branch (the
 * sample renders only see the branches the samples take). `null` means any property is fine
 * (label and annotation maps, lists); a set lists the properties an object has.
 */
export type ScopeShape = ReadonlyMap<string, ReadonlySet<string> | null>;

/** Objects whose properties are fixed, so a misspelt property is caught too. */
const FIXED_OBJECTS = new Set(['group', 'embed', 'alert', 'acknowledgement']);

export function shapeOf(scope: object, extra: readonly string[] = []): ScopeShape {
  const shape = new Map<string, ReadonlySet<string> | null>();
  for (const [name, value] of Object.entries(scope) as Array<[string, unknown]>) {
    shape.set(name, FIXED_OBJECTS.has(name) && value && typeof value === 'object' ? new Set(Object.keys(value)) : null);
  }
  for (const name of extra) shape.set(name, null);
  return shape;
}

const list = (names: Iterable<string>): string => [...names].sort().join(', ');

/** Throws a TemplateError at the first variable the scope does not have. */
export function checkVariables(text: CompiledText, shape: ScopeShape): void {
  const { globals } = liquid.analyzeSync(text.template, { partials: false });
  for (const variables of Object.values(globals)) {
    for (const variable of variables) {
      const [root, property] = variable.segments;
      if (typeof root !== 'string') continue;
      const at = { position: text.origin.positionInside(text.path, variable.location.row, variable.location.col) };
      if (!shape.has(root)) {
        throw text.origin.error(text.path, `unknown variable "${root}"; here you can use: ${list(shape.keys())}`, at);
      }
      const properties = shape.get(root);
      if (properties && typeof property === 'string' && !properties.has(property)) {
        throw text.origin.error(text.path, `unknown variable "${root}.${property}"; ${root} has: ${list(properties)}`, at);
      }
    }
  }
}
