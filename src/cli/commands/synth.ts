import { relative } from 'node:path';
import type { Command } from 'commander';

interface SynthOptions {
  config: string;
  app?: string;
  output?: string;
  quiet?: boolean;
}

/**
 * `capstan synth` (run the cdk8s app in-process and write dist/) and `capstan verify` (fail,
 * naming the files, when the committed dist/ is not what the app synthesizes). The synth
 * module is loaded only when one of them runs, so other commands do not pay for it.
 */
export function registerSynthCommands(program: Command): void {
  const common = (cmd: Command): Command => cmd
    .option('-c, --config <file>', 'cdk8s configuration naming the app and output', 'cdk8s.yaml')
    .option('-a, --app <file>', 'entry module of the cdk8s app (overrides the config)')
    .option('-o, --output <dir>', 'output directory (overrides the config)');

  common(program.command('synth'))
    .description('synthesize the cdk8s app into the output directory (dist/), in-process and deterministically')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (opts: SynthOptions) => {
      const synth = await import('../../constructs/synth/index.js');
      const config = await synth.loadSynthConfig(opts.config, { app: opts.app, output: opts.output });
      const manifests = await synth.synthesize(config.app);
      const diff = await synth.writeDist(config.output, manifests);
      if (opts.quiet) return;
      const out = relative(process.cwd(), config.output) || '.';
      for (const path of manifests.keys()) process.stdout.write(`  ${out}/${path}${diff.changed.includes(path) || diff.missing.includes(path) ? ' (written)' : ''}\n`);
      for (const path of diff.extra) process.stdout.write(`  ${out}/${path} (removed)\n`);
    });

  common(program.command('verify'))
    .description('fail when the committed output directory (dist/) differs from what the app synthesizes')
    .action(async (opts: SynthOptions) => {
      const synth = await import('../../constructs/synth/index.js');
      const config = await synth.loadSynthConfig(opts.config, { app: opts.app, output: opts.output });
      const diff = await synth.diffDist(config.output, await synth.synthesize(config.app));
      const out = relative(process.cwd(), config.output) || '.';
      if (synth.isClean(diff)) {
        process.stdout.write(`${out}/ is up to date\n`);
        return;
      }
      const lines = [
        ...diff.changed.map((p) => `  ${out}/${p}: stale (differs from what the app synthesizes)`),
        ...diff.missing.map((p) => `  ${out}/${p}: missing`),
        ...diff.extra.map((p) => `  ${out}/${p}: no longer synthesized`),
      ];
      process.stderr.write(`${out}/ is stale; run \`capstan synth\` and commit the result:\n${lines.join('\n')}\n`);
      process.exitCode = 1;
    });
}
