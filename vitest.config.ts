import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // e2e tests start real anvil processes and child nodes; two cores, so keep files moderately parallel
    fileParallelism: true,
    maxWorkers: 2,
  },
})
