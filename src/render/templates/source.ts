import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';
import { TemplateError, pathText, type SourcePosition } from './errors.js';

export type YamlPath = ReadonlyArray<string | number>;

/** A template file as parsed, able to say where any value in it is. */
export class TemplateSource {
  private textLines: string[] | undefined;

  private constructor(
    readonly file: string,
    private readonly text: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML; a syntax error becomes a TemplateError at its line. */
  static parse(file: string, text: string): { source: TemplateSource; value: unknown } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: true, uniqueKeys: true });
    const [error] = doc.errors;
    if (error) {
      const at = error.linePos?.[0];
      const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new TemplateError(file, at ? { line: at.line, column: at.col } : undefined, `invalid YAML: ${message}`);
    }
    const source = new TemplateSource(file, text, doc, lines);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (cause) {
      throw new TemplateError(file, undefined, `invalid YAML: ${(cause as Error).message}`);
    }
    return { source, value };
  }

  /** An error about the value at `path`, or the key `key` inside it, or a given spot in it. */
  error(path: YamlPath, problem: string, at: { key?: string; position?: SourcePosition | undefined } = {}): TemplateError {
    const where = path.length > 0 ? `${pathText(path)}: ` : '';
    return new TemplateError(this.file, at.position ?? this.positionOf(path, at.key), `${where}${problem}`);
  }

  /** Where the value at `path` starts; for a missing value, where its nearest parent starts. */
  positionOf(path: YamlPath, key?: string): SourcePosition | undefined {
    const { node } = this.find(path);
    const target = key !== undefined && isMap(node) ? (this.pairOf(node, key)?.keyNode ?? node) : node;
    const offset = target?.range?.[0];
    return offset === undefined ? undefined : this.at(offset);
  }

  /**
   * Where Liquid's line and column inside the string at `path` are in the file: exact for
   * literal blocks (`|`) and one-line strings; folded text (`>`, multi-line flow strings) is
   * mapped line by line as if each line break were one space.
   */
  positionInside(path: YamlPath, row: number, column: number): SourcePosition | undefined {
    const { node, complete } = this.find(path);
    if (!complete || !isScalar(node) || !node.range || typeof node.value !== 'string') return this.positionOf(path);
    const valueLines = node.value.split('\n');
    let offset = column - 1;
    for (let index = 0; index < row - 1; index += 1) offset += (valueLines[index]?.length ?? 0) + 1;
    const start = this.at(node.range[0]);
    const end = this.at(node.range[1]);
    const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    const quote = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
    // The source lines holding the text, each with the column its text starts at.
    const lines: Array<{ line: number; column: number; length: number }> = [];
    const first = block ? start.line + 1 : start.line;
    const indent = block ? (/^ */.exec(this.lineText(first))?.[0].length ?? 0) : 0;
    for (let line = first; line <= Math.max(first, end.line); line += 1) {
      const text = this.lineText(line);
      const from = block ? Math.min(indent, text.length) : line === start.line ? start.column - 1 + quote : (/^\s*/.exec(text)?.[0].length ?? 0);
      lines.push({ line, column: from + 1, length: text.length - from });
    }
    for (const each of lines) {
      if (offset <= each.length) return { line: each.line, column: each.column + offset };
      offset -= each.length + 1;
    }
    return start;
  }

  private at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private lineText(line: number): string {
    this.textLines ??= this.text.split('\n');
    return this.textLines[line - 1] ?? '';
  }

  /** The node at `path`, following aliases and merge keys, or the deepest one on the way. */
  private find(path: YamlPath): { node: Node | undefined; complete: boolean } {
    let node = this.resolve(this.doc.contents);
    for (const part of path) {
      let next: Node | undefined;
      if (typeof part === 'number' && isSeq(node)) next = node.items[part] as Node | undefined;
      if (typeof part === 'string' && isMap(node)) next = this.pairOf(node, part)?.valueNode;
      if (!next) return { node, complete: false };
      node = this.resolve(next);
    }
    return { node, complete: true };
  }

  private pairOf(map: Node, key: string): { keyNode: Node | undefined; valueNode: Node | undefined } | undefined {
    if (!isMap(map)) return undefined;
    for (const pair of map.items) {
      const keyNode = pair.key as Node | undefined;
      if (isScalar(keyNode) && keyNode.value === key) return { keyNode, valueNode: (pair.value as Node | null) ?? undefined };
    }
    // `<<: *anchor` merges another map's keys into this one.
    for (const pair of map.items) {
      const keyNode = pair.key as Node | undefined;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'symbol') continue;
      const merged = this.resolve((pair.value as Node | null) ?? undefined);
      const sources = isSeq(merged) ? merged.items.map((item) => this.resolve(item as Node)) : [merged];
      for (const source of sources) {
        const found = source ? this.pairOf(source, key) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  }

  private resolve(node: Node | null | undefined): Node | undefined {
    let current = node ?? undefined;
    for (let hops = 0; isAlias(current) && hops < 100; hops += 1) current = current.resolve(this.doc);
    return current;
  }
}
