import { Command } from 'commander';
import { registerAgentCommand } from './commands/agent.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerBootstrapCommand } from './commands/bootstrap.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerDiffCommand } from './commands/diff.js';
import { registerDevCommands } from './commands/dev.js';
import { registerOperatorCommand } from './commands/operator.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerSynthCommands } from './commands/synth.js';

/** The `capstan` command line. */
export function buildProgram(): Command {
  const program = new Command('capstan')
    .description('distributed applications for Kubernetes as TypeScript constructs that carry their own operators')
    .version('0.1.0');
  registerAgentCommand(program);
  registerApplyCommand(program);
  registerBootstrapCommand(program);
  registerDashboardCommand(program);
  registerDiffCommand(program);
  registerDevCommands(program);
  registerOperatorCommand(program);
  registerSyncCommands(program);
  registerSynthCommands(program);
  return program;
}

buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`capstan: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
