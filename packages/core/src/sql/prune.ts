/**
 * Which chunks a query cannot need: the simple conditions of its WHERE clauses (a column compared
 * with a constant, BETWEEN, IN), read from DuckDB's own parse tree (`json_serialize_sql`), become
 * our filters (table/filter.ts) and rule chunks out by their statistics before DuckDB opens a file.
 *
 * Conservative by construction: a condition counts only when it is one of the AND-ed conditions of a
 * WHERE clause and its column belongs, beyond doubt, to a table named once in the whole query. Such a
 * condition is false or null for every row of a chunk its statistics rule out, whatever the joins
 * (an outer join's null-extended rows fail it too), so the query's answer cannot change. DuckDB then
 * prunes row groups inside the chunks it does open by their Parquet statistics.
 */
import { DataType, type Schema } from 'apache-arrow';

import { validateFilter, type CompareOp, type Filter, type Scalar } from '../table/filter.js';

type Node = Record<string, unknown>;

const OPS: Record<string, CompareOp> = {
  COMPARE_EQUAL: '=',
  COMPARE_LESSTHAN: '<',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};
const FLIPPED: Record<CompareOp, CompareOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * The filters that hold for every row the query reads of each table, keyed by table; `tree` is the
 * output of `json_serialize_sql`, `schemas` the tables of the snapshot (other names are views of the
 * query's own, such as CTEs, and never pruned).
 */
export function pruningFilters(tree: unknown, schemas: ReadonlyMap<string, Schema>): Map<string, Filter[]> {
  const mentions = new Map<string, number>();
  const selects: Node[] = [];
  walk(tree, (n) => {
    if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string' && !n.schema_name && !n.catalog_name) {
      mentions.set(n.table_name, (mentions.get(n.table_name) ?? 0) + 1);
    }
    if (n.type === 'SELECT_NODE') selects.push(n);
  });
  const ctes = new Set<string>();
  walk(tree, (n) => {
    const map = (n.cte_map as { map?: { key: string }[] } | undefined)?.map;
    for (const e of map ?? []) ctes.add(e.key);
  });
  const out = new Map<string, Filter[]>();
  for (const select of selects) {
    const from = fromTables(select.from_table as Node | undefined);
    if (!from) continue; // a subquery or table function in FROM: its columns are unknown here
    for (const cond of conjuncts(select.where_clause as Node | null)) {
      const found = asFilter(cond);
      if (!found) continue;
      const table = owner(found.qualifier, found.column, from, schemas);
      if (table === undefined || mentions.get(table) !== 1 || ctes.has(table)) continue;
      try {
        validateFilter(found.filter, schemas.get(table)!, table);
      } catch {
        continue; // a constant of another kind than the column: DuckDB casts, we do not guess
      }
      const filter = nanSafe(found.filter, schemas.get(table)!);
      if (filter) out.set(table, [...(out.get(table) ?? []), filter]);
    }
  }
  return out;
}

/**
 * DuckDB orders NaN above every number, so `x > c` holds for a NaN; our statistics leave NaN out of
 * min/max. On a floating-point column, `>` and `>=` therefore rule nothing out.
 */
