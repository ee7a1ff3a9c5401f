import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps } from 'cdk8s';
import { DemoChart } from './demo/chart.js';
import { EtcdChart } from './etcd/chart.js';

/**
 * The repository's cdk8s app: every application this repository ships, one chart each.
 * `capstan synth` calls this in-process; `cdk8s synth` runs this file, which synthesizes
 * itself when it is the entry point.
 */
export function createApp(props: AppProps = {}): App {
  const app = new App(props);
  new DemoChart(app, 'demo', { namespace: 'capstan-demo' });
  new EtcdChart(app, 'etcd', { namespace: 'capstan-etcd' });
  return app;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  createApp().synth();
}
