'use strict';
// One Lambda execution environment for test/deployed (./lambda.ts starts it): loads a function's
// bundle as Lambda's Node.js runtime does (require from the asset folder, which is the working
// directory, with nothing else on the module path) and calls its handler once per JSON event read
// on stdin, one at a time. Replies go to file descriptor 3, one JSON line each, so that whatever
// the function logs on stdout and stderr stays its own.
//
//   → stdin: {"id": 1, "event": {...}, "deadlineMs": 1700000000000}
//   ← fd 3:  {"type": "ready"} once loaded, or {"type": "init-error", "error": {name, message}}
//            {"id": 1, "type": "result", "result": ...} or {"id": 1, "type": "error", "error": {name, message}}
//
// A crash (an uncaught exception, running out of heap, process.exit) ends this process, and the
// parent reports the invocation as died; a timeout is the parent killing it.
const { Socket } = require('node:net');
const { createInterface } = require('node:readline');
const { randomUUID } = require('node:crypto');

const [, , bundle, exportName] = process.argv;
// A stream, not writeSync: a feed of a few hundred KB does not fit a pipe's buffer at once.
const replies = new Socket({ fd: 3, readable: false, writable: true });

function reply(message, then) {
  replies.write(`${JSON.stringify(message)}\n`, then);
}

function describe(error) {
  return {
    name: typeof error?.name === 'string' ? error.name : typeof error,
    message: typeof error?.message === 'string' ? error.message : String(error),
  };
}

let handler;
try {
  const loaded = require(bundle)[exportName];
  if (typeof loaded !== 'function') throw new TypeError(`${bundle} does not export a function ${exportName}`);
  handler = loaded;
} catch (error) {
  reply({ type: 'init-error', error: describe(error) }, () => process.exit(1));
}
if (handler) {
  reply({ type: 'ready' });
  serve();
}

// The context object Lambda passes as the second argument (the fields handlers read).
function context(deadlineMs) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

function serve() {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    const { id, event, deadlineMs } = JSON.parse(line);
    try {
      const result = await handler(event, context(deadlineMs));
      // Lambda answers JSON: what JSON.stringify keeps is what the caller gets (undefined is null).
      reply({ id, type: 'result', result: result === undefined ? null : result });
    } catch (error) {
      reply({ id, type: 'error', error: describe(error) });
    }
  });
  lines.on('close', () => process.exit(0));
}
