import { describe, expect, it } from 'vitest';
import { describeReport, runSoak } from '../../infra/local/soak';

// The short version of `npm run soak` (60 s, 64 connections, 1,000 posts): same code, smaller numbers.
describe('the local stack under load while posts are uploaded', () => {
  it('answers every request without a 5xx or a connection error, and loses no post from any feed', {
    timeout: 60_000,
  }, async () => {
    const options = { seconds: 5, connections: 16, posts: 100 };
    const report = await runSoak(options);
    expect(report.errors, describeReport(report, options)).toBe(0);
    expect(report.unexpected).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.errorLogs).toEqual([]);
    expect(report.requests).toBeGreaterThan(100);
    expect(report.statuses['304'] ?? 0).toBeGreaterThan(0);
    expect(report.statuses['301'] ?? 0).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  });
});
