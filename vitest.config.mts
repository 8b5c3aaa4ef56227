import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the Debian packages the browser and feed-reader tests use, when missing.
    globalSetup: ['test/setup/test-tools.ts'],
    env: {
      // The SDK warns on Node 20 at every client creation; tests run on Node 20 by design.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
