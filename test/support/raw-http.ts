import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers keep every value. */
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte as given: a request target or Host header that
 * fetch and node:http refuse to send (CR/LF, backslashes, raw control characters) goes out
 * unchanged. Answers what the server wrote back, or throws if it wrote nothing parseable.
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Array<[string, string]> = [],
): Promise<RawResponse> {
  const head = [
    `${method} ${target} HTTP/1.1`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: the server closes the connection after its answer (Connection: close).
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(head, 'utf8')));
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${target.slice(0, 80)}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(text: string): RawResponse {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) throw new Error(`incomplete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status: Number(status[1]), headers, body: text.slice(headEnd + 4) };
}
