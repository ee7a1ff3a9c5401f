/** Structured log fields. */
export type LogFields = Record<string, unknown>;

/** What the runtime logs through; pass your own to the Manager to route logs elsewhere. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

const LEVELS = { debug: 10, info: 20, error: 30, silent: 100 } as const;
/** Log levels, least to most severe; `silent` logs nothing. */
export type LogLevel = keyof typeof LEVELS;

/** A logger that writes one JSON object per line to stderr, at `level` and above. */
export function jsonLogger(level: LogLevel = (process.env.CAPSTAN_LOG_LEVEL as LogLevel | undefined) ?? 'info', base: LogFields = {}): Logger {
  const min = LEVELS[level] ?? LEVELS.info;
  const write = (lvl: 'debug' | 'info' | 'error', msg: string, fields?: LogFields): void => {
    if (LEVELS[lvl] < min) return;
    const line: LogFields = { ts: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    if (line.error instanceof Error) line.error = line.error.message;
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    error: (m, f) => write('error', m, f),
    with: (f) => jsonLogger(level, { ...base, ...f }),
  };
}
