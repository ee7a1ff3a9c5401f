import { describe, expect, it } from 'vitest';
import { jvmFlags, programClasses, propertiesFromEnv, propertyName, renderProperties, shellQuote } from '../../../src/devcluster/apps/kafka-image.js';

describe('the apache/kafka image environment convention', () => {
  it.each([
    ['KAFKA_NODE_ID', 'node.id'],
    ['KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS', 'controller.quorum.bootstrap.servers'],
    ['KAFKA_FOO__BAR___BAZ', 'foo_bar-baz'],
    ['KAFKA_LISTENER_NAME_INTERNAL_SSL_KEYSTORE_LOCATION', 'listener.name.internal.ssl.keystore.location'],
  ])('%s becomes the property %s', (variable, property) => {
    expect(propertyName(variable)).toBe(property);
  });

  it('turns KAFKA_* variables into properties, leaving the option variables and everything else out', () => {
    const props = propertiesFromEnv({ KAFKA_NODE_ID: '1', KAFKA_HEAP_OPTS: '-Xmx256m', KAFKA_OPTS: '-Dx=y', KAFKA_LOG4J_ROOT_LOGLEVEL: 'WARN', CLUSTER_ID: 'abc', PATH: '/bin', KAFKA_LOG_DIRS: '/data' });
    expect(props).toEqual({ 'log.dirs': '/data', 'node.id': '1' });
    expect(renderProperties(props)).toBe('log.dirs=/data\nnode.id=1\n');
  });

  it('builds the JVM flags from KAFKA_HEAP_OPTS and KAFKA_OPTS, with the scripts\' defaults otherwise', () => {
    const server = jvmFlags({}, 'server', '/c/log4j2.properties');
    expect(server.slice(0, 2)).toEqual(['-Xmx1G', '-Xms1G']);
    expect(server).toContain('-XX:+UseG1GC');
    expect(server).toContain('-Dlog4j2.configurationFile=/c/log4j2.properties');
    const tuned = jvmFlags({ KAFKA_HEAP_OPTS: '-Xms256m  -Xmx256m', KAFKA_OPTS: '-Da=1 -Db=2' }, 'server', '/c/l');
    expect(tuned.slice(0, 2)).toEqual(['-Xms256m', '-Xmx256m']);
    expect(tuned.slice(-2)).toEqual(['-Da=1', '-Db=2']);
    expect(jvmFlags({}, 'tool', '/c/t')[0]).toBe('-Xmx256M');
  });

  it('maps every program of the image to a main class', () => {
    expect(programClasses['kafka-server-start.sh']).toEqual({ mainClass: 'kafka.Kafka', kind: 'server' });
    expect(programClasses['kafka-storage.sh']!.mainClass).toBe('kafka.tools.StorageTool');
    expect(programClasses['kafka-metadata-quorum.sh']!.mainClass).toBe('org.apache.kafka.tools.MetadataQuorumCommand');
  });

  it('quotes arguments so the shell hands them to exec unchanged', () => {
    expect(shellQuote("it's $(here)")).toBe(`'it'\\''s $(here)'`);
  });
});
