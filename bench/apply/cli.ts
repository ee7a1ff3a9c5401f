/**
 * `capstan apply` / `capstan diff` as a standalone program, for the apply benchmark:
 * bundled by bench/apply/run.ts and run as `node <bundle> apply <dir>`.
 */
import { Command } from 'commander';
import { registerApplyCommands } from '../../src/cli/commands/apply.js';

const program = new Command('capstan');
registerApplyCommands(program);
await program.parseAsync(process.argv);
