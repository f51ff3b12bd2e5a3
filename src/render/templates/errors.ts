/** Where in a template file something is, 1-based. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * A template that cannot be used, with the file, the line and the problem:
 * `templates/mine.yml:12:9: firing.embeds[0].title: undefined variable: alrt`.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    readonly file: string,
    readonly position: SourcePosition | undefined,
    readonly problem: string,
  ) {
    super(position ? `${file}:${position.line}:${position.column}: ${problem}` : `${file}: ${problem}`);
  }

  get line(): number | undefined {
    return this.position?.line;
  }
}

/** "firing.embeds[0].title" for ['firing', 'embeds', 0, 'title']. */
export function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
