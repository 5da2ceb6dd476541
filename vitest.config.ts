import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Subprocess-heavy suites (helm, servers) on a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
    env: {
      // The CLI under test must never pick up the developer's cluster or cloud.
      KUBECONFIG: '/nonexistent/kubeconfig',
    },
  },
});
