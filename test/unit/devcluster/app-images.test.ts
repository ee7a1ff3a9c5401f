import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAppImage, runtimeFor } from '../../../src/devcluster/apps/index.js';
import { etcdRuntime } from '../../../src/devcluster/apps/etcd.js';
import { kafkaRuntime } from '../../../src/devcluster/apps/kafka.js';
import { imageTag } from '../../../src/devcluster/node/images.js';

/** Lays out a complete cache entry for one etcd version, as a finished build leaves it. */
function fakeBuilt(cache: string, version: string): void {
  const dir = path.join(cache, 'apps', 'etcd', version);
  fs.mkdirSync(dir, { recursive: true });
  const sizes: Record<string, number> = {};
  for (const name of ['etcd', 'etcdctl', 'etcdutl']) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho ${name} ${version}\n`, { mode: 0o755 });
    sizes[name] = fs.statSync(path.join(dir, name)).size;
  }
  fs.writeFileSync(path.join(dir, '.complete'), JSON.stringify({ version, sizes }));
}

describe('etcd images on the local node', () => {
  let cache: string;
  const saved = process.env.CAPSTAN_CACHE_DIR;
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-apps-'));
    process.env.CAPSTAN_CACHE_DIR = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CAPSTAN_CACHE_DIR;
    else process.env.CAPSTAN_CACHE_DIR = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it.each([
    ['v3.6.16', '3.6.16'],
    ['3.7.3', '3.7.3'],
    ['v3.5.21', undefined],
    ['v3.8.0', undefined],
    ['latest', undefined],
    ['v3.6.16-rc.0', undefined],
    ['3.6.16-0', '3.6.16'],
  ])('tag %s names version %s', (tag, version) => {
    expect(etcdRuntime.versionOf(tag)).toBe(version);
  });

  it('serves etcd from any of its registries, and nothing else', () => {
    expect(runtimeFor('quay.io/coreos/etcd:v3.6.16')).toBe(etcdRuntime);
    expect(runtimeFor('gcr.io/etcd-development/etcd:v3.7.3')).toBe(etcdRuntime);
    expect(runtimeFor('registry.k8s.io/etcd:3.6.16-0')).toBe(etcdRuntime);
    expect(runtimeFor('busybox:1.36')).toBeUndefined();
    expect(imageTag('localhost:5000/etcd:v3.7.3')).toBe('v3.7.3');
    expect(imageTag('localhost:5000/etcd')).toBeUndefined();
  });

  it('runs the version the tag names from the cache, each image its own', async () => {
    fakeBuilt(cache, '3.6.16');
    fakeBuilt(cache, '3.7.3');
    const a = await resolveAppImage('quay.io/coreos/etcd:v3.6.16');
    const b = await resolveAppImage('gcr.io/etcd-development/etcd:v3.7.3');
    expect(a && 'program' in a && a.program.programs).toEqual({
      etcd: path.join(cache, 'apps/etcd/3.6.16/etcd'), etcdctl: path.join(cache, 'apps/etcd/3.6.16/etcdctl'), etcdutl: path.join(cache, 'apps/etcd/3.6.16/etcdutl'),
    });
    expect(b && 'program' in b && b.program.entrypoint).toEqual([path.join(cache, 'apps/etcd/3.7.3/etcd')]);
  });

  it('never falls back to another version: an unbuilt tag says what is built and how to build it', async () => {
    fakeBuilt(cache, '3.6.16');
    const missing = await resolveAppImage('quay.io/coreos/etcd:v3.7.1');
    expect(missing && 'notBuilt' in missing && missing.notBuilt).toBe(
      'image "quay.io/coreos/etcd:v3.7.1" needs etcd 3.7.1, which is not built on this machine (built here: 3.6.16); build it with `capstan dev build --image quay.io/coreos/etcd:v3.7.1`',
    );
    const untagged = await resolveAppImage('etcd:latest');
    expect(untagged && 'notBuilt' in untagged && untagged.notBuilt).toMatch(/names no etcd version the local node can build \(built here: 3\.6\.16\); use a release tag such as v3\.7\.3/);
  });

  it('takes a half-written cache entry for not built', async () => {
    fakeBuilt(cache, '3.6.16');
    fs.appendFileSync(path.join(cache, 'apps/etcd/3.6.16/etcd'), 'truncated?');
    expect(await etcdRuntime.isBuilt('3.6.16')).toBe(false);
    const result = await resolveAppImage('etcd:v3.6.16');
    expect(result && 'notBuilt' in result).toBe(true);
  });
});

describe('Kafka images on the local node', () => {
  it.each([
    ['apache/kafka:4.4.0', '4.4.0'],
    ['docker.io/apache/kafka:4.1.2', '4.1.2'],
    ['apache/kafka:v4.3.1', '4.3.1'],
    ['apache/kafka:latest', undefined],
    ['apache/kafka:3.9.1', undefined],
  ])('%s is served by the kafka runtime at version %s', (image, version) => {
    const runtime = runtimeFor(image);
    expect(runtime?.name).toBe('kafka');
    const tag = imageTag(image);
    expect(tag === undefined ? undefined : runtime!.versionOf(tag)).toBe(version);
  });

  it.each(['bitnami/kafka:4.0.0', 'confluentinc/cp-kafka:7.9.0', 'busybox:1.36'])('%s is not an app image', (image) => {
    expect(runtimeFor(image)).toBeUndefined();
  });

  describe('with a cache', () => {
    let cache: string;
    const saved = process.env.CAPSTAN_CACHE_DIR;
    beforeEach(() => {
      cache = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-apps-'));
      process.env.CAPSTAN_CACHE_DIR = cache;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.CAPSTAN_CACHE_DIR;
      else process.env.CAPSTAN_CACHE_DIR = saved;
      fs.rmSync(cache, { recursive: true, force: true });
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
