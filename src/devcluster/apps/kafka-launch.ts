/**
 * The local node's stand-in for the `apache/kafka` image's programs. Run as
 * `node kafka-launch.js <cache dir> <program> [args…]`, it prepares what the program needs and prints
 * the `java …` command line, shell-quoted, for `sh` to `exec`: the JVM then is the container's process,
 * with its signals and exit code, and no launcher stays behind it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jvmFlags, programClasses, propertiesFromEnv, renderProperties, shellQuote } from './kafka-image.js';

/** Where the image reads a mounted server.properties from; the environment's properties are appended to it. */
const mountedConfig = '/mnt/shared/config/server.properties';

function fail(message: string, code = 1): never {
  process.stderr.write(`capstan kafka: ${message}\n`);
  process.exit(code);
}

function findJava(env: NodeJS.ProcessEnv): string {
  const candidates = env.JAVA_HOME ? [path.join(env.JAVA_HOME, 'bin', 'java')] : [];
  for (const dir of (env.PATH ?? '').split(':')) if (dir) candidates.push(path.join(dir, 'java'));
  const found = candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) fail('Java 17 or newer is needed to run apache/kafka images on the local node and no `java` is on PATH (nor JAVA_HOME): install a JDK (Debian: apt-get install openjdk-17-jdk-headless)', 127);
  return found;
}

function javaCommand(java: string, dir: string, program: string, args: string[]): string[] {
  const entry = programClasses[program];
  if (!entry) fail(`the apache/kafka image has no program "${program}" on the local node; known: ${Object.keys(programClasses).join(', ')}`, 127);
  const log4j = path.join(dir, entry.kind === 'server' ? 'log4j2.properties' : 'tools-log4j2.properties');
  return [java, ...jvmFlags(process.env, entry.kind, log4j), '-cp', path.join(dir, 'lib', '*'), entry.mainClass, ...args];
}

/** The image's default command: properties from the environment, storage formatted when CLUSTER_ID is set, then the broker. */
function imageRun(java: string, dir: string): string[] {
  const base = fs.existsSync(mountedConfig) ? fs.readFileSync(mountedConfig, 'utf8').replace(/\n?$/, '\n') : '';
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-kafka-')), 'server.properties');
  fs.writeFileSync(config, base + renderProperties(propertiesFromEnv(process.env)));
  const clusterId = process.env.CLUSTER_ID;
  if (clusterId) {
    // --ignore-formatted: a volume formatted before is kept as it is, as the image tolerates "already formatted".
    const [cmd, ...rest] = javaCommand(java, dir, 'kafka-storage.sh', ['format', '--ignore-formatted', '--cluster-id', clusterId, '--config', config]);
    const result = spawnSync(cmd!, rest, { stdio: ['ignore', 2, 2] });
    if (result.status !== 0) fail(`formatting the storage of ${config} failed (exit code ${result.status ?? result.signal})`, result.status ?? 1);
  }
  return javaCommand(java, dir, 'kafka-server-start.sh', [config]);
}

const [dir, program, ...args] = process.argv.slice(2);
if (!dir || !program) fail('usage: kafka-launch <cache dir> <program> [args…]', 2);
if (!fs.existsSync(path.join(dir, 'lib'))) fail(`the Kafka runtime in ${dir} is missing its lib/ folder: run \`capstan dev build\` again`, 127);
const java = findJava(process.env);
const argv = program === 'run' ? imageRun(java, dir) : javaCommand(java, dir, program, args);
process.stdout.write(argv.map(shellQuote).join(' ') + '\n');
