import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A stand-in for SQS's SendMessage, as far as ingest calls it: the AWS JSON 1.0 protocol the
 * SDK speaks (POST /, `X-Amz-Target: AmazonSQS.SendMessage`, a JSON body with QueueUrl,
 * MessageBody and DelaySeconds), answered with a MessageId and the MD5 of the body, which the
 * SDK checks (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 * It records every message; it delivers nothing: a test invokes the function with the event
 * SQS would deliver.
 */

export interface SentMessage {
  target: string;
  queueUrl: string;
  body: string;
  delaySeconds: number | undefined;
}

export interface SqsStub {
  endpoint: string;
  /** A queue URL on the stand-in itself, so the SDK reaches it whether it uses the URL's host or the endpoint. */
  queueUrl: string;
  sent: SentMessage[];
  stop(): Promise<void>;
}

export async function startSqsStub(): Promise<SqsStub> {
  const sent: SentMessage[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are free-form JSON
    let input: any = {};
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {}
    sent.push({ target, queueUrl: input.QueueUrl, body: input.MessageBody, delaySeconds: input.DelaySeconds });
    if (target !== 'AmazonSQS.SendMessage') {
      response.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'InvalidAction;Sender',
      });
      return void response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: target }));
    }
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    response.end(
      JSON.stringify({
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash('md5')
          .update(String(input.MessageBody ?? ''), 'utf8')
          .digest('hex'),
      }),
    );
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/123456789012/PublishingStack-AnnouncementQueue`,
    sent,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
