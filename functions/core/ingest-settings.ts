import { isTimeZone } from './post-date';
import { ConfigError } from './settings';

/** How ingest treats uploads. Read once, at cold start, by the ingest function and the CLI tools. */
export interface IngestSettings {
  /** Largest file accepted as a post, bytes. */
  maxPostBytes: number;
  /** Host names whose `<iframe>`s bodies may keep (e.g. `www.youtube.com`); none by default. */
  iframeHosts: string[];
  /** Host names of the site this one replaces: body links to them are made this site's own where it serves the path. */
  legacyHosts: string[];
  /** TIME_ZONE: the IANA zone of dates written without an offset (over the site _config.yml's `timezone`). */
  timeZone?: string;
}

export const DEFAULT_INGEST_SETTINGS: IngestSettings = {
  maxPostBytes: 1024 * 1024,
  iframeHosts: [],
  legacyHosts: [],
};

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Reads ingest settings from environment-style variables, naming the variable in any refusal. */
export function readIngestSettings(
  env: Record<string, string | undefined>,
  names: { maxPostBytes: string; iframeHosts: string; legacyHosts: string; timeZone?: string },
): IngestSettings {
  const maxText = env[names.maxPostBytes]?.trim();
  let maxPostBytes = DEFAULT_INGEST_SETTINGS.maxPostBytes;
  if (maxText) {
    maxPostBytes = Number(maxText);
    // Above 4 MiB a post could not be stored anyway (DynamoDB items hold 400 KB).
    if (!Number.isInteger(maxPostBytes) || maxPostBytes < 1024 || maxPostBytes > 4 * 1024 * 1024) {
      throw new ConfigError(
        `${names.maxPostBytes} must be a whole number of bytes from 1024 to 4194304, not "${maxText}"`,
      );
    }
  }
  const iframeHosts = hostNames(env, names.iframeHosts, 'www.youtube.com');
  const legacyHosts = hostNames(env, names.legacyHosts, 'finews.zning.xyz');
  const timeZone = names.timeZone ? env[names.timeZone]?.trim() : undefined;
  if (timeZone && !isTimeZone(timeZone)) {
    throw new ConfigError(`${names.timeZone} must be a time zone name such as Asia/Shanghai, not "${timeZone}"`);
  }
  return { maxPostBytes, iframeHosts, legacyHosts, ...(timeZone ? { timeZone } : {}) };
}

function hostNames(env: Record<string, string | undefined>, name: string, example: string): string[] {
  const hosts = (env[name] ?? '')
    .split(/[\s,]+/)
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  for (const host of hosts) {
    if (!HOST_NAME.test(host))
      throw new ConfigError(
        `${name} must list host names such as ${example}, separated by commas; "${host}" is not one`,
      );
  }
  return [...new Set(hosts)];
}
