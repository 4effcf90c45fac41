/**
 * A SQL WHERE condition as a `Filter` (filter.ts), for `armillaria delete --where`: comparisons
 * (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`), `IN (...)`, `NOT IN (...)`, `BETWEEN a AND b`,
 * `IS [NOT] NULL`, `AND`, `OR`, `NOT` and parentheses, with SQL's precedence. Literals: numbers
 * (integers beyond 2^53 as bigints), 'strings' ('' escapes a quote), TRUE, FALSE, DATE '...' and
 * TIMESTAMP '...'. Column names are bare words or "double quoted". Keywords in any case.
 *
 * ```ts
 * parseWhere("value < 0.04 AND (city = 'Oslo' OR id IN (1, 2))")
 * ```
 */
import { InvalidArgumentError } from '../errors.js';
import type { CompareOp, Filter, Scalar } from './filter.js';

type Token = { kind: 'word' | 'name' | 'string' | 'number' | 'symbol'; text: string; at: number };

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|'((?:[^']|'')*)'|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|<>|!=|==|[=<>(),-]))/y;
const OPS: Record<string, CompareOp> = { '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** The filter a WHERE condition means. @throws {InvalidArgumentError} naming what is wrong and where */
export function parseWhere(text: string): Filter {
  const tokens = tokenize(text);
  let pos = 0;
  const fail = (what: string): never => {
    const at = tokens[pos]?.at ?? text.length;
    throw new InvalidArgumentError(`where: ${what} at position ${at + 1} of ${JSON.stringify(text)}`);
  };
  const peek = (word?: string) => {
    const t = tokens[pos];
    return word === undefined ? t : t && (t.kind === 'word' ? t.text.toUpperCase() === word : t.kind === 'symbol' && t.text === word) ? t : undefined;
  };
  const take = (word: string) => (peek(word) ? tokens[pos++] : undefined);
  const expect = (word: string) => take(word) ?? fail(`expected ${word}`);

  const or = (): Filter => {
    const parts = [and()];
    while (take('OR')) parts.push(and());
    return parts.length === 1 ? parts[0]! : { or: parts };
  };
  const and = (): Filter => {
    const parts = [not()];
    while (take('AND')) parts.push(not());
    return parts.length === 1 ? parts[0]! : { and: parts };
  };
  const not = (): Filter => (take('NOT') ? { not: not() } : primary());
  const primary = (): Filter => {
    if (take('(')) {
      const inner = or();
      expect(')');
      return inner;
    }
    const column = name();
    if (take('IS')) {
      const negated = take('NOT') !== undefined;
      expect('NULL');
      return { column, op: negated ? 'is not null' : 'is null' };
    }
    const negated = take('NOT') !== undefined;
    if (take('IN')) {
      expect('(');
      const values = [literal()];
      while (take(',')) values.push(literal());
      expect(')');
      const filter: Filter = { column, op: 'in', values };
      return negated ? { not: filter } : filter;
    }
    if (take('BETWEEN')) {
      const low = literal();
      expect('AND');
      const filter: Filter = { and: [{ column, op: '>=', value: low }, { column, op: '<=', value: literal() }] };
      return negated ? { not: filter } : filter;
    }
    if (negated) fail('expected IN or BETWEEN after NOT');
    const op = tokens[pos]?.kind === 'symbol' ? OPS[tokens[pos]!.text] : undefined;
    if (!op) fail(`expected a comparison after column "${column}"`);
    pos++;
    return { column, op: op!, value: literal() };
  };
  const name = (): string => {
    const t = tokens[pos];
    if (!t || (t.kind !== 'word' && t.kind !== 'name')) return fail('expected a column name');
    pos++;
    return t.text;
  };
  const literal = (): Scalar => {
    const sign = take('-') ? -1 : 1;
    const t = tokens[pos++];
    if (t?.kind === 'number') return number(t.text, sign);
    if (sign < 0) return fail('expected a number after -');
    if (t?.kind === 'string') return t.text;
    const word = t?.kind === 'word' ? t.text.toUpperCase() : undefined;
    if (word === 'TRUE' || word === 'FALSE') return word === 'TRUE';
    if (word === 'DATE' || word === 'TIMESTAMP') {
      const value = tokens[pos++];
      const date = value?.kind === 'string' ? new Date(word === 'DATE' ? `${value.text}T00:00:00Z` : value.text) : undefined;
      if (!date || Number.isNaN(date.getTime())) return fail(`expected a ${word.toLowerCase()} in quotes after ${word}`);
      return date;
    }
    pos--;
    return fail('expected a value (a number, \'string\', TRUE, FALSE, DATE \'...\' or TIMESTAMP \'...\')');
  };

  if (tokens.length === 0) fail('empty condition');
  const filter = or();
  if (pos < tokens.length) fail(`unexpected ${JSON.stringify(tokens[pos]!.text)}`);
  return filter;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      const at = start + (text.slice(start).length - text.slice(start).trimStart().length);
      throw new InvalidArgumentError(`where: unexpected ${JSON.stringify(text[at])} at position ${at + 1} of ${JSON.stringify(text)}`);
    }
    const at = start + m[0].length - m[0].trimStart().length;
    if (m[1] !== undefined) tokens.push({ kind: 'number', text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2].replaceAll("''", "'"), at });
    else if (m[3] !== undefined) tokens.push({ kind: 'name', text: m[3].replaceAll('""', '"'), at });
    else if (m[4] !== undefined) tokens.push({ kind: 'word', text: m[4], at });
    else tokens.push({ kind: 'symbol', text: m[5]!, at });
  }
  return tokens;
}

/** An integer literal stays exact: a bigint when a double cannot hold it. */
function number(text: string, sign: number): number | bigint {
  if (/^\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return BigInt(text) * BigInt(sign);
  return sign * Number(text);
}
