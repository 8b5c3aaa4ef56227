import { ENV } from '../config-names';
import { readSettings, type Settings } from '../core/settings';

/** Fails fast, naming the variable, when a required setting is missing. */
export function requireEnv(name: string, env: Record<string, string | undefined> = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function settingsFromEnv(env: Record<string, string | undefined> = process.env): Settings {
  return readSettings(env, {
    siteUrl: ENV.siteUrl,
    title: ENV.siteTitle,
    description: ENV.siteDescription,
    language: ENV.siteLanguage,
    idAuthority: ENV.idAuthority,
    feedLength: ENV.feedLength,
    feedMaxBytes: ENV.feedMaxBytes,
    maxAgeSeconds: ENV.maxAgeSeconds,
    archiveMaxAgeSeconds: ENV.archiveMaxAgeSeconds,
    edgeMaxAgeSeconds: ENV.edgeMaxAgeSeconds,
    feedVersionCacheMs: ENV.feedVersionCacheMs,
    websubHub: ENV.websubHub,
    feedAliases: ENV.feedAliases,
    displayNames: ENV.displayNames,
    robots: ENV.robots,
    timeZone: ENV.timeZone,
  });
}
