import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from './metrics.ts';

test('Prometheus text format for counters, gauges and cumulative histograms', () => {
  const r = new Registry();
  const c = r.add(new Counter('req_total', 'Requests.'));
  c.inc({ route: '/a', status: '200' });
  c.inc({ status: '200', route: '/a' });
  c.inc({ route: '/b"x', status: '404' });
  r.add(new Gauge('docs', 'Documents.', () => 42));
  const h = r.add(new Histogram('lat_seconds', 'Latency.', [0.1, 0.01]));
  h.observe({ route: '/a' }, 0.005);
  h.observe({ route: '/a' }, 0.05);
  h.observe({ route: '/a' }, 2);
  const text = r.render();
  assert.match(text, /# TYPE req_total counter\n/);
  assert.match(text, /^req_total\{route="\/a",status="200"\} 2$/m);
  assert.match(text, /^req_total\{route="\/b\\"x",status="404"\} 1$/m);
  assert.match(text, /^docs 42$/m);
  assert.match(text, /^lat_seconds_bucket\{route="\/a",le="0.01"\} 1$/m);
  assert.match(text, /^lat_seconds_bucket\{route="\/a",le="0.1"\} 2$/m);
  assert.match(text, /^lat_seconds_bucket\{route="\/a",le="\+Inf"\} 3$/m);
  assert.match(text, /^lat_seconds_count\{route="\/a"\} 3$/m);
  assert.match(text, /^lat_seconds_sum\{route="\/a"\} 2.055$/m);
});
