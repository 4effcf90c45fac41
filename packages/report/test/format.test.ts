import { describe, expect, it } from 'vitest';
import { formatBytes, formatChange, formatMBps, formatMiB, formatMs, formatRam, formatRatio, formatRows, shortSha } from '../src/format.js';

describe('format', () => {
  it('formats throughput with SI units', () => {
    expect([formatMBps(400), formatMBps(231.579), formatMBps(41.25), formatMBps(1000), formatMBps(2345)]).toEqual([
      '400 MB/s', '232 MB/s', '41.3 MB/s', '1.00 GB/s', '2.35 GB/s',
    ]);
  });

  it('formats times, bytes, RAM and rows', () => {
    expect([formatMs(0.35), formatMs(12), formatMs(1250)]).toEqual(['350 µs', '12.0 ms', '1.25 s']);
    expect([formatBytes(212), formatBytes(1_480_000), formatBytes(10_900_000)]).toEqual(['212 B', '1.48 MB', '10.9 MB']);
    expect([formatRam(8 * 2 ** 30), formatRam(15.6 * 2 ** 30)]).toEqual(['8 GiB', '15.6 GiB']);
    expect([formatMiB(687 * 2 ** 20), formatMiB(43_888_912), formatMiB(1.5 * 2 ** 20)]).toEqual(['687 MiB', '41.9 MiB', '1.50 MiB']);
    expect([100_000, 500_000, 1_000_000, 2_500_000, 10_000_000, 1234].map(formatRows)).toEqual(['100K', '500K', '1M', '2.5M', '10M', '1,234']);
  });

  it('formats ratios, changes and shas', () => {
    expect([formatRatio(2.5), formatChange(-0.2), formatChange(0.045)]).toEqual(['2.50×', '−20.0%', '+4.5%']);
    expect([shortSha('7e8d9c0b1a2f'), shortSha('7e8d9c0b1a2f-dirty')]).toEqual(['7e8d9c0', '7e8d9c0-dirty']);
  });
});
