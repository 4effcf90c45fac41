/**
 * Classes that only some of the apache-arrow versions core accepts as its peer export. Core imports
 * them through here, when a column of such a type occurs, so that it loads with every version in
 * its peer range (a named import of a missing export fails the whole module at load).
 */
import * as arrow from 'apache-arrow';

/** A class that only newer apache-arrow versions export (21.2: the view types and LargeList). */
export function since<K extends 'BinaryView' | 'Utf8View' | 'LargeList'>(name: K): (typeof arrow)[K] {
  const cls = (arrow as Partial<typeof arrow>)[name];
  if (!cls) throw new TypeError(`this apache-arrow has no ${name} type`);
  return cls as (typeof arrow)[K];
}
