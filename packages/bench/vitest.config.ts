import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@armillaria/source'] },
  test: {
    name: 'bench',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
