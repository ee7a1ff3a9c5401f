import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { leaderElectEnabled, leaderElectOption } from '../../../src/cli/options.js';

/** What `--leader-elect` parses to with `args` and CAPSTAN_LEADER_ELECTION set to `env` (unset when undefined). */
function parse(args: string[], env: string | undefined): boolean {
  if (env === undefined) delete process.env['CAPSTAN_LEADER_ELECTION'];
  else process.env['CAPSTAN_LEADER_ELECTION'] = env;
  const cmd = new Command().exitOverride().addOption(leaderElectOption());
  cmd.parse(['node', 'capstan', ...args]);
  return leaderElectEnabled(cmd.opts<{ leaderElect?: boolean | string }>().leaderElect);
}

describe('--leader-elect', () => {
  afterEach(() => delete process.env['CAPSTAN_LEADER_ELECTION']);

  it.each([
    [[], undefined, false],
    [['--leader-elect'], undefined, true],
    [['--leader-elect', 'false'], undefined, false],
    [[], 'true', true],
    [[], 'false', false],
  ] as const)('reads %j with CAPSTAN_LEADER_ELECTION=%s as %s', (args, env, enabled) => {
    expect(parse([...args], env)).toBe(enabled);
  });

  it('refuses a value that is neither true nor false', () => {
    expect(() => parse([], 'yes')).toThrow(/CAPSTAN_LEADER_ELECTION is "yes": use true or false/);
  });
});
