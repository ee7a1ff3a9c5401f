/**
 * `capstan synth` / `capstan verify` as a standalone program, for benchmarks and for running
 * the commands before (or without) the full CLI: `node <built>/cli.js synth`.
 */
import { Command } from 'commander';
import { registerSynthCommands } from '../../src/cli/commands/synth.js';

const program = new Command('capstan');
registerSynthCommands(program);
await program.parseAsync(process.argv);
