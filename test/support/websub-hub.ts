import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A WebSub hub on a free port that records the topic of every publish ping in `pings`, and, as a
 * real hub does, can fetch each topic when pinged (`onPing`).
 */
export async function startHub(
  pings: string[],
  onPing?: (topic: string) => Promise<void>,
): Promise<{ hub: Server; hubUrl: string }> {
  const hub = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      if (request.method === 'POST' && form.get('hub.mode') === 'publish') {
        const topic = form.get('hub.url')!;
        pings.push(topic);
        void onPing?.(topic);
      }
      response.writeHead(204).end();
    });
  }).listen(0, '127.0.0.1');
  await once(hub, 'listening');
  return { hub, hubUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/` };
}

/** A port free a moment ago, for a server whose address must be known before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
