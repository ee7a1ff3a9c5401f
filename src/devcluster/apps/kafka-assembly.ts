import fs from 'node:fs/promises';
import path from 'node:path';
import type { ProgressLog } from '../build.js';
import { exec } from '../exec.js';

/** The log4j2 binding Kafka needs: its POMs bring slf4j-api 1.7 and log4j-core but no binding, so every log would go nowhere. */
export const log4jBinding = { artifact: 'org.apache.logging.log4j:log4j-slf4j-impl', version: '2.25.5' };

/** The `maven-dependency-plugin` that copies the classpath, pinned so a new default cannot change the output. */
const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** A POM whose runtime dependencies are a broker and its tools: `kafka_2.13`, `kafka-tools` without connect-runtime (only `connect-plugin-path` needs it) and the log binding. */
export function kafkaPom(version: string): string {
  const [group, artifact] = log4jBinding.artifact.split(':');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.capstan.local</groupId><artifactId>kafka-runtime</artifactId><version>${version}</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version>
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${log4jBinding.version}</version></dependency>
  </dependencies>
</project>
`;
}

/** The logging of brokers (stdout, INFO) and tools (stderr, WARN): Maven ships the jars but no log4j2 configuration. */
export function log4jConfig(kind: 'server' | 'tool'): string {
  return [
    'status = warn',
    'appender.console.type = Console',
    'appender.console.name = STDOUT',
    `appender.console.target = ${kind === 'server' ? 'SYSTEM_OUT' : 'SYSTEM_ERR'}`,
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d] %p %m (%c)%n',
    `rootLogger.level = ${kind === 'server' ? 'INFO' : 'WARN'}`,
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    '',
  ].join('\n');
}

async function requireTool(command: string, args: string[], what: string): Promise<void> {
  const result = await exec(command, args).catch(() => undefined);
  if (!result || result.code !== 0) {
    throw new Error(`${what} is needed to assemble Kafka from Maven Central and \`${command}\` was not found on PATH: install it (Debian: apt-get install openjdk-17-jdk-headless maven)`);
  }
}

/**
 * Copies Kafka `version`'s runtime classpath from Maven Central into `out/lib` with
 * `mvn dependency:copy-dependencies`, using `repository` as Maven's local repository, and writes the
 * log4j2 configurations beside it. Prints a line every 15 s while Maven works.
 */
export async function assembleKafka(version: string, out: string, repository: string, log: ProgressLog): Promise<void> {
  await requireTool('java', ['-version'], 'Java 17 or newer');
  await requireTool('mvn', ['--version'], 'Maven');
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'pom.xml'), kafkaPom(version));
  const started = Date.now();
  const ticker = setInterval(() => log(`    still resolving Kafka ${version} from Maven Central (${Math.round((Date.now() - started) / 1000)} s elapsed)`), 15_000);
  const result = await exec('mvn', ['-B', '-ntp', '-f', path.join(out, 'pom.xml'), `-Dmaven.repo.local=${repository}`, `${dependencyPlugin}:copy-dependencies`,
    '-DincludeScope=runtime', `-DoutputDirectory=${path.join(out, 'lib')}`]).finally(() => clearInterval(ticker));
  if (result.code !== 0) {
    const errors = result.stdout.split('\n').filter((l) => l.startsWith('[ERROR]')).slice(0, 15).join('\n');
    throw new Error(`assembling Kafka ${version} from Maven Central failed (mvn exit code ${result.code}); is ${version} a released Kafka version?\n${errors}`);
  }
  await fs.writeFile(path.join(out, 'log4j2.properties'), log4jConfig('server'));
  await fs.writeFile(path.join(out, 'tools-log4j2.properties'), log4jConfig('tool'));
  const jars = await fs.readdir(path.join(out, 'lib'));
  if (!jars.some((j) => j.startsWith('kafka_2.13-'))) throw new Error(`Maven copied no kafka_2.13 jar for Kafka ${version} into ${out}/lib`);
}
