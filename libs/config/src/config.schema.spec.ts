import { ConfigError, fields, loadConfig, PushConfig } from './config.schema';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const expected: PushConfig = {
      redisUrl: 'redis://127.0.0.1:6379',
      redisCommandTimeoutMs: 2000,
      keyPrefix: 'push:',
      apiPort: 5001,
      gatewayPort: 8888,
      monitorPort: 5003,
      host: '0.0.0.0',
      publicUrl: null,
      gatewayPublicAddress: '127.0.0.1:8888',
      nodesPublicAddress: null,
      wsAuthTimeoutMs: 10_000,
      wsMaxPayloadBytes: 65_536,
      wsAllowedOrigins: [],
      wsPingIntervalMs: 25_000,
      wsMaxBufferedBytes: 1_048_576,
      drainSpreadMs: 3_000,
      streamMaxLen: 1000,
      streamMaxAgeS: 2_592_000,
      monitorPeriodMs: 10_000,
      monitorTimeoutMs: 5_000,
      pushUrlSecret: null,
      publishBurstPerPushUrl: 100,
      publishRatePerPushUrl: 2,
      publishBurstPerIp: 1000,
      publishRatePerIp: 500,
      failedAttemptsPerIp: 100,
      failedAttemptsWindowS: 60,
      maxSocketsPerIp: 1000,
      trustProxy: 0,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 20_000,
      httpKeepAliveTimeoutMs: 10_000,
      logLevel: 'log',
    };
    expect(loadConfig({})).toEqual(expected);
  });

  it('treats an empty variable as unset', () => {
    const empty = Object.fromEntries(Object.values(fields).map((f) => [f.env, '']));
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('reads every variable', () => {
    const cfg = loadConfig({
      REDIS_URL: 'redis://redis.internal:6380/2',
      REDIS_COMMAND_TIMEOUT_MS: '750',
      KEY_PREFIX: 'staging:',
      API_PORT: '6001',
      GATEWAY_PORT: '9888',
      MONITOR_PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://push.example.org/',
      GATEWAY_PUBLIC_ADDRESS: 'gw1.example.org:443',
      NODES_PUBLIC_ADDRESS: 'push.example.org:443',
      WS_AUTH_TIMEOUT_MS: '2000',
      WS_MAX_PAYLOAD_BYTES: '1024',
      WS_ALLOWED_ORIGINS: ' https://a.example , ,https://b.example,',
      WS_PING_INTERVAL_MS: '1000',
      WS_MAX_BUFFERED_BYTES: '4096',
      DRAIN_SPREAD_MS: '0',
      STREAM_MAX_LEN: '10',
      STREAM_MAX_AGE_S: '60',
      MONITOR_PERIOD_MS: '1000',
      MONITOR_TIMEOUT_MS: '500',
      PUSH_URL_SECRET: 's'.repeat(32),
      PUBLISH_BURST_PER_PUSH_URL: '10',
      PUBLISH_RATE_PER_PUSH_URL: '0',
      PUBLISH_BURST_PER_IP: '20',
      PUBLISH_RATE_PER_IP: '5',
      FAILED_ATTEMPTS_PER_IP: '7',
      FAILED_ATTEMPTS_WINDOW_S: '30',
      MAX_SOCKETS_PER_IP: '0',
      TRUST_PROXY: '2',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(cfg).toEqual({
      redisUrl: 'redis://redis.internal:6380/2',
      redisCommandTimeoutMs: 750,
      keyPrefix: 'staging:',
      apiPort: 6001,
      gatewayPort: 9888,
      monitorPort: 0,
      host: '127.0.0.1',
      publicUrl: 'https://push.example.org',
      gatewayPublicAddress: 'gw1.example.org:443',
      nodesPublicAddress: 'push.example.org:443',
      wsAuthTimeoutMs: 2000,
      wsMaxPayloadBytes: 1024,
      wsAllowedOrigins: ['https://a.example', 'https://b.example'],
      wsPingIntervalMs: 1000,
      wsMaxBufferedBytes: 4096,
      drainSpreadMs: 0,
      streamMaxLen: 10,
      streamMaxAgeS: 60,
      monitorPeriodMs: 1000,
      monitorTimeoutMs: 500,
      pushUrlSecret: 's'.repeat(32),
      publishBurstPerPushUrl: 10,
      publishRatePerPushUrl: 0,
      publishBurstPerIp: 20,
      publishRatePerIp: 5,
      failedAttemptsPerIp: 7,
      failedAttemptsWindowS: 30,
      maxSocketsPerIp: 0,
      trustProxy: 2,
      httpHeadersTimeoutMs: 2000,
      httpRequestTimeoutMs: 3000,
      httpKeepAliveTimeoutMs: 0,
      logLevel: 'debug',
    });
  });

  it('reads TRUST_PROXY as a proxy count, true meaning one', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy).toBe(0);
    expect(problemsOf({ TRUST_PROXY: 'yes' })).toHaveLength(1);
  });

  it('refuses a headers timeout longer than the request timeout (Node would throw at listen)', () => {
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS (5000) must not be longer than HTTP_REQUEST_TIMEOUT_MS (4000)',
    ]);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '0' })).not.toThrow();
  });

  it('derives the gateway public address from GATEWAY_PORT when it is not set', () => {
    expect(loadConfig({ GATEWAY_PORT: '9001' }).gatewayPublicAddress).toBe('127.0.0.1:9001');
  });

  it('accepts a load balancer address as host:port, IPv4 or [IPv6]', () => {
    expect(loadConfig({ NODES_PUBLIC_ADDRESS: 'localhost:80' }).nodesPublicAddress).toBe('localhost:80');
    expect(loadConfig({ NODES_PUBLIC_ADDRESS: '127.0.0.1:8080' }).nodesPublicAddress).toBe('127.0.0.1:8080');
    expect(loadConfig({ NODES_PUBLIC_ADDRESS: '[::1]:443' }).nodesPublicAddress).toBe('[::1]:443');
  });

  it('strips trailing slashes from PUBLIC_URL and keeps its path', () => {
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:5001//' }).publicUrl).toBe('http://localhost:5001');
    expect(loadConfig({ PUBLIC_URL: 'https://example.org/push/' }).publicUrl).toBe('https://example.org/push');
  });

  it('collects every bad value into one ConfigError naming each variable', () => {
    const env = {
      API_PORT: 'abc',
      GATEWAY_PORT: '70000',
      MONITOR_PORT: '-1',
      STREAM_MAX_LEN: '0',
      STREAM_MAX_AGE_S: '1.5',
      WS_AUTH_TIMEOUT_MS: '1e3',
      PUBLIC_URL: 'ftp://example.org',
      PUSH_URL_SECRET: 'too-short',
      LOG_LEVEL: 'loud',
    };
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.problems).toHaveLength(Object.keys(env).length);
    for (const name of Object.keys(env)) {
      expect(err.problems.filter((p) => p.startsWith(`${name} `))).toHaveLength(1);
      expect(err.message).toContain(name);
    }
    expect(err.message.split('\n')[0]).toBe('invalid configuration:');
    expect(err.problems).toContain('GATEWAY_PORT must be between 0 and 65535, got 70000');
    expect(err.problems).toContain('LOG_LEVEL must be one of error, warn, log, debug, verbose, got "loud"');
  });

  it.each([
    ['PUBLIC_URL', 'not a url'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
    ['WS_MAX_PAYLOAD_BYTES', '10'],
    ['MONITOR_PERIOD_MS', '99'],
    ['STREAM_MAX_LEN', '1000001'],
    ['API_PORT', ' '],
    ['NODES_PUBLIC_ADDRESS', 'push.example.org'],
    ['NODES_PUBLIC_ADDRESS', 'ws://push.example.org:80/'],
    ['NODES_PUBLIC_ADDRESS', 'push.example.org:0'],
    ['NODES_PUBLIC_ADDRESS', 'push.example.org:70000'],
  ])('refuses %s=%p', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} `));
  });

  it('refuses a monitor timeout that is not shorter than its period', () => {
    expect(problemsOf({ MONITOR_PERIOD_MS: '1000', MONITOR_TIMEOUT_MS: '1000' })).toEqual([
      'MONITOR_TIMEOUT_MS (1000) must be shorter than MONITOR_PERIOD_MS (1000)',
    ]);
    expect(() => loadConfig({ MONITOR_PERIOD_MS: '1000', MONITOR_TIMEOUT_MS: '999' })).not.toThrow();
    // the default timeout (5 s) against a short period is refused too
    expect(problemsOf({ MONITOR_PERIOD_MS: '2000' })).toHaveLength(1);
  });

  it('reads only the environment it is given', () => {
    const saved = process.env.API_PORT;
    process.env.API_PORT = '1234';
    try {
      expect(loadConfig({}).apiPort).toBe(5001);
      expect(loadConfig().apiPort).toBe(1234);
    } finally {
      if (saved === undefined) delete process.env.API_PORT;
      else process.env.API_PORT = saved;
    }
  });

  it('documents every field with a distinct variable name', () => {
    const envs = Object.values(fields).map((f) => f.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const f of Object.values(fields)) {
      expect(f.env).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(f.doc.length).toBeGreaterThan(5);
    }
  });
});
