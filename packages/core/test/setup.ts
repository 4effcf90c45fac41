import type { Table } from 'apache-arrow';
import { expect } from 'vitest';

/** `expect(a).toEqualTable(b)`: same schema (types, nullability, metadata) and the same values. */
expect.extend({
  toEqualTable(received: Table, expected: Table) {
    const a = JSON.stringify(received.schema.fields.map(String)) + JSON.stringify([...received.schema.metadata]);
    const b = JSON.stringify(expected.schema.fields.map(String)) + JSON.stringify([...expected.schema.metadata]);
    if (a !== b) return { pass: false, message: () => `schemas differ:\n  got      ${a}\n  expected ${b}` };
    if (received.numRows !== expected.numRows) {
      return { pass: false, message: () => `row counts differ: got ${received.numRows}, expected ${expected.numRows}` };
    }
    for (let i = 0; i < expected.numRows; i++) {
      const x = stringify(received.get(i)?.toJSON());
      const y = stringify(expected.get(i)?.toJSON());
      if (x !== y) return { pass: false, message: () => `row ${i} differs:\n  got      ${x}\n  expected ${y}` };
    }
    return { pass: true, message: () => 'tables are equal' };
  },
});

function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));
}

declare module 'vitest' {
  interface Assertion {
    toEqualTable(expected: Table): void;
  }
}
