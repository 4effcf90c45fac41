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

/** The file extensions import and export know (lower case, with the dot). */
export const TABLE_FILE_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

export function formatOf(path: string): FileFormat {
  const f = BY_EXTENSION[extname(path).toLowerCase()];
  if (!f) throw new UnsupportedFormatError(path, TABLE_FILE_EXTENSIONS.join(', '));
  return f;
}
