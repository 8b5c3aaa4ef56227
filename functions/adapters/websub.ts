import type { StructuredLogger } from './logger';

const PING_TIMEOUT_MS = 5000;

/**
 * Tells a WebSub hub that topics changed (`hub.mode=publish`), one request per topic. A
 * failed ping is logged, not retried: the post is already published, and subscribers still
 * see it at their next poll.
 */
export async function notifyHub(hub: string, topics: string[], log: StructuredLogger): Promise<void> {
  await Promise.all(
    topics.map(async (topic) => {
      try {
        const response = await fetch(hub, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
          signal: AbortSignal.timeout(PING_TIMEOUT_MS),
        });
        if (!response.ok) log.warn('WebSub hub refused a ping', { hub, topic, status: response.status });
      } catch (error) {
        log.warn('WebSub hub unreachable', { hub, topic, error: String(error) });
      }
    }),
  );
}
