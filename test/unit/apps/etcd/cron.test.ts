import { describe, expect, it } from 'vitest';
import { CronError, nextRun, parseCron } from '../../../../apps/etcd/operator/cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, from: string) => new Date(nextRun(parseCron(expr), at(from))).toISOString();

describe('cron schedules (UTC)', () => {
  it.each([
    ['0 3 * * *', '2026-12-02T05:00:00Z', '2026-12-03T03:00:00.000Z'],
    ['*/15 * * * *', '2026-12-02T05:07:30Z', '2026-12-02T05:15:00.000Z'],
    ['0 0 1 * *', '2026-12-31T23:59:59Z', '2027-01-01T00:00:00.000Z'],
    ['30 2 * * 0', '2026-12-02T00:00:00Z', '2026-12-06T02:30:00.000Z'],
    ['30 2 * * 7', '2026-12-02T00:00:00Z', '2026-12-06T02:30:00.000Z'],
    ['0 12 15 * 1', '2026-12-02T00:00:00Z', '2026-12-07T12:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['*/20 * * * * *', '2026-12-02T05:00:05Z', '2026-12-02T05:00:20.000Z'],
    ['0 9-17/4 * * 1-5', '2026-12-05T10:00:00Z', '2026-12-07T09:00:00.000Z'],
  ])('%s after %s is %s', (expr, from, expected) => {
    expect(next(expr, from)).toBe(expected);
  });

  it('is strictly after the time given', () => {
    expect(next('0 3 * * *', '2026-12-02T03:00:00Z')).toBe('2026-12-03T03:00:00.000Z');
  });

  it.each([
    ['0 3 * *', /has 4 fields/],
    ['61 * * * *', /minute "61" is outside 0-59/],
    ['* 3-1 * * *', /hour "3-1"/],
    ['* * * * mon', /day-of-week "mon"/],
  ])('refuses %s, naming the field', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronError);
    expect(() => parseCron(expr)).toThrow(message);
  });

  it('refuses a day that never comes', () => {
    expect(() => nextRun(parseCron('0 0 31 2 *'), at('2026-01-01T00:00:00Z'))).toThrow(/31 February/);
  });
});
