/**
 * Cron schedules in UTC: five fields (minute hour day-of-month month day-of-week), or six with a
 * leading seconds field. Each field is `*`, a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a
 * comma list of those; day-of-week 0 and 7 are Sunday. As in cron, when both day fields are
 * restricted a day matching either one matches.
 */

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

/** A schedule that does not parse; the message says which field and why. */
export class CronError extends Error {}

function field(text: string, min: number, max: number, what: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(`${what} "${part}" is not *, a number, a range a-b or a step */n`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new CronError(`${what} "${part}" is outside ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; throws {@link CronError} naming the field that is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new CronError(`"${expression}" has ${parts.length} fields; a schedule has five (minute hour day-of-month month day-of-week), or six with seconds first`);
  const [sec, min, hour, dom, mon, dow] = parts.length === 6 ? parts : ['0', ...parts];
  const weekdays = field(dow!, 0, 7, 'day-of-week');
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    seconds: field(sec!, 0, 59, 'second'),
    minutes: field(min!, 0, 59, 'minute'),
    hours: field(hour!, 0, 23, 'hour'),
    days: field(dom!, 1, 31, 'day-of-month'),
    months: field(mon!, 1, 12, 'month'),
    weekdays,
    daysRestricted: dom !== '*',
    weekdaysRestricted: dow !== '*',
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  if (s.daysRestricted && s.weekdaysRestricted) return dom || dow;
  return dom && dow;
}

/** The first time strictly after `after` that the schedule names (epoch ms), searched up to five years ahead. */
export function nextRun(s: CronSchedule, after: number): number {
  const t = new Date(Math.floor(after / 1000) * 1000 + 1000);
  const limit = after + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
    } else if (!s.seconds.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1);
    } else {
      return t.getTime();
    }
  }
  throw new CronError('the schedule names no time in the next five years (a day that never comes, such as 31 February)');
}
