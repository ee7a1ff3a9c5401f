import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProgressLog } from '../build.js';
import { acquireLock } from '../lock.js';
import { cacheRoot, projectRoot } from '../paths.js';
import type { ImageProgram } from '../node/images.js';
import { assembleKafka } from './kafka-assembly.js';
import { programClasses } from './kafka-image.js';
import type { AppRuntime } from './runtime.js';

const marker = '.complete';

/** Kafka's cache folder of one version: `~/.cache/capstan/apps/kafka/<version>/`. */
export function kafkaDir(version: string): string {
  return path.join(cacheRoot(), 'apps', 'kafka', version);
}

/** The command that runs one of Kafka `version`'s programs: the compiled launcher with the version's cache folder. */
export function kafkaLauncher(version: string): string[] {
  return [process.execPath, path.join(projectRoot(), 'lib', 'src', 'devcluster', 'apps', 'kafka-launch.js'), kafkaDir(version)];
}

/** A version is complete when its marker lists every jar at the size Maven wrote it. */
async function isComplete(dir: string): Promise<boolean> {
  try {
    const recorded = JSON.parse(await fs.readFile(path.join(dir, marker), 'utf8')) as { jars: Record<string, number> };
    const names = Object.keys(recorded.jars);
    if (names.length === 0) return false;
    for (const name of names) if ((await fs.stat(path.join(dir, 'lib', name))).size !== recorded.jars[name]) return false;
    return true;
  } catch {
    return false;
  }
}

/** `sh` runs what the launcher prints: the JVM replaces the shell, so it is the container's process. */
const execPrinted = 'command=$("$@") || exit $?; eval "exec $command"';

/**
 * Kafka (KRaft) brokers and tools for `apache/kafka:<version>` images, assembled from Maven Central.
 * Kafka 4 is the supported line: ZooKeeper is gone, and the dynamic controller quorum the operator
 * relies on (KIP-853) is there.
 */
export const kafkaRuntime: AppRuntime = {
  name: 'kafka',
  repositories: ['apache/kafka'],
  prebuilt: ['4.4.0'],

  versionOf(tag) {
    return /^v?(4\.\d+\.\d+)$/.exec(tag)?.[1];
  },

  isBuilt(version) {
    return isComplete(kafkaDir(version));
  },

  async ensure(version, log: ProgressLog) {
    const dir = kafkaDir(version);
    if (await isComplete(dir)) return;
    const lock = await acquireLock(`${dir}.lock`, (pid) => log(`another Capstan process (pid ${pid}) is assembling Kafka ${version}; waiting for it`));
    try {
      if (await isComplete(dir)) return;
      const started = Date.now();
      const out = `${dir}.partial`;
      await fs.rm(out, { recursive: true, force: true });
      if (existsSync(dir)) await fs.rm(dir, { recursive: true, force: true });
      log(`assembling Kafka ${version} from Maven Central into ${dir} (about 45 MB; later runs use the cache)`);
      await assembleKafka(version, out, path.join(cacheRoot(), 'apps', 'kafka', 'maven-repository'), log);
      const jars: Record<string, number> = {};
      for (const name of await fs.readdir(path.join(out, 'lib'))) jars[name] = (await fs.stat(path.join(out, 'lib', name))).size;
      await fs.writeFile(path.join(out, marker), JSON.stringify({ version, jars }, null, 2));
      await fs.rename(out, dir);
      log(`  Kafka ${version}: ${Object.keys(jars).length} jars, ${(Object.values(jars).reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB, ready in ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      await lock.release();
    }
  },

  program(version): ImageProgram {
    const launcher = kafkaLauncher(version);
    const run = (program: string) => ['/bin/sh', '-c', execPrinted, 'kafka', ...launcher, program];
    const programs: Record<string, string[]> = { run: run('run') };
    for (const name of Object.keys(programClasses)) programs[name] = run(name);
    return { entrypoint: run('run'), programs };
  },
};
