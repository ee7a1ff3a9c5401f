import type { Healthcheck } from './props.js';

/** A container probe as the pod spec writes it. */
export type Probe = Record<string, unknown>;

/** Readiness, liveness and (with a start period) startup probes from one Compose-style healthcheck. */
export function probesOf(check: Healthcheck, firstPort: number | undefined, fail: (field: string, detail: string) => never): { readinessProbe: Probe; livenessProbe: Probe; startupProbe?: Probe } {
  const kinds = [check.http, check.tcp, check.command].filter((k) => k !== undefined).length;
  if (kinds !== 1) fail('healthcheck', 'give exactly one of http, tcp or command');
  let action: Probe;
  if (check.http) {
    if (!check.http.path.startsWith('/')) fail('healthcheck.http.path', `"${check.http.path}" must start with /`);
    const port = check.http.port ?? firstPort;
    if (port === undefined) fail('healthcheck.http.port', 'give a port, or list one in ports');
    action = { httpGet: { path: check.http.path, port } };
  } else if (check.tcp !== undefined) {
    action = { tcpSocket: { port: check.tcp } };
  } else {
    if (check.command!.length === 0) fail('healthcheck.command', 'must not be empty');
    action = { exec: { command: [...check.command!] } };
  }
  const periodSeconds = positive(check.interval ?? 10, 'healthcheck.interval', fail);
  const timeoutSeconds = positive(check.timeout ?? 5, 'healthcheck.timeout', fail);
  const failureThreshold = positive(check.retries ?? 3, 'healthcheck.retries', fail);
  const timing = { periodSeconds, timeoutSeconds, failureThreshold };
  const probes: { readinessProbe: Probe; livenessProbe: Probe; startupProbe?: Probe } = {
    readinessProbe: { ...action, ...timing },
    livenessProbe: { ...action, ...timing },
  };
  const start = check.startPeriod ?? 0;
  if (start < 0 || !Number.isInteger(start)) fail('healthcheck.startPeriod', 'must be a whole number of seconds, 0 or more');
  if (start > 0) {
    // Liveness only starts once the startup probe succeeded, so a slow start is never killed.
    probes.startupProbe = { ...action, periodSeconds, timeoutSeconds, failureThreshold: Math.ceil(start / periodSeconds) + failureThreshold };
  }
  return probes;
}

function positive(value: number, field: string, fail: (field: string, detail: string) => never): number {
  if (!Number.isInteger(value) || value < 1) fail(field, `must be a whole number of 1 or more, got ${value}`);
  return value;
}
