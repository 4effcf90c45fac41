import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@armillaria/source'] },
  test: {
    name: 'native',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Deterministic pool size for the addon (read once, when its rayon pool starts).
    env: { ARMILLARIA_THREADS: '2' },
  },
});
