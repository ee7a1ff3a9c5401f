import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appImageProgram, builtVersions, imageTag, resolveAppImage } from '../../../src/devcluster/apps/index.js';
import { kafkaRuntime } from '../../../src/devcluster/apps/kafka.js';
import type { AppRuntime } from '../../../src/devcluster/apps/runtime.js';

describe('app runtimes in the image map', () => {
  it.each([
    ['apache/kafka:4.4.0', 'kafka', '4.4.0'],
    ['docker.io/apache/kafka:4.1.2', 'kafka', '4.1.2'],
    ['apache/kafka:v4.3.1', 'kafka', '4.3.1'],
    ['apache/kafka:latest', 'kafka', undefined],
    ['apache/kafka', 'kafka', undefined],
    ['apache/kafka:3.9.1', 'kafka', undefined],
  ])('%s is served by %s at version %s', (image, runtime, version) => {
    const app = resolveAppImage(image);
    expect(app?.runtime.name).toBe(runtime);
    expect(app?.version).toBe(version);
  });

  it.each(['bitnami/kafka:4.0.0', 'confluentinc/cp-kafka:7.9.0', 'busybox:1.36'])('%s is not an app image', (image) => {
    expect(resolveAppImage(image)).toBeUndefined();
  });

  it('reads the tag of an image reference', () => {
    expect(imageTag('registry:5000/apache/kafka:4.4.0')).toBe('4.4.0');
    expect(imageTag('registry:5000/apache/kafka')).toBe('latest');
    expect(imageTag('apache/kafka:4.4.0@sha256:abc')).toBe('4.4.0');
  });

  describe('with a cache', () => {
    let cache: string;
    const previous = process.env.CAPSTAN_CACHE_DIR;
    beforeEach(() => {
      cache = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-apps-'));
      process.env.CAPSTAN_CACHE_DIR = cache;
    });
    afterEach(() => {
      if (previous === undefined) delete process.env.CAPSTAN_CACHE_DIR;
      else process.env.CAPSTAN_CACHE_DIR = previous;
      fs.rmSync(cache, { recursive: true, force: true });
    });

    /** A runtime whose built versions are the folders holding a `built` file. */
    const fake: AppRuntime = {
      name: 'demo',
      repositories: ['example/demo'],
      prebuilt: ['2.0.0'],
      versionOf: (tag) => /^\d+\.\d+\.\d+$/.exec(tag)?.[0],
      isBuilt: async (v) => fs.existsSync(path.join(cache, 'apps', 'demo', v, 'built')),
      ensure: async () => {},
      program: (v) => ({ entrypoint: [`/bin/demo-${v}`] }),
    };
    const build = (v: string) => {
      fs.mkdirSync(path.join(cache, 'apps', 'demo', v), { recursive: true });
      fs.writeFileSync(path.join(cache, 'apps', 'demo', v, 'built'), '');
    };

    it('runs a built version, and names the built versions and the build command for one that is not', async () => {
      build('1.10.0');
      build('1.9.0');
      fs.mkdirSync(path.join(cache, 'apps', 'demo', '1.11.0'));
      expect(await builtVersions(fake)).toEqual(['1.9.0', '1.10.0']);
      const runs = await appImageProgram({ runtime: fake, version: '1.9.0', tag: '1.9.0' }, 'example/demo:1.9.0');
      expect(runs).toEqual({ program: { entrypoint: ['/bin/demo-1.9.0'] } });
      const missing = await appImageProgram({ runtime: fake, version: '1.11.0', tag: '1.11.0' }, 'example/demo:1.11.0');
      expect(missing).toEqual({ notBuilt: 'image "example/demo:1.11.0": demo 1.11.0 is not built on the local node (the cache holds demo 1.9.0, 1.10.0): build it with `capstan dev build --app demo@1.11.0`, or use a built version' });
      const untagged = await appImageProgram({ runtime: fake, version: undefined, tag: 'latest' }, 'example/demo');
      expect('notBuilt' in untagged && untagged.notBuilt).toContain('tag "latest" names no demo version the local node can build');
    });

    it('counts a Kafka version as built only when every jar it recorded is there at its size', async () => {
      const dir = path.join(cache, 'apps', 'kafka', '4.4.0');
      fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
      expect(await kafkaRuntime.isBuilt('4.4.0')).toBe(false);
      fs.writeFileSync(path.join(dir, 'lib', 'kafka_2.13-4.4.0.jar'), 'jar');
      fs.writeFileSync(path.join(dir, '.complete'), JSON.stringify({ jars: { 'kafka_2.13-4.4.0.jar': 3 } }));
      expect(await kafkaRuntime.isBuilt('4.4.0')).toBe(true);
      fs.writeFileSync(path.join(dir, 'lib', 'kafka_2.13-4.4.0.jar'), 'truncated?');
      expect(await kafkaRuntime.isBuilt('4.4.0')).toBe(false);
    });
  });
});
