/**
 * `capstan apply` / `capstan diff` as a standalone program, for the apply benchmark:
 * bundled by bench/apply/run.ts and run as `node <bundle> apply <dir>`.
 */
import { Command } from 'commander';
import { registerApplyCommand } from '../../src/cli/commands/apply.js';
import { registerDiffCommand } from '../../src/cli/commands/diff.js';

const program = new Command('capstan');
registerApplyCommand(program);
registerDiffCommand(program);
await program.parseAsync(process.argv);
