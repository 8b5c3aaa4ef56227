/**
 * The local stack on a data directory, in a process of its own, for tests that kill it:
 *
 *   tsx test/support/local-stack-child.ts DATA_DIR
 *
 * Prints one line of JSON once it serves ({ s3Endpoint, setAside }), then runs until killed.
 */
import { setLogSink } from '../../functions/adapters/logger';
import { startLocalStack } from '../../infra/local/local-stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
setLogSink(() => {});

startLocalStack({ dataDir: process.argv[2], port: 0, s3Port: 0, dynamoPort: 0 }).then(
  (stack) => console.log(JSON.stringify({ s3Endpoint: stack.s3Endpoint, setAside: stack.setAside })),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
