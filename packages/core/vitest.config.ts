import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@armillaria/source'] },
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/s3/global-setup.ts'],
    testTimeout: 60_000,
  },
});
