import { Registry } from 'prom-client';
import { cellCounter, CounterCell, HotHistogram, LabelledCounter, readGauge } from './hot-metrics';

/** The sample lines of one metric in the text format. */
async function lines(registry: Registry, name: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(name));
}

describe('hot metrics', () => {
  it('formats a HotHistogram as cumulative buckets, +Inf, sum and count', async () => {
    const registry = new Registry();
    const h = new HotHistogram(registry, { name: 't_seconds', help: 'h' }, [0.5, 0.001, 0.01]);
    for (const v of [0.0005, 0.002, 0.002, 3]) h.observe(v);
    expect(await lines(registry, 't_seconds')).toEqual([
      't_seconds_bucket{le="0.001"} 1',
      't_seconds_bucket{le="0.01"} 3',
      't_seconds_bucket{le="0.5"} 3',
      't_seconds_bucket{le="+Inf"} 4',
      't_seconds_sum 3.0045',
      't_seconds_count 4',
    ]);
    expect((await registry.metrics()).includes('# TYPE t_seconds histogram')).toBe(true);
    registry.resetMetrics();
    expect(h.observations).toBe(0);
  });

  it('reads counters and gauges from plain fields when scraped', async () => {
    const registry = new Registry();
    const cell = new CounterCell();
    cellCounter(registry, { name: 't_total', help: 'c' }, cell);
    const byStatus = new LabelledCounter(registry, { name: 't_by_status_total', help: 'c' }, 'status', ['200', '503']);
    let sockets = 3;
    readGauge(registry, { name: 't_sockets', help: 'g' }, () => sockets, { nodeId: 'n1' });
    cell.inc();
    cell.inc(2);
    byStatus.cell('200').inc();
    byStatus.cell('404').inc();
    sockets = 7;
    expect(await lines(registry, 't_total')).toEqual(['t_total 3']);
    expect(await lines(registry, 't_by_status_total')).toEqual(['t_by_status_total{status="200"} 1', 't_by_status_total{status="503"} 0', 't_by_status_total{status="404"} 1']);
    expect(await lines(registry, 't_sockets')).toEqual(['t_sockets{nodeId="n1"} 7']);
    // a second scrape reports totals again, not increments
    expect(await lines(registry, 't_total')).toEqual(['t_total 3']);
  });

  it('binds each label value once', () => {
    const c = new LabelledCounter(new Registry(), { name: 'x_total', help: 'c' }, 'status');
    expect(c.cell('200')).toBe(c.cell('200'));
  });
});
