import { parser } from '@prometheus-io/lezer-promql';
import { parseDuration } from '../util/duration.js';
import type { Unit } from './units.js';

/**
 * PromQL read with the Prometheus project's own grammar (the one its web UI uses), never with
 * regular expressions: an alert's expression split into the line to draw and its threshold, and
 * syntax errors located for the person who typed them.
 */

/** A node of the grammar's syntax tree. */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type Comparison = '>' | '<' | '>=' | '<=' | '==' | '!=';

export interface Threshold {
  value: number;
  /** How the line compares against it: `>` means the alert fires above the threshold. */
  comparison: Comparison;
}

/** What to draw for an expression: the query for the line, its threshold if any, its unit. */
export interface ChartQuery {
  /** The expression to query over time: the left side of `… > 80`, else the expression itself. */
  query: string;
  threshold: Threshold | undefined;
  unit: Unit;
}

export class PromqlSyntaxError extends Error {
  override readonly name = 'PromqlSyntaxError';
  constructor(
    message: string,
    /** 0-based offset into the expression. */
    readonly offset: number,
    /** 1-based line and column, as Prometheus reports them. */
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const COMPARISONS: Readonly<Record<string, Comparison>> = { Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', Eql: '==', Neq: '!=' };
/** `80 < x` is `x > 80` seen from the other side. */
const MIRRORED: Readonly<Record<Comparison, Comparison>> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=', '==': '==', '!=': '!=' };

/** Parses `expression` and throws PromqlSyntaxError at the first place the grammar cannot read. */
export function parsePromql(expression: string): SyntaxNode {
  if (expression.trim() === '') throw syntaxError(expression, 0, 'the expression is empty');
  const tree = parser.parse(expression);
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw syntaxError(expression, cursor.from, describeUnexpected(expression, cursor.from));
  } while (cursor.next());
  return tree.topNode;
}

/**
 * The chart for an alert's expression: a top-level comparison against a number (`… > 80`,
 * `0.1 > …`) draws the other side as the line and the number as a threshold; anything else is
 * drawn as it is. A `bool` comparison yields 0 or 1 rather than filtering, so it is drawn as is.
 */
export function chartQueryFor(expression: string): ChartQuery {
  const root = parsePromql(expression);
  const top = unwrapParens(root.firstChild);
  const whole: ChartQuery = { query: expression.trim(), threshold: undefined, unit: unitOfExpression(top, expression) };
  if (top?.name !== 'BinaryExpr' || top.getChild('BoolModifier')) return whole;
  const left = top.firstChild;
  const operator = left?.nextSibling;
  const right = top.lastChild;
  if (!left || !operator || !right) return whole;
  const comparison = COMPARISONS[operator.name];
  if (comparison === undefined) return whole;
  const rightNumber = numberLiteral(right, expression);
  const leftNumber = numberLiteral(left, expression);
  if (rightNumber !== undefined && leftNumber === undefined) return sideWithThreshold(left, expression, { value: rightNumber, comparison });
  if (leftNumber !== undefined && rightNumber === undefined) return sideWithThreshold(right, expression, { value: leftNumber, comparison: MIRRORED[comparison] });
  return whole;
}

function sideWithThreshold(side: SyntaxNode, expression: string, threshold: Threshold): ChartQuery {
  return { query: expression.slice(side.from, side.to).trim(), threshold, unit: unitOfExpression(unwrapParens(side), expression) };
}

function unwrapParens(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current?.name === 'ParenExpr') current = current.firstChild;
  return current;
}

/** The value of a number literal (`90`, `1e3`, `0x10`, `-5`, `Inf`, a duration in seconds), or undefined. */
export function numberLiteral(node: SyntaxNode, expression: string): number | undefined {
  const inner = unwrapParens(node);
  if (!inner) return undefined;
  if (inner.name === 'UnaryExpr') {
    const operand = inner.lastChild;
    const sign = inner.firstChild?.name === 'UnaryOp' && expression.slice(inner.from, inner.from + 1) === '-' ? -1 : 1;
    const value = operand ? numberLiteral(operand, expression) : undefined;
    return value === undefined ? undefined : sign * value;
  }
  if (inner.name !== 'NumberDurationLiteral') return undefined;
  return numberValue(expression.slice(inner.from, inner.to));
}

function numberValue(text: string): number | undefined {
  const signed = text.startsWith('-') || text.startsWith('+');
  const unsigned = signed ? text.slice(1) : text;
  const sign = text.startsWith('-') ? -1 : 1;
  const lower = unsigned.toLowerCase();
  if (lower === 'inf') return sign * Number.POSITIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const plain = Number(unsigned);
  if (unsigned !== '' && !Number.isNaN(plain)) return sign * plain;
  // PromQL reads a duration where a number is expected as its seconds (`x > 5m`).
  const ms = parseDuration(unsigned);
  return ms === undefined ? undefined : (sign * ms) / 1000;
}

function syntaxError(expression: string, offset: number, what: string): PromqlSyntaxError {
  const before = expression.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return new PromqlSyntaxError(`${line}:${column}: parse error: ${what}`, offset, line, column);
}

/** The grammar marks where it stopped; say what it found there, as Prometheus' own parser does. */
function describeUnexpected(expression: string, offset: number): string {
  const rest = expression.slice(offset).trimStart();
  if (rest === '') return 'unexpected end of input';
  const token = [...rest][0] ?? '';
  return `unexpected ${JSON.stringify(token)}`;
}

/** Functions whose result has the unit of their (first vector) argument. */
const UNIT_KEEPING = new Set([
  'Abs', 'AvgOverTime', 'Ceil', 'Clamp', 'ClampMax', 'ClampMin', 'Delta', 'Floor', 'HistogramQuantile', 'Idelta', 'Increase',
  'LabelJoin', 'LabelReplace', 'LastOverTime', 'MaxOverTime', 'MinOverTime', 'PredictLinear', 'QuantileOverTime', 'Round',
  'Sort', 'SortDesc', 'SumOverTime', 'Scalar',
]);
/** Functions that turn a counter into its change per second. */
const PER_SECOND = new Set(['Rate', 'Irate', 'Deriv']);
const UNIT_KEEPING_AGGREGATIONS = new Set(['Sum', 'Avg', 'Max', 'Min', 'Topk', 'Bottomk', 'Quantile', 'LimitK', 'LimitRatio']);

/**
 * The unit an expression's values are in, read from the tree: metric name suffixes (the
 * Prometheus naming convention: `_bytes`, `_seconds`, `_ratio`), carried through functions and
 * aggregations, `rate` of bytes is bytes per second and of seconds a ratio, a quotient of two
 * like quantities is a ratio, and a ratio times 100 is a percentage.
 */
export function unitOfExpression(node: SyntaxNode | null, expression: string): Unit {
  if (!node) return 'none';
  switch (node.name) {
    case 'PromQL':
    case 'ParenExpr':
    case 'MatrixSelector':
    case 'SubqueryExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
    case 'UnaryExpr':
      return unitOfExpression(firstExpression(node), expression);
    case 'VectorSelector': {
      const name = node.getChild('Identifier');
      return name ? unitOfMetric(expression.slice(name.from, name.to)) : 'none';
    }
    case 'FunctionCall':
      return unitOfFunction(node, expression);
    case 'AggregateExpr': {
      const op = node.getChild('AggregateOp')?.firstChild?.name ?? '';
      if (!UNIT_KEEPING_AGGREGATIONS.has(op)) return 'none';
      return unitOfExpression(node.getChild('FunctionCallBody')?.lastChild ?? null, expression);
    }
    case 'BinaryExpr':
      return unitOfBinary(node, expression);
    default:
      return 'none';
  }
}

function unitOfMetric(name: string): Unit {
  if (name.endsWith('_bytes') || name.endsWith('_bytes_total')) return 'bytes';
  if (name.endsWith('_seconds') || name.endsWith('_seconds_total')) return 'seconds';
  if (name.endsWith('_ratio')) return 'ratio';
  if (name.endsWith('_percent')) return 'percent';
  return 'none';
}

function unitOfFunction(node: SyntaxNode, expression: string): Unit {
  const name = node.getChild('FunctionIdentifier')?.firstChild?.name ?? '';
  const args = childrenOf(node.getChild('FunctionCallBody')).filter((child) => child.name !== 'StringLiteral' && numberLiteral(child, expression) === undefined);
  const argument = unitOfExpression(args[0] ?? null, expression);
  if (PER_SECOND.has(name)) return argument === 'bytes' ? 'bytes/s' : argument === 'seconds' ? 'ratio' : 'none';
  return UNIT_KEEPING.has(name) ? argument : 'none';
}

function unitOfBinary(node: SyntaxNode, expression: string): Unit {
  const left = node.firstChild;
  const operator = left?.nextSibling?.name ?? '';
  const right = node.lastChild;
  if (!left || !right) return 'none';
  const leftNumber = numberLiteral(left, expression);
  const rightNumber = numberLiteral(right, expression);
  const leftUnit = unitOfExpression(left, expression);
  const rightUnit = unitOfExpression(right, expression);
  if (COMPARISONS[operator] !== undefined || operator === 'And' || operator === 'Unless') return leftNumber === undefined ? leftUnit : rightUnit;
  if (operator === 'Mul') {
    const factor = leftNumber ?? rightNumber;
    const other = leftNumber === undefined ? leftUnit : rightUnit;
    if (factor === undefined) return 'none';
    return factor === 100 && (other === 'ratio' || other === 'none') ? 'percent' : other;
  }
  if (operator === 'Div') {
    if (rightNumber !== undefined) return leftUnit;
    return leftUnit !== 'none' && leftUnit === rightUnit ? 'ratio' : 'none';
  }
  if (operator === 'Add' || operator === 'Sub' || operator === 'Or') {
    if (leftNumber !== undefined) return rightUnit;
    if (rightNumber !== undefined) return leftUnit;
    return leftUnit === rightUnit ? leftUnit : 'none';
  }
  return 'none';
}

function childrenOf(node: SyntaxNode | null): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = node?.firstChild ?? null; child; child = child.nextSibling) children.push(child);
  return children;
}

/** The first child that is an expression rather than a keyword, an operator or a duration. */
function firstExpression(node: SyntaxNode): SyntaxNode | null {
  return node.name === 'UnaryExpr' ? node.lastChild : node.firstChild;
}
