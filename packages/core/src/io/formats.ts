/** File formats for import and export, chosen by extension. */
import { extname } from 'node:path';

import { UnsupportedFormatError } from '../errors.js';

export type FileFormat = 'parquet' | 'csv' | 'arrow';

const BY_EXTENSION: Record<string, FileFormat> = {
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.csv': 'csv',
  '.arrow': 'arrow',
  '.ipc': 'arrow',
  '.feather': 'arrow',
};

export function formatOf(path: string): FileFormat {
  const f = BY_EXTENSION[extname(path).toLowerCase()];
  if (!f) throw new UnsupportedFormatError(path, Object.keys(BY_EXTENSION).join(', '));
  return f;
}
