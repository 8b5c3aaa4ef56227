import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './websub-hub';

export const NGINX = '/usr/sbin/nginx';

/** One request that reached the origin through the cache. */
export interface OriginRequest {
  at: number;
  /** Path and query, as the cache asked. */
  target: string;
  /** The coding the cache asked for (its normalised Accept-Encoding). */
  acceptEncoding: string;
  conditional: boolean;
  status: number;
}

/**
 * A shared HTTP cache in front of the local stack, configured as the stack's CloudFront cache
 * policy is: the key is the path, the query strings the routes read (`before`, `infoCode`, `to`)
 * and the normalised Accept-Encoding (br, else gzip, else none), no cookies or other headers;
 * freshness from the origin's `Cache-Control` (`s-maxage` first); expired entries revalidated
 * with the ETag; concurrent misses for one key collapsed into one origin request. nginx (Debian's
 * nginx-light) plays the edge; a counting proxy between it and the origin records what reaches
 * the origin.
 */
export interface SharedCache {
  url: string;
  originRequests: OriginRequest[];
  stop(): Promise<void>;
}

export async function startSharedCache(originUrl: string): Promise<SharedCache> {
  if (!existsSync(NGINX))
    throw new Error(`nginx is not installed at ${NGINX}: run \`apt-get install -y nginx-light\` (npm test does)`);
  const originRequests: OriginRequest[] = [];
  const origin = new URL(originUrl);
  const counter: Server = createServer((incoming, outgoing) => {
    const forwarded = request(
      {
        host: origin.hostname,
        port: origin.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        originRequests.push({
          at: Date.now(),
          target: incoming.url ?? '',
          acceptEncoding: String(incoming.headers['accept-encoding'] ?? ''),
          conditional: incoming.headers['if-none-match'] !== undefined,
          status: answer.statusCode ?? 0,
        });
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => counter.once('listening', resolve));
  const counterPort = (counter.address() as AddressInfo).port;

  const dir = await mkdtemp(join(tmpdir(), 'shared-cache-'));
  await mkdir(join(dir, 'cache'));
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), nginxConfig(dir, port, counterPort));
  const nginx: ChildProcess = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  nginx.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null)
      throw new Error(
        `nginx exited (${nginx.exitCode}): ${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`,
      );
    try {
      await fetch(`${url}/robots.txt`);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url}: ${String(error)} ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  originRequests.length = 0;
  return {
    url,
    originRequests,
    async stop() {
      nginx.kill('SIGTERM');
      if (nginx.exitCode === null) await new Promise((resolve) => nginx.once('exit', resolve));
      await new Promise((resolve) => counter.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function nginxConfig(dir: string, port: number, originPort: number): string {
  return `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  proxy_cache_path ${join(dir, 'cache')} levels=1:2 keys_zone=edge:10m max_size=256m inactive=10m use_temp_path=off;

  # CloudFront's normalised Accept-Encoding with gzip and brotli enabled in the cache policy.
  map $http_accept_encoding $edge_coding {
    "~*(^|[\\s,])br($|[\\s,;])" br;
    "~*(^|[\\s,])gzip($|[\\s,;])" gzip;
    default "";
  }

  upstream origin {
    server 127.0.0.1:${originPort};
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Accept-Encoding $edge_coding;
      # No viewer cookies or other headers reach the origin or the key.
      proxy_set_header Cookie "";
      proxy_cache edge;
      proxy_cache_key "$uri|$arg_before|$arg_infoCode|$arg_to|$edge_coding";
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      # While one request revalidates an expired entry, others get the entry it is replacing
      # (CloudFront, too, sends one request per object to the origin at a time).
      proxy_cache_use_stale updating;
      proxy_cache_methods GET HEAD;
      # The coding is in the key already, normalised as CloudFront does; nginx would otherwise
      # match Vary against each reader's own Accept-Encoding text and refetch on every new one.
      proxy_ignore_headers Vary;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
}