function nanSafe(filter: Filter, schema: Schema): Filter | undefined {
  if ('and' in filter) {
    const kept = filter.and.map((f) => nanSafe(f, schema)).filter((f): f is Filter => f !== undefined);
    return kept.length > 0 ? { and: kept } : undefined;
  }
  if (!('column' in filter) || (filter.op !== '>' && filter.op !== '>=')) return filter;
  const type = schema.fields.find((f) => f.name === filter.column)?.type;
  return type && DataType.isFloat(type) ? undefined : filter;
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) for (const x of node) walk(x, visit);
  else if (node && typeof node === 'object') {
    visit(node as Node);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

/** The base tables of a FROM clause with their aliases, or undefined when it holds anything else. */
function fromTables(from: Node | undefined): { name: string; alias: string }[] | undefined {
  if (!from) return undefined;
  if (from.type === 'BASE_TABLE') return [{ name: from.table_name as string, alias: (from.alias as string) || (from.table_name as string) }];
  if (from.type === 'JOIN') {
    const left = fromTables(from.left as Node);
    const right = fromTables(from.right as Node);
    return left && right ? [...left, ...right] : undefined;
  }
  return undefined;
}

function conjuncts(where: Node | null): Node[] {
  if (!where) return [];
  if (where.type === 'CONJUNCTION_AND') return (where.children as Node[]).flatMap(conjuncts);
  return [where];
}

/** The table of a column reference: by its qualifier, else the one table of the FROM clause that has the column. */
function owner(qualifier: string | undefined, column: string, from: { name: string; alias: string }[], schemas: ReadonlyMap<string, Schema>): string | undefined {
  const has = (t: string) => schemas.get(t)?.fields.some((f) => f.name === column) ?? false;
  const candidates = qualifier === undefined ? from.filter((t) => has(t.name)) : from.filter((t) => t.alias === qualifier);
  if (candidates.length !== 1) return undefined;
  // An unqualified name also present in a relation we do not know (a view of the query's own) is ambiguous.
  if (qualifier === undefined && from.some((t) => !schemas.has(t.name))) return undefined;
  return has(candidates[0]!.name) ? candidates[0]!.name : undefined;
}

function column(n: Node): { qualifier?: string; column: string } | undefined {
  if (n.class !== 'COLUMN_REF') return undefined;
  const names = n.column_names as string[];
  if (names.length === 1) return { column: names[0]! };
  if (names.length === 2) return { qualifier: names[0]!, column: names[1]! };
  return undefined;
}

/** A constant as a filter value: integers, decimals, strings and booleans; others are left to DuckDB. */
function constant(n: Node): Scalar | undefined {
  if (n.class !== 'CONSTANT') return undefined;
  const v = n.value as { type: { id: string; type_info: { scale?: number } | null }; is_null: boolean; value: unknown };
  if (v.is_null) return undefined;
  switch (v.type.id) {
    case 'TINYINT': case 'SMALLINT': case 'INTEGER': case 'BIGINT': case 'DOUBLE': case 'FLOAT':
      return typeof v.value === 'number' && (Number.isSafeInteger(v.value) || !Number.isInteger(v.value)) ? v.value : undefined;
    case 'DECIMAL': {
      const scale = v.type.type_info?.scale ?? 0;
      return typeof v.value === 'number' && Number.isSafeInteger(v.value) && scale <= 15 ? v.value / 10 ** scale : undefined;
    }
    case 'VARCHAR':
      return typeof v.value === 'string' ? v.value : undefined;
    case 'BOOLEAN':
      return typeof v.value === 'boolean' ? v.value : undefined;
    default:
      return undefined;
  }
}

function asFilter(n: Node): { qualifier?: string; column: string; filter: Filter } | undefined {
  const op = OPS[n.type as string];
  if (op && n.class === 'COMPARISON') {
    const [l, r] = [n.left as Node, n.right as Node];
    const lc = column(l);
    const rc = column(r);
    if (lc) {
      const value = constant(r);
      return value === undefined ? undefined : { ...lc, filter: { column: lc.column, op, value } };
    }
    if (rc) {
      const value = constant(l);
      return value === undefined ? undefined : { ...rc, filter: { column: rc.column, op: FLIPPED[op], value } };
    }
    return undefined;
  }
  if (n.type === 'COMPARE_BETWEEN') {
    const c = column(n.input as Node);
    const [lo, hi] = [constant(n.lower as Node), constant(n.upper as Node)];
    if (!c || lo === undefined || hi === undefined) return undefined;
    return { ...c, filter: { and: [{ column: c.column, op: '>=', value: lo }, { column: c.column, op: '<=', value: hi }] } };
  }
  if (n.type === 'COMPARE_IN') {
    const [first, ...rest] = n.children as Node[];
    const c = first && column(first);
    const values = rest.map(constant);
    if (!c || values.some((v) => v === undefined)) return undefined;
    return { ...c, filter: { column: c.column, op: 'in', values: values as Scalar[] } };
  }
  return undefined;
}

/** A filter as SQL-like text, for EXPLAIN. */
export function describeFilter(f: Filter): string {
  if ('and' in f) return f.and.map(describeFilter).join(' AND ');
  if ('or' in f) return `(${f.or.map(describeFilter).join(' OR ')})`;
  if ('not' in f) return `NOT (${describeFilter(f.not)})`;
  const v = (x: Scalar) => (typeof x === 'string' ? `'${x}'` : String(x));
  if (f.op === 'in') return `${f.column} IN (${f.values.map(v).join(', ')})`;
  return 'value' in f ? `${f.column} ${f.op} ${v(f.value)}` : `${f.column} ${f.op.toUpperCase()}`;
}
